package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/athlos/athlos/internal/httpkit"
)

// AsyncAPIVersion is the AsyncAPI specification the real-time document
// follows.
const AsyncAPIVersion = "3.0.0"

// asyncAPIDescription is the document's introduction: how an app connects.
const asyncAPIDescription = "What an app sends and receives in real time: NATS over WebSocket. " +
	"GET /v1/realtime tells the URLs to connect to, the inbox prefix and the subjects the caller may use. Connect with " +
	"a token callback that returns the app's current access token at every connect and reconnect (nats.TokenHandler " +
	"in Go, tokenAuthenticator in nats.js), refresh the token over HTTP (POST /v1/auth/refresh) before it expires, and " +
	"set the inbox prefix given (nats.CustomInboxPrefix, inboxPrefix in nats.js). The server closes a connection when " +
	"the token it was made with expires, or when what the user may subscribe to changes; the client reconnects with " +
	"the fresh token and resubscribes. Publishes are answered only under the publisher's own inbox. Payloads are " +
	"JSON; their schemas are those of the HTTP API's document (/openapi.json) for the types both use."

// AsyncAPI returns the AsyncAPI 3.0 document of the given real-time
// channels, as /asyncapi.json serves it. The schemas of payloads and
// headers are made from their Go types the way the OpenAPI document's are
// (huma's registry, the same names and rules).
func AsyncAPI(channels []httpkit.Channel) ([]byte, error) {
	doc, err := asyncAPIDoc(channels)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "<user id>" as written
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// asyncID is what the document's keys may be (AsyncAPI's component keys).
var asyncID = regexp.MustCompile(`^[A-Za-z0-9_.\-]+$`)

// addressParams are the {name} tokens of an address.
var addressParams = regexp.MustCompile(`\{([^{}]+)\}`)

type asyncBuilder struct {
	registry huma.Registry
	// The schemas of what apps send and of what they receive, which
	// finishSchemas treats as the OpenAPI document's requests and answers.
	sent, received []*huma.Schema
	messages       map[string]any
	types          map[string]reflect.Type // message ID → payload type, to catch two meanings of one ID
	channels       map[string]any
	operations     map[string]any
}

func asyncAPIDoc(channels []httpkit.Channel) (map[string]any, error) {
	installHumaErrors() // the same rules as the OpenAPI document's schemas
	b := &asyncBuilder{
		registry: huma.NewMapRegistry("#/components/schemas/", huma.DefaultSchemaNamer),
		messages: map[string]any{}, types: map[string]reflect.Type{}, channels: map[string]any{}, operations: map[string]any{},
	}
	for _, c := range channels {
		if err := b.add(c); err != nil {
			return nil, err
		}
	}
	finishSchemas(b.registry, b.sent, b.received)
	return map[string]any{
		"asyncapi": AsyncAPIVersion,
		"info": map[string]any{
			"title":       "Athlos real-time API",
			"version":     APIVersion,
			"description": asyncAPIDescription,
		},
		"defaultContentType": "application/json",
		"servers": map[string]any{
			"nats": map[string]any{
				"host":     "{host}",
				"protocol": "nats",
				"title":    "NATS over WebSocket",
				"description": "The NATS protocol in WebSocket messages (ws:// or wss://): use the websocket_urls of " +
					"GET /v1/realtime as the client's servers.",
				"variables": map[string]any{
					"host": map[string]any{"default": "localhost:4280",
						"description": "host and port of a websocket_url of GET /v1/realtime"},
				},
				"security": []any{map[string]any{"$ref": "#/components/securitySchemes/accessToken"}},
			},
		},
		"channels":   b.channels,
		"operations": b.operations,
		"components": map[string]any{
			"messages": b.messages,
			"schemas":  b.registry.Map(),
			"securitySchemes": map[string]any{
				"accessToken": map[string]any{
					"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
					"description": "The access token (from /v1/auth/login, /v1/auth/register or /v1/auth/refresh) as the " +
						"NATS connect token (auth_token), supplied afresh at every connect and reconnect.",
				},
			},
		},
	}, nil
}

func (b *asyncBuilder) add(c httpkit.Channel) error {
	if !asyncID.MatchString(c.ID) || !asyncID.MatchString(c.Operation) {
		return fmt.Errorf("gateway: asyncapi: channel %q, operation %q: want letters, digits, '.', '-' or '_'", c.ID, c.Operation)
	}
	if _, dup := b.channels[c.ID]; dup {
		return fmt.Errorf("gateway: asyncapi: two channels %q", c.ID)
	}
	if _, dup := b.operations[c.Operation]; dup {
		return fmt.Errorf("gateway: asyncapi: two operations %q", c.Operation)
	}
	if c.Action != httpkit.AppSends && c.Action != httpkit.AppReceives {
		return fmt.Errorf("gateway: asyncapi: channel %q: action %q, want %q or %q", c.ID, c.Action, httpkit.AppSends, httpkit.AppReceives)
	}
	ch, refs, err := b.channel(c.ID, c.Address, c.Parameters, c.Title, c.Description, c.Messages, c.Action == httpkit.AppSends)
	if err != nil {
		return err
	}
	b.channels[c.ID] = ch
	op := map[string]any{
		"action":   c.Action,
		"channel":  map[string]any{"$ref": "#/channels/" + c.ID},
		"messages": refs,
	}
	putString(op, "summary", c.Summary)
	if c.Module != "" {
		op["tags"] = []any{map[string]any{"name": c.Module}}
	}
	if r := c.Reply; r != nil {
		if _, dup := b.channels[r.ChannelID]; dup || r.ChannelID == "" {
			return fmt.Errorf("gateway: asyncapi: channel %q: reply channel %q missing or taken", c.ID, r.ChannelID)
		}
		ch, refs, err := b.channel(r.ChannelID, r.Address, r.Parameters, "", r.Description, r.Messages, false)
		if err != nil {
			return err
		}
		b.channels[r.ChannelID] = ch
		op["reply"] = map[string]any{"channel": map[string]any{"$ref": "#/channels/" + r.ChannelID}, "messages": refs}
	}
	b.operations[c.Operation] = op
	return nil
}

// channel is a channel object and the references to its messages, which
// the app sends (sent) or receives.
func (b *asyncBuilder) channel(id, address string, params map[string]string, title, description string,
	msgs []httpkit.Message, sent bool) (map[string]any, []any, error) {
	if !asyncID.MatchString(id) || address == "" || len(msgs) == 0 {
		return nil, nil, fmt.Errorf("gateway: asyncapi: channel %q needs an id, an address and messages", id)
	}
	ch := map[string]any{"address": address}
	putString(ch, "title", title)
	putString(ch, "description", description)
	var names []string
	for _, m := range addressParams.FindAllStringSubmatch(address, -1) {
		names = append(names, m[1])
	}
	if len(names) > 0 || len(params) > 0 {
		ps := map[string]any{}
		for _, n := range names {
			d, ok := params[n]
			if !ok || !asyncID.MatchString(n) {
				return nil, nil, fmt.Errorf("gateway: asyncapi: channel %q: parameter {%s} is not described", id, n)
			}
			ps[n] = map[string]any{"description": d}
		}
		for n := range params {
			if !slices.Contains(names, n) {
				return nil, nil, fmt.Errorf("gateway: asyncapi: channel %q: parameter %q is not in %q", id, n, address)
			}
		}
		ch["parameters"] = ps
	}
	messages := map[string]any{}
	refs := make([]any, 0, len(msgs))
	for _, m := range msgs {
		if err := b.message(m, sent); err != nil {
			return nil, nil, fmt.Errorf("gateway: asyncapi: channel %q: %w", id, err)
		}
		messages[m.ID] = map[string]any{"$ref": "#/components/messages/" + m.ID}
		refs = append(refs, map[string]any{"$ref": "#/channels/" + id + "/messages/" + m.ID})
	}
	ch["messages"] = messages
	return ch, refs, nil
}

// message adds m to the components (once; the same ID must mean the
// same payload).
func (b *asyncBuilder) message(m httpkit.Message, sent bool) error {
	if !asyncID.MatchString(m.ID) || m.Payload == nil {
		return fmt.Errorf("message %q needs an id and a payload", m.ID)
	}
	t := reflect.TypeOf(m.Payload)
	if prev, ok := b.types[m.ID]; ok {
		if prev != t {
			return fmt.Errorf("message %q is %s and %s", m.ID, prev, t)
		}
		return nil
	}
	b.types[m.ID] = t
	payload := b.registry.Schema(t, true, m.ID)
	roots := &b.received
	if sent {
		roots = &b.sent
	}
	*roots = append(*roots, payload)
	msg := map[string]any{
		"name":        m.ID,
		"contentType": "application/json",
		"payload":     payload,
	}
	putString(msg, "title", m.Title)
	putString(msg, "summary", m.Summary)
	putString(msg, "description", strings.TrimSpace(m.Description))
	if m.Headers != nil {
		headers := b.registry.Schema(reflect.TypeOf(m.Headers), true, m.ID+"Headers")
		*roots = append(*roots, headers)
		msg["headers"] = headers
	}
	b.messages[m.ID] = msg
	return nil
}

func putString(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}
