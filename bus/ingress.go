package bus

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/athlos/athlos/internal/lograte"
)

// Ingress answers what apps publish on one subject family in the app
// account: it checks each message, publishes what it accepts into a
// JetStream stream of Athlos's account, and relays the stream's PubAck to
// the app, or answers the refusal itself, in the shape of a JetStream
// API error, so a stock JetStream client (nats.go jetstream, nats.js)
// publishes through it as if it were the stream.
//
// Whatever an app publishes is answered only under its publisher's own
// inbox (AppInboxPrefix of the user the subject names, which the callout
// lets publish there only itself): a reply subject elsewhere (another
// user's inbox, notification or live subject, anything) gets no answer
// and the message is not stored, so no choice of reply subject makes the
// server write where the app may not. A message without a reply is
// stored all the same; its refusal goes to refused.<user>.
type Ingress struct {
	cfg      IngressConfig
	app      *nats.Conn
	internal *nats.Conn
	log      *slog.Logger
	refusals *lograte.Failures

	acks    string // internal reply prefix for the PubAcks
	mu      sync.Mutex
	next    uint64
	stored  uint64
	refused map[Code]uint64
	wait    map[uint64]pendingAck
	subs    []*nats.Subscription
	stop    chan struct{}
	done    chan struct{}
	closed  bool
}

// IngressConfig configures an Ingress.
type IngressConfig struct {
	// Subject is what apps publish on, e.g. "live.telemetry.*.*".
	Subject string
	// UserToken is the index (from 0) of the subject's token that names
	// the publisher (the callout lets a user publish only under its own
	// id).
	UserToken int
	// Queue is the queue group of the processes answering.
	Queue string
	// Accept decides on one message of user: the message to store (its
	// subject must be one of the stream's; Reply is ignored), or why not
	// (an *Error; its code becomes the answer's).
	Accept func(user string, m *nats.Msg) (*nats.Msg, error)
	// MaxPending bounds the messages waiting for their PubAck; past it a
	// message is refused (unavailable). 0 means 8192.
	MaxPending int
	// AckTimeout is how long a PubAck is waited for; 0 means 10 s.
	AckTimeout time.Duration
}

// Refused is what an app hears on refused.<user> (SubjectRefused) about a
// message the server refused when it could not say so in the answer to
// the publish.
//
// The field tags describe it in the real-time API document
// (/asyncapi.json).
type Refused struct {
	// Subject is the subject the app published on.
	Subject string `json:"subject" doc:"the subject the app published on"`
	// MsgID is the message's Nats-Msg-Id, when it had one.
	MsgID string `json:"msg_id,omitempty" doc:"the message's Nats-Msg-Id, when it had one"`
	// Seq is the stream sequence of its PubAck, when it was acknowledged
	// and refused later (at storing).
	Seq uint64 `json:"seq,omitempty" doc:"the seq of its PubAck, when it was acknowledged and refused later, at storing"`
	// Code is why, as the error codes of the API (invalid, forbidden,
	// rate_limited, too_large, unavailable).
	Code Code `json:"code" enum:"invalid,forbidden,rate_limited,too_large,unavailable,not_found,conflict,internal" doc:"why, as the error codes of the HTTP API: invalid (never storable: drop it), forbidden (e.g. a reply subject outside your inbox), rate_limited and unavailable (send it again later)"`
	// Reason says why in words.
	Reason string `json:"reason" doc:"why, in words (the field and why, for invalid)"`
	// Dropped counts points left out of a message that was otherwise
	// stored, by reason (telemetry).
	Dropped map[string]int `json:"dropped,omitempty" doc:"points left out of a message otherwise stored, by reason: duplicate_time, impossible_speed, time_outside_session, coordinates_out_of_range, null_island, sensor_value_out_of_range"`
	// Accepted counts the points of the message that were kept
	// (telemetry; 0 when the message was refused whole).
	Accepted int `json:"accepted" doc:"points of the message that were kept (0 when it was refused whole)"`
}

// PubAck is the answer to an app's publish that its stream stored: the
// stream's own JetStream PubAck, relayed (described here for the
// real-time API document; stock JetStream clients decode it).
type PubAck struct {
	Stream    string   `json:"stream" doc:"the stream that stored the message"`
	Seq       uint64   `json:"seq" doc:"the message's sequence in the stream"`
	Duplicate bool     `json:"duplicate,omitempty" doc:"a message with the same Nats-Msg-Id was stored within the stream's duplicate window: this one was not stored again"`
	Domain    string   `json:"domain,omitempty" doc:"the JetStream domain, if any"`
	_         struct{} `json:"-" additionalProperties:"true"`
}

// PubAckRefusal is the answer to an app's publish that was refused: a
// JetStream API error (PubAckError, or the stream's own), which stock
// JetStream clients raise as an error of that code.
type PubAckRefusal struct {
	Error PubAckRefusalError `json:"error"`
}

