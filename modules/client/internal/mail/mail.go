// Package mail is the client module's outgoing mail: messages rendered
// from embedded templates in the recipient's language (Render), a Sender
// that talks SMTP through github.com/wneessen/go-mail when a server is
// configured and otherwise writes each message, links and all, to the log
// (so a self-hoster without a mail server still sees them), and a mail
// outbox: Enqueue writes a message in the transaction of the change it
// tells of, and a Worker in every process that runs the module sends it
// outside any transaction, with retries and backoff (outbox.go).
//
// Package mailtest runs a real SMTP server (github.com/emersion/go-smtp)
// in a test and collects what it receives.
package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one email, already rendered in the recipient's language.
type Message struct {
	To, Subject, Text, HTML string
}

// Sender sends mail: SMTP (wneessen/go-mail) when configured, else it
// writes the message (with its links) to the log so a self-hoster sees
// them.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// BatchSender is a Sender that can send several messages over one
// connection; the Worker uses it when its Sender has it. The answer has
// one error (or nil) per message, in order.
type BatchSender interface {
	Sender
	SendAll(ctx context.Context, ms []Message) []error
}

// TLS modes of Config.TLS.
const (
	// TLSStartTLS upgrades the connection with STARTTLS and refuses a
	// server that does not offer it (the default).
	TLSStartTLS = "starttls"
	// TLSOpportunistic uses STARTTLS when the server offers it.
	TLSOpportunistic = "opportunistic"
	// TLSImplicit speaks TLS from the first byte (SMTPS, port 465); an
	// smtps:// URL implies it.
	TLSImplicit = "tls"
	// TLSNone never encrypts (a relay on the same machine, tests).
	TLSNone = "none"
)

// Config configures the Sender.
type Config struct {
	// URL is the SMTP server, smtp://[user:password@]host[:port] or
	// smtps://...; empty: no server, messages go to the log.
	URL string
	// From is the sender address (an address, or "Name <address>").
	From string
	// TLS is one of the TLS modes (empty: starttls; smtps:// URLs: tls).
	TLS string
	// Timeout bounds one connection's dial and each command (0: 30s).
	Timeout time.Duration
	// RootCAs verify the server's certificate (nil: the system's; tests
	// set their own, not a flag).
	RootCAs *x509.CertPool
}

// DefaultFrom is the sender address when none is configured.
const DefaultFrom = "Athlos <no-reply@localhost>"

// Validate checks c without connecting anywhere.
func (c Config) Validate() error {
	_, err := c.smtpOptions()
	return err
}

// Configured reports whether c names an SMTP server.
func (c Config) Configured() bool { return c.URL != "" }

// smtp is a parsed Config.
type smtpConfig struct {
	host string
	opts []gomail.Option
	from string
}

