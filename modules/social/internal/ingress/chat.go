// Package ingress takes the app's chat messages in over NATS: in the app
// account it answers each publish on chat.in.<user>.<group> (the callout
// lets a user publish only under its own id) by posting the message
// through the chat's one use case (service.Chat.Post: member, not
// banned, the text's rules, the user's budget, stored, then delivered on
// chat.<group> through the outbox), and answers on the publisher's own
// inbox with the stored message, or a refusal in the shape of a JetStream
// API error ({"error": {"code": 429, "description": "rate_limited: …"}}),
// as the telemetry ingress does. A message is never taken from the
// group's stream subject.
package ingress

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/lograte"
	"github.com/athlos/athlos/modules/social/api"
	"github.com/athlos/athlos/modules/social/internal/service"
)

// Bounds of the chat ingress: messages handled at once per process (more
// wait in the subscription's queue), how long one may take, and the
// largest message (a 4,000-character text is at most 16 KB, plus JSON).
const (
	ChatWorkers    = 64
	ChatTimeout    = 10 * time.Second
	ChatMaxPayload = 20 << 10
)

// Chat answers the app's chat.in.<user>.<group>.
type Chat struct {
	app, internal *nats.Conn
	chat          *service.Chat
	log           *slog.Logger
	refusals      *lograte.Failures

	sub   *nats.Subscription
	slots chan struct{}
	wg    sync.WaitGroup

	mu      sync.Mutex
	posted  uint64
	refused map[bus.Code]uint64
}

// NewChat returns the chat ingress reading on app (a connection to the app
// account) and telling refusals without a reply on refused.<user> through
// internal (Athlos's own connection).
func NewChat(app, internal *nats.Conn, c *service.Chat, log *slog.Logger) *Chat {
	return &Chat{app: app, internal: internal, chat: c, log: log, refusals: lograte.New(log, "chat message refused"),
		slots: make(chan struct{}, ChatWorkers), refused: map[bus.Code]uint64{}}
}

// Start subscribes (queue group social-chat: one process answers each
// message).
func (c *Chat) Start() error {
	sub, err := c.app.QueueSubscribe(api.SubjectChatIn+"*.*", "social-chat", c.onMsg)
	if err != nil {
		return fmt.Errorf("social: chat ingress: %w", err)
	}
	c.sub = sub
	return c.app.Flush()
}

// Stop stops taking messages and waits (within ctx) for those taken.
func (c *Chat) Stop(ctx context.Context) error {
	if c.sub != nil {
		_ = c.sub.Drain()
	}
	done := make(chan struct{})
	go func() { c.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Chat) onMsg(m *nats.Msg) {
	rest := strings.TrimPrefix(m.Subject, api.SubjectChatIn)
	userPart, groupPart, _ := strings.Cut(rest, ".")
	if m.Reply != "" && !strings.HasPrefix(m.Reply, bus.AppInboxPrefix(userPart)+".") {
		// Answering would write where the app may not: no answer, and the
		// message is not stored.
		c.refuse(userPart, m, "", &bus.Error{Code: bus.CodeForbidden,
			Message: "the reply subject must be under the publisher's own inbox " + bus.AppInboxPrefix(userPart) + "."})
		return
	}
	select {
	case c.slots <- struct{}{}:
	default:
		c.refuse(userPart, m, m.Reply, &bus.Error{Code: bus.CodeUnavailable, Message: "busy: try again shortly", RetryAfter: 1})
		return
	}
	c.wg.Add(1)
	go func() {
		defer func() { <-c.slots; c.wg.Done() }()
		out, err := c.post(userPart, groupPart, m)
		if err != nil {
			c.refuse(userPart, m, m.Reply, bus.AsError(err))
			return
		}
		c.count("")
		if m.Reply != "" {
			_ = c.app.Publish(m.Reply, out)
		}
	}()
}

// count counts a message posted (code "") or refused.
func (c *Chat) count(code bus.Code) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if code == "" {
		c.posted++
	} else {
		c.refused[code]++
	}
}

// post decodes and posts one message: the stored message, encoded.
func (c *Chat) post(userPart, groupPart string, m *nats.Msg) ([]byte, error) {
	user, err := uuid.Parse(userPart)
	if err != nil {
		return nil, bus.Invalid("subject", "the user id is not a UUID")
	}
	group, err := uuid.Parse(groupPart)
	if err != nil {
		return nil, bus.Invalid("subject", "want "+api.SubjectChatIn+"<your id>.<group id>: the group id is not a UUID")
	}
	if len(m.Data) > ChatMaxPayload {
		return nil, &bus.Error{Code: bus.CodeTooLarge, Message: fmt.Sprintf("a chat message is at most %d bytes", ChatMaxPayload)}
	}
	var in api.ChatPost
	dec := json.NewDecoder(bytes.NewReader(m.Data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, bus.Invalid("body", "not a chat message ({\"text\": …, \"txn_id\": …, \"reply_to\": …}): "+err.Error())
	}
	if in.TxnID == "" {
		in.TxnID = m.Header.Get(nats.MsgIdHdr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), ChatTimeout)
	defer cancel()
	msg, _, err := c.chat.Post(ctx, user, group, service.Post{Text: in.Text, TxnID: in.TxnID, ReplyTo: in.ReplyTo})
	if err != nil {
		return nil, err
	}
	return json.Marshal(msg)
}

// refuse answers a refusal on reply, or on refused.<user> when there is
// none.
func (c *Chat) refuse(user string, m *nats.Msg, reply string, e *bus.Error) {
	reason := e.Message
	if len(e.Fields) > 0 {
		reason = e.Fields[0].Field + ": " + e.Fields[0].Reason
	}
	c.count(e.Code)
	c.refusals.Fail(context.Background(), slog.LevelInfo, "user", user, "subject", m.Subject, "code", e.Code, "reason", reason)
	if reply != "" {
		_ = c.app.Publish(reply, bus.PubAckError(e.Code, reason))
		return
	}
	if _, err := uuid.Parse(user); err != nil {
		return
	}
	data, err := json.Marshal(bus.Refused{Subject: m.Subject, MsgID: m.Header.Get(nats.MsgIdHdr), Code: e.Code, Reason: reason})
	if err == nil {
		err = c.internal.Publish(bus.SubjectRefused+user, data)
	}
	if err != nil {
		c.log.Debug("chat refusal not sent", "user", user, "err", err)
	}
}

// Describe and Collect export the ingress's counts (prometheus.Collector).
func (c *Chat) Describe(ch chan<- *prometheus.Desc) {
	ch <- chatPostedDesc
	ch <- chatRefusedDesc
}

// Collect exports the ingress's counts.
func (c *Chat) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(chatPostedDesc, prometheus.CounterValue, float64(c.posted))
	for code, n := range c.refused {
		ch <- prometheus.MustNewConstMetric(chatRefusedDesc, prometheus.CounterValue, float64(n), string(code))
	}
}

var (
	chatPostedDesc = prometheus.NewDesc("athlos_social_chat_ingress_posted_total",
		"Chat messages from apps over NATS (chat.in.<user>.<group>) stored (a retry of a stored one too).", nil, nil)
	chatRefusedDesc = prometheus.NewDesc("athlos_social_chat_ingress_refused_total",
		"Chat messages from apps over NATS refused, by code.", []string{"code"}, nil)
)