// PubAckRefusalError says why a publish was refused.
type PubAckRefusalError struct {
	Code        int    `json:"code" doc:"an HTTP status: 400 (never storable: drop the message), 403 (not yours), 413 (too large), 429 (past the user's budget: send it again later), 503 (send it again later)"`
	ErrCode     int    `json:"err_code,omitempty" doc:"JetStream's own error code, when the stream refused"`
	Description string `json:"description" doc:"<code>: <reason>, e.g. \"rate_limited: more than 20 messages a second (bursts of 200): try again in 1 s\""`
}

type pendingAck struct {
	user, subject, msgID, reply string
	at                          time.Time
}

// NewIngress returns an ingress that reads on app (a connection to the app
// account, ConnectApp) and stores through internal (Athlos's own).
func NewIngress(app, internal *nats.Conn, cfg IngressConfig, log *slog.Logger) (*Ingress, error) {
	if app == nil || internal == nil || cfg.Subject == "" || cfg.Accept == nil {
		return nil, errors.New("bus: an ingress needs both connections, a subject and Accept")
	}
	if n := len(strings.Split(cfg.Subject, ".")); cfg.UserToken < 0 || cfg.UserToken >= n {
		return nil, fmt.Errorf("bus: ingress %s: no token %d", cfg.Subject, cfg.UserToken)
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = 8192
	}
	if cfg.AckTimeout <= 0 {
		cfg.AckTimeout = 10 * time.Second
	}
	if log == nil {
		log = slog.Default()
	}
	return &Ingress{cfg: cfg, app: app, internal: internal, log: log, refusals: lograte.New(log, "app message refused"),
		acks: internal.NewRespInbox(), wait: map[uint64]pendingAck{}, refused: map[Code]uint64{}}, nil
}

// Start subscribes; Stop undoes it.
func (g *Ingress) Start() error {
	acks, err := g.internal.Subscribe(g.acks+".*", g.onAck)
	if err != nil {
		return fmt.Errorf("bus: ingress %s: %w", g.cfg.Subject, err)
	}
	in, err := g.app.QueueSubscribe(g.cfg.Subject, g.cfg.Queue, g.onMsg)
	if err != nil {
		_ = acks.Unsubscribe()
		return fmt.Errorf("bus: ingress %s: %w", g.cfg.Subject, err)
	}
	// Many phones at once: the default pending limits of a subscription
	// (64 MiB, 512k messages) are the bound; a slow consumer is logged by
	// the connection's error handler.
	g.subs = []*nats.Subscription{in, acks}
	g.stop, g.done = make(chan struct{}), make(chan struct{})
	go g.expire()
	if err := errors.Join(g.internal.Flush(), g.app.Flush()); err != nil {
		_ = g.Stop(context.Background())
		return fmt.Errorf("bus: ingress %s: %w", g.cfg.Subject, err)
	}
	return nil
}

// Stop stops taking messages and waits (within ctx) for the PubAcks of
// those taken.
func (g *Ingress) Stop(ctx context.Context) error {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return nil
	}
	g.closed = true
	g.mu.Unlock()
	if len(g.subs) > 0 {
		_ = g.subs[0].Drain()
	}
	for {
		g.mu.Lock()
		n := len(g.wait)
		g.mu.Unlock()
		if n == 0 || ctx.Err() != nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, s := range g.subs[1:] {
		_ = s.Unsubscribe()
	}
	if g.stop != nil {
		close(g.stop)
		<-g.done
	}
	return ctx.Err()
}

// Pending is how many accepted messages wait for their PubAck.
func (g *Ingress) Pending() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.wait)
}

// IngressStats count what an ingress did since it started.
type IngressStats struct {
	// Stored messages (acknowledged by their stream, duplicates too).
	Stored uint64
	// Refused messages by the code of their refusal.
	Refused map[Code]uint64
	// Pending messages wait for their PubAck.
	Pending int
}

// Stats are the ingress's counts.
func (g *Ingress) Stats() IngressStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	st := IngressStats{Stored: g.stored, Refused: make(map[Code]uint64, len(g.refused)), Pending: len(g.wait)}
	for c, n := range g.refused {
		st.Refused[c] = n
	}
	return st
}

func (g *Ingress) count(refused Code) {
	g.mu.Lock()
	if refused == "" {
		g.stored++
	} else {
		g.refused[refused]++
	}
	g.mu.Unlock()
}

func (g *Ingress) onMsg(m *nats.Msg) {
	user := token(m.Subject, g.cfg.UserToken)
	msgID := m.Header.Get(nats.MsgIdHdr)
	if m.Reply != "" && !strings.HasPrefix(m.Reply, AppInboxPrefix(user)+".") {
		// Answering would write where the app may not: no answer, and
		// the message is not stored.
		g.refuse(user, m.Subject, msgID, "", &Error{Code: CodeForbidden,
			Message: "the reply subject must be under the publisher's own inbox " + AppInboxPrefix(user) + "."})
		return
	}
	out, err := g.cfg.Accept(user, m)
	if err != nil {
		g.refuse(user, m.Subject, msgID, m.Reply, AsError(err))
		return
	}
	g.mu.Lock()
	if g.closed || len(g.wait) >= g.cfg.MaxPending {
		g.mu.Unlock()
		g.refuse(user, m.Subject, msgID, m.Reply, &Error{Code: CodeUnavailable, Message: "busy: try again shortly", RetryAfter: 1})
		return
	}
	g.next++
	id := g.next
	g.wait[id] = pendingAck{user: user, subject: m.Subject, msgID: msgID, reply: m.Reply, at: time.Now()}
	g.mu.Unlock()
	out.Reply = g.acks + "." + strconv.FormatUint(id, 10)
	if err := g.internal.PublishMsg(out); err != nil {
		if p, ok := g.take(id); ok {
			g.refuse(p.user, p.subject, p.msgID, p.reply, &Error{Code: CodeUnavailable, Message: "cannot store now: try again shortly", RetryAfter: 1})
		}
	}
}