func (c Config) smtpOptions() (smtpConfig, error) {
	from := c.From
	if from == "" {
		from = DefaultFrom
	}
	if err := gomail.NewMsg().From(from); err != nil {
		return smtpConfig{}, fmt.Errorf("mail: sender address %q: %w", from, err)
	}
	if c.URL == "" {
		if c.TLS != "" && !validTLS(c.TLS) {
			return smtpConfig{}, fmt.Errorf("mail: TLS mode %q: want starttls, opportunistic, tls or none", c.TLS)
		}
		return smtpConfig{from: from}, nil
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		return smtpConfig{}, fmt.Errorf("mail: SMTP URL: %w", errors.Unwrap(err))
	}
	mode := c.TLS
	switch u.Scheme {
	case "smtp":
		if mode == "" {
			mode = TLSStartTLS
		}
	case "smtps":
		if mode == "" {
			mode = TLSImplicit
		}
		if mode != TLSImplicit {
			return smtpConfig{}, fmt.Errorf("mail: an smtps:// URL speaks TLS from the start: TLS mode %q does not apply", mode)
		}
	default:
		return smtpConfig{}, fmt.Errorf("mail: SMTP URL scheme %q: want smtp or smtps", u.Scheme)
	}
	if !validTLS(mode) {
		return smtpConfig{}, fmt.Errorf("mail: TLS mode %q: want starttls, opportunistic, tls or none", mode)
	}
	host := u.Hostname()
	if host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return smtpConfig{}, errors.New("mail: SMTP URL: want smtp://[user:password@]host[:port]")
	}
	port := 587
	if mode == TLSImplicit {
		port = 465
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port < 1 || port > 65535 {
			return smtpConfig{}, fmt.Errorf("mail: SMTP URL: port %q", p)
		}
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTimeout(timeout),
		gomail.WithTLSConfig(&tls.Config{ServerName: host, MinVersion: tls.VersionTLS12, RootCAs: c.RootCAs})}
	switch mode {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSOpportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if u.User != nil {
		pass, _ := u.User.Password()
		auth := gomail.SMTPAuthAutoDiscover
		if mode == TLSNone {
			// go-mail's discovery offers no plain-text mechanism
			// without TLS: say it is meant.
			auth = gomail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
	}
	return smtpConfig{host: host, opts: opts, from: from}, nil
}

func validTLS(mode string) bool {
	switch mode {
	case TLSStartTLS, TLSOpportunistic, TLSImplicit, TLSNone:
		return true
	}
	return false
}

// NewSender returns the Sender of c: SMTP when c names a server, else one
// that writes messages to log.
func NewSender(c Config, log *slog.Logger) (Sender, error) {
	sc, err := c.smtpOptions()
	if err != nil {
		return nil, err
	}
	if !c.Configured() {
		return LogSender{Log: log}, nil
	}
	return &SMTPSender{cfg: sc}, nil
}

// LogSender writes each message to the log at level Info, its plain text
// (with its links) included: the sender of a server without SMTP.
type LogSender struct{ Log *slog.Logger }

// Send logs m.
func (l LogSender) Send(ctx context.Context, m Message) error {
	l.Log.InfoContext(ctx, "mail (no SMTP server configured: --smtp-url)", "to", m.To, "subject", m.Subject, "text", m.Text)
	return nil
}

// SMTPSender sends through an SMTP server with go-mail, one connection
// per batch.
type SMTPSender struct{ cfg smtpConfig }

// Send sends m in a connection of its own.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	return s.SendAll(ctx, []Message{m})[0]
}

// SendAll sends ms over one connection: a message the server refuses
// fails alone, a connection that fails fails them all.
func (s *SMTPSender) SendAll(ctx context.Context, ms []Message) []error {
	errs := make([]error, len(ms))
	msgs := make([]*gomail.Msg, 0, len(ms))
	index := make([]int, 0, len(ms))
	for i, m := range ms {
		msg, err := s.build(m)
		if err != nil {
			errs[i] = Permanent(err)
			continue
		}
		msgs = append(msgs, msg)
		index = append(index, i)
	}
	if len(msgs) == 0 {
		return errs
	}
	c, err := gomail.NewClient(s.cfg.host, s.cfg.opts...)
	if err == nil {
		err = c.DialAndSendWithContext(ctx, msgs...)
	}
	for j, msg := range msgs {
		switch {
		case msg.HasSendError():
			e := msg.SendError()
			if !msg.SendErrorIsTemp() && smtpCode(e) >= 500 {
				e = Permanent(e)
			}
			errs[index[j]] = e
		case err != nil && !sent(msg):
			errs[index[j]] = fmt.Errorf("mail: smtp %s: %w", s.cfg.host, err)
		}
	}
	return errs
}

// sent reports whether go-mail handed msg to the server (it marks what
// it sent with no error; a failed dial leaves every message unmarked).
func sent(msg *gomail.Msg) bool { return msg.IsDelivered() }

// smtpCode is the SMTP reply code of err, 0 when it has none.
func smtpCode(err error) int {
	var se *gomail.SendError
	if errors.As(err, &se) {
		return se.ErrorCode()
	}
	return 0
}

func (s *SMTPSender) build(m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(s.cfg.from); err != nil {
		return nil, fmt.Errorf("mail: from: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("mail: to %q: %w", m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageID()
	msg.SetDate()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// permanentError is a failure that retrying will not cure (an address the
// server refuses, a message that can't be built).
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying: the Worker gives the message
// up at once.
func Permanent(err error) error { return permanentError{err} }

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}
