// Package mailtest runs a real SMTP server (github.com/emersion/go-smtp)
// in a test process and collects the messages it receives, parsed into
// their subject, plain text and HTML. Point the client module at it with
// Server.Config (or --smtp-url Server.URL() --smtp-tls none).
package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/require"

	clientmail "github.com/athlos/athlos/modules/client/internal/mail"
)

// User and Password are the credentials the server asks for.
const (
	User     = "athlos"
	Password = "mail-secret"
)

// Received is one message the server took.
type Received struct {
	// From and To are the envelope's sender and recipients.
	From string
	To   []string
	// Header is the message's header; Subject decoded.
	Header  mail.Header
	Subject string
	// Text and HTML are the decoded bodies of its text/plain and
	// text/html parts.
	Text, HTML string
	// Raw is the message as sent.
	Raw []byte
}

// Server is a running SMTP server.
type Server struct {
	t    testing.TB
	srv  *smtp.Server
	addr string
	mode string // clientmail.TLSNone, TLSStartTLS or TLSImplicit
	ca   *x509.CertPool

	mu       sync.Mutex
	cond     *sync.Cond
	received []Received
	failNext int // temporary refusals still to give
	refuse   map[string]bool
}

// Start starts a server on 127.0.0.1 that asks for User and Password
// (PLAIN, over the unencrypted connection) and stops it when the test
// ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartTLS(t, clientmail.TLSNone)
}

// StartTLS is Start with TLS: clientmail.TLSStartTLS offers STARTTLS,
// clientmail.TLSImplicit speaks TLS from the first byte, with a
// certificate for 127.0.0.1 from a CA made for the test (Config trusts
// it); clientmail.TLSNone is Start.
func StartTLS(t testing.TB, mode string) *Server {
	t.Helper()
	s := &Server{t: t, refuse: map[string]bool{}, mode: mode}
	s.cond = sync.NewCond(&s.mu)
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = mode == clientmail.TLSNone // with TLS, no password before it
	s.srv.MaxMessageBytes = 1 << 20
	s.srv.MaxRecipients = 10
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	if mode != clientmail.TLSNone {
		var cert tls.Certificate
		cert, s.ca = certificate(t)
		s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		if mode == clientmail.TLSImplicit {
			l = tls.NewListener(l, s.srv.TLSConfig)
		}
	}
	s.addr = l.Addr().String()
	go func() { _ = s.srv.Serve(l) }()
	t.Cleanup(func() { _ = s.srv.Close() })
	return s
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// URL is the server's smtp:// (smtps:// with implicit TLS) URL with its
// credentials.
func (s *Server) URL() string {
	scheme := "smtp"
	if s.mode == clientmail.TLSImplicit {
		scheme = "smtps"
	}
	return fmt.Sprintf("%s://%s:%s@%s", scheme, User, Password, s.addr)
}

// Config is the mail configuration that sends to the server (trusting its
// test CA).
func (s *Server) Config() clientmail.Config {
	mode := s.mode
	if mode == clientmail.TLSImplicit {
		mode = "" // implied by smtps://
	}
	return clientmail.Config{URL: s.URL(), TLS: mode, From: "Athlos <no-reply@athlos.test>", Timeout: 10 * time.Second, RootCAs: s.ca}
}

// certificate makes a CA and a certificate it signs for 127.0.0.1.
func certificate(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mailtest CA"}, NotBefore: now.Add(-time.Hour),
		NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"}, NotBefore: now.Add(-time.Hour),
		NotAfter: now.Add(24 * time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// FailNext makes the server refuse the next n messages with a temporary
// error (451), as a busy server does.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = n
}

// Refuse makes the server refuse mail to addr for good (550).
func (s *Server) Refuse(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse[strings.ToLower(addr)] = true
}

// Messages returns what the server took so far.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// To returns the messages to addr so far.
func (s *Server) To(addr string) []Received {
	var out []Received
	for _, m := range s.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// Wait waits until the server took at least n messages in all, or fails
// the test after timeout; it returns them.
func (s *Server) Wait(n int, timeout time.Duration) []Received {
	s.t.Helper()
	return s.WaitFor(timeout, func(ms []Received) bool { return len(ms) >= n })
}

// WaitTo waits until at least n messages to addr arrived and returns
// them.
func (s *Server) WaitTo(addr string, n int, timeout time.Duration) []Received {
	s.t.Helper()
	s.WaitFor(timeout, func([]Received) bool { return len(s.To(addr)) >= n })
	return s.To(addr)
}

// WaitFor waits until done holds for the messages received, or fails the
// test after timeout.
func (s *Server) WaitFor(timeout time.Duration, done func([]Received) bool) []Received {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	timer := time.AfterFunc(timeout, func() {
		s.mu.Lock()
		s.cond.Broadcast()
		s.mu.Unlock()
	})
	defer timer.Stop()
	s.mu.Lock()
	for {
		ms := append([]Received(nil), s.received...)
		s.mu.Unlock()
		if done(ms) {
			return ms
		}
		s.mu.Lock()
		if time.Now().After(deadline) {
			n := len(s.received)
			s.mu.Unlock()
			s.t.Fatalf("mailtest: condition not met within %s (%d messages received)", timeout, n)
			return nil
		}
		s.cond.Wait()
	}
}

var linkRE = regexp.MustCompile(`https?://[^\s<>"]+`)

// Links returns the URLs in the message's plain text.
func (m Received) Links() []string { return linkRE.FindAllString(m.Text, -1) }

// session is one SMTP connection.
type session struct {
	s      *Server
	authed bool
	from   string
	to     []string
}

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != User || pass != Password {
			return smtp.ErrAuthFailed
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	refused := ss.s.refuse[strings.ToLower(to)]
	ss.s.mu.Unlock()
	if refused {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s := ss.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failNext > 0 {
		s.failNext--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	m, err := parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "unreadable message: " + err.Error()}
	}
	m.From, m.To = ss.from, append([]string(nil), ss.to...)
	s.received = append(s.received, m)
	s.cond.Broadcast()
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

// parse reads a message's subject and its text and HTML bodies.
func parse(raw []byte) (Received, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Received{}, err
	}
	out := Received{Header: msg.Header, Raw: raw}
	dec := new(mime.WordDecoder)
	if out.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return out, fmt.Errorf("subject: %w", err)
	}
	err = parsePart(&out, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	return out, err
}

func parsePart(out *Received, contentType, encoding string, body io.Reader) error {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := parsePart(out, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	switch mt {
	case "text/plain":
		out.Text = strings.ReplaceAll(string(data), "\r\n", "\n")
	case "text/html":
		out.HTML = strings.ReplaceAll(string(data), "\r\n", "\n")
	}
	return nil
}