// onAck relays a stream's PubAck (or its error) to the app.
func (g *Ingress) onAck(m *nats.Msg) {
	id, err := strconv.ParseUint(m.Subject[len(g.acks)+1:], 10, 64)
	if err != nil {
		return
	}
	p, ok := g.take(id)
	if !ok {
		return
	}
	if m.Header.Get("Status") == "503" { // no responders: no stream takes the subject
		g.refuse(p.user, p.subject, p.msgID, p.reply, &Error{Code: CodeUnavailable, Message: "nothing stores this subject now", RetryAfter: 5})
		return
	}
	if bytes.Contains(m.Data, []byte(`"error"`)) {
		var r struct {
			Error *struct {
				Code        int    `json:"code"`
				Description string `json:"description"`
			} `json:"error"`
		}
		if json.Unmarshal(m.Data, &r) == nil && r.Error != nil {
			code := CodeUnavailable
			if r.Error.Code >= 400 && r.Error.Code < 500 {
				code = CodeInvalid
			}
			g.count(code)
			g.refusals.Fail(context.Background(), slog.LevelInfo, "user", p.user, "subject", p.subject, "code", code, "reason", r.Error.Description)
			if p.reply != "" {
				_ = g.app.Publish(p.reply, m.Data)
				return
			}
			g.tell(p.user, Refused{Subject: p.subject, MsgID: p.msgID, Code: code, Reason: r.Error.Description})
			return
		}
	}
	g.count("")
	if p.reply != "" {
		_ = g.app.Publish(p.reply, m.Data)
	}
}

func (g *Ingress) take(id uint64) (pendingAck, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p, ok := g.wait[id]
	delete(g.wait, id)
	return p, ok
}

// expire refuses the messages whose PubAck did not come in time.
func (g *Ingress) expire() {
	defer close(g.done)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-g.stop:
			return
		case now := <-t.C:
			var late []pendingAck
			g.mu.Lock()
			for id, p := range g.wait {
				if now.Sub(p.at) > g.cfg.AckTimeout {
					late = append(late, p)
					delete(g.wait, id)
				}
			}
			g.mu.Unlock()
			for _, p := range late {
				g.refuse(p.user, p.subject, p.msgID, p.reply, &Error{Code: CodeUnavailable, Message: "not stored in time: try again", RetryAfter: 1})
			}
		}
	}
}

// refuse answers a refusal on reply (a JetStream API error, which stock
// clients raise), or on refused.<user> when there is no reply.
func (g *Ingress) refuse(user, subject, msgID, reply string, e *Error) {
	reason := e.Message
	if len(e.Fields) > 0 {
		reason = e.Fields[0].Field + ": " + e.Fields[0].Reason
	}
	g.count(e.Code)
	g.refusals.Fail(context.Background(), slog.LevelInfo, "user", user, "subject", subject, "code", e.Code, "reason", reason)
	if reply != "" {
		_ = g.app.Publish(reply, PubAckError(e.Code, reason))
		return
	}
	g.tell(user, Refused{Subject: subject, MsgID: msgID, Code: e.Code, Reason: reason})
}

func (g *Ingress) tell(user string, r Refused) {
	data, err := json.Marshal(r)
	if err == nil {
		err = g.internal.Publish(SubjectRefused+user, data)
	}
	if err != nil {
		g.log.Debug("refusal not sent", "user", user, "err", err)
	}
}

// PubAckError is a refusal in the shape of a JetStream API error
// ({"error": {"code": <HTTP status>, "description": "<code>: <reason>"}}),
// which JetStream clients raise as an API error of that code.
// It is written by hand: a flood past a user's budget is refused message
// after message, and marshalling a map took most of a refusal's time.
func PubAckError(code Code, reason string) []byte {
	desc, _ := json.Marshal(string(code) + ": " + reason) // a string always marshals
	b := make([]byte, 0, len(desc)+48)
	b = append(b, `{"error":{"code":`...)
	b = strconv.AppendInt(b, int64(code.HTTPStatus()), 10)
	b = append(b, `,"description":`...)
	b = append(b, desc...)
	return append(b, "}}"...)
}

// token is subject's i-th token ("" when it has fewer).
func token(subject string, i int) string {
	for ; i > 0; i-- {
		dot := strings.IndexByte(subject, '.')
		if dot < 0 {
			return ""
		}
		subject = subject[dot+1:]
	}
	if dot := strings.IndexByte(subject, '.'); dot >= 0 {
		return subject[:dot]
	}
	return subject
}
