// Package apptest runs Athlos in a test: an fx app of the chosen modules
// (gateway included), with an embedded NATS server and a fresh migrated
// database from pgtest, serving HTTP on a free loopback port. Tests then
// talk to it over real HTTP and NATS, as the app would: the NATS server has
// a WebSocket listener (App.WebSocketURL) whose app users the client
// module's auth callout authorises, configured as an operator would
// configure an external NATS.
package apptest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/athlos/athlos/internal/apicheck"
	"github.com/athlos/athlos/modules"
	clientapi "github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/platform"
	"github.com/athlos/athlos/storage/pgtest"
)

// App is a running Athlos.
type App struct {
	t       testing.TB
	checker *apicheck.Checker
	BaseURL string
	DataDir string
	NATS    *bus.Embedded
	// WebSocketURL is the NATS WebSocket listener for app users.
	WebSocketURL string
	DBURL        string
	Client       *http.Client
}

// Start runs the given modules plus the gateway; it stops when the test ends.
func Start(t testing.TB, mods ...string) *App {
	t.Helper()
	return StartConfig(t, nil, mods...)
}

// StartConfig is Start with configure applied to the process's and the
// modules' configurations (e.g. a short access-token life) before they are
// validated.
func StartConfig(t testing.TB, configure func(*platform.Config, *modules.Configs), mods ...string) *App {
	t.Helper()
	dir, err := os.MkdirTemp("", "athlos-apptest-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	// The secret key exists before NATS starts: the server needs the auth
	// callout's public keys, which derive from it.
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "secret.key"), []byte(hex.EncodeToString(secret)+"\n"), 0o600))
	callout, err := bus.CalloutConfigFromSecret(secret)
	require.NoError(t, err)
	nats := bustest.ServerWith(t, bus.EmbeddedConfig{WebSocketListen: "127.0.0.1:0", Callout: callout})
	wsURL := bustest.WebSocketURL(t, nats)

	dbURL := pgtest.NewDB(t)
	// The front's port is found free and then taken by the app a moment
	// later; another process may take it in between: try another.
	for attempt := 1; ; attempt++ {
		addr := freeAddr(t)
		mcfg := modules.DefaultConfigs()
		mcfg.Gateway.Listen = addr
		cfg := &platform.Config{
			Version:   "test",
			DataDir:   dir,
			Catalogue: modules.Catalogue(),
			Modules:   append(mods, platform.Gateway),
			// Reached like an external NATS: the service user, the system
			// account's user (the test server's has the same password) and
			// the public WebSocket URL given.
			NATS: platform.NATSConfig{
				URLs: []string{nats.Server.ClientURL()}, User: bus.ServiceUser, Password: nats.Password,
				SystemUser: bus.SystemUser, SystemPassword: nats.Password, PublicWebSocketURL: wsURL,
			},
			DB: platform.DBConfig{URL: dbURL},
		}
		if configure != nil {
			configure(cfg, &mcfg)
		}
		require.NoError(t, cfg.Validate())
		require.NoError(t, mcfg.Validate())
		opts, err := modules.Options(cfg.Modules, mcfg)
		require.NoError(t, err)
		log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		app := platform.NewApp(context.Background(), cfg, log, opts)
		require.NoError(t, platform.StartError(app.Err()))
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err = app.Start(ctx)
		cancel()
		if err != nil && attempt < 5 && strings.Contains(err.Error(), "address already in use") {
			stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			_ = app.Stop(stopCtx)
			cancel()
			continue
		}
		require.NoError(t, err)
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_ = app.Stop(ctx)
		})
		a := &App{t: t, BaseURL: "http://" + addr, DataDir: dir, NATS: nats, WebSocketURL: wsURL, DBURL: cfg.DB.URL}
		a.Client = &http.Client{Timeout: 30 * time.Second}
		if _, bench := t.(*testing.B); !bench {
			// Benchmarks measure the server, not the check.
			a.checker = a.contract()
			a.Client.Transport = apicheck.Transport(nil, a.checker, a.contractBroken)
		}
		return a
	}
}

// contract compiles the API document the app serves, against which every
// answer the test sees through Client is checked.
func (a *App) contract() *apicheck.Checker {
	resp, err := http.Get(a.BaseURL + "/openapi.json")
	require.NoError(a.t, err)
	defer resp.Body.Close()
	doc, err := io.ReadAll(resp.Body)
	require.NoError(a.t, err)
	require.Equal(a.t, http.StatusOK, resp.StatusCode, string(doc))
	c, err := apicheck.New(doc)
	require.NoError(a.t, err)
	return c
}

// contractBroken fails the test with an answer that the served API
// document does not describe.
func (a *App) contractBroken(err error) {
	a.t.Errorf("the answer does not match /openapi.json: %v", err)
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer func() { _ = l.Close() }()
	return l.Addr().String()
}

// Response is an HTTP answer, its body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test if it cannot.
func (r Response) JSON(t testing.TB, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.Body, v), string(r.Body))
}

// Problem is the problem+json body of an error answer.
type Problem struct {
	Status    int    `json:"status"`
	Code      string `json:"code"`
	Detail    string `json:"detail"`
	RequestID string `json:"request_id"`
	Errors    []struct {
		Field  string `json:"field"`
		Reason string `json:"reason"`
	} `json:"errors"`
}

// Problem decodes an error answer, checking its content type.
func (r Response) Problem(t testing.TB) Problem {
	t.Helper()
	require.Equal(t, "application/problem+json", r.Header.Get("Content-Type"), string(r.Body))
	var p Problem
	r.JSON(t, &p)
	return p
}

// Fields lists the fields a problem names.
func (p Problem) Fields() []string {
	out := make([]string, len(p.Errors))
	for i, e := range p.Errors {
		out[i] = e.Field
	}
	return out
}

// DB connects to the app's database, as a test inspects or seeds what the
// modules stored; the connection closes when the test ends.
func (a *App) DB(t testing.TB) *pgx.Conn {
	t.Helper()
	db, err := pgx.Connect(context.Background(), a.DBURL)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close(context.Background()) })
	return db
}

// EventCount is how many messages of subject the app's stream holds
// (e.g. EVT_SOCIAL, evt.social.member.joined).
func (a *App) EventCount(t testing.TB, stream, subject string) uint64 {
	t.Helper()
	ctx := context.Background()
	conn, err := bus.Connect(ctx, bus.ConnConfig{Name: "events", Embedded: a.NATS}, bustest.Logger(t))
	require.NoError(t, err)
	defer conn.NC.Close()
	st, err := conn.JS.Stream(ctx, stream)
	require.NoError(t, err)
	info, err := st.Info(ctx, jetstream.WithSubjectFilter(subject))
	require.NoError(t, err)
	return info.State.Subjects[subject]
}

// Do sends a request; body is JSON-encoded unless it is []byte or a string
// (sent as is). token, when set, goes in the Authorization header.
func (a *App) Do(method, path, token string, body any) Response {
	a.t.Helper()
	return a.DoWith(method, path, token, body, nil)
}

// DoWith is Do with more request headers. The body of the answer is
// returned as it came: a header "Accept-Encoding" in header turns off the
// client's own decompression.
func (a *App) DoWith(method, path, token string, body any, header http.Header) Response {
	a.t.Helper()
	var data []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		data = b
	case string:
		data = []byte(b)
	default:
		var err error
		data, err = json.Marshal(b)
		require.NoError(a.t, err)
	}
	contentType := ""
	if body != nil {
		contentType = "application/json"
	}
	return a.sendWith(method, path, token, contentType, data, header)
}

// send sends a request with a body of contentType (none when empty); a
// body over 1 MiB goes with "Expect: 100-continue" (see doExpectContinue).
func (a *App) send(method, path, token, contentType string, data []byte) Response {
	a.t.Helper()
	return a.sendWith(method, path, token, contentType, data, nil)
}

func (a *App) sendWith(method, path, token, contentType string, data []byte, header http.Header) Response {
	a.t.Helper()
	var rd io.Reader
	if contentType != "" {
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, a.BaseURL+path, rd)
	require.NoError(a.t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, vs := range header {
		req.Header[http.CanonicalHeaderKey(k)] = vs
	}
	if len(data) > 1<<20 {
		return a.doExpectContinue(req, data)
	}
	resp, err := a.Client.Do(req)
	require.NoError(a.t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(a.t, err)
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: out}
}

// doExpectContinue sends a large request as a careful client does: the
// head with "Expect: 100-continue" first, the body only if the server asks
// for it. A server that refuses the body (413) answers before it is sent;
// racing a body against that answer would end in a reset connection.
func (a *App) doExpectContinue(req *http.Request, body []byte) Response {
	a.t.Helper()
	conn, err := net.Dial("tcp", req.URL.Host)
	require.NoError(a.t, err)
	defer conn.Close()
	require.NoError(a.t, conn.SetDeadline(time.Now().Add(30*time.Second)))
	req.Header.Set("Expect", "100-continue")
	req.ContentLength = int64(len(body))
	head := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", req.Method, req.URL.RequestURI(), req.URL.Host, len(body))
	for k, vs := range req.Header {
		for _, v := range vs {
			head += k + ": " + v + "\r\n"
		}
	}
	_, err = io.WriteString(conn, head+"\r\n")
	require.NoError(a.t, err)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, req)
	require.NoError(a.t, err)
	if resp.StatusCode == http.StatusContinue {
		// fasthttp says "continue" and then checks the length: a refusal
		// follows at once. Wait for it briefly before sending the body.
		require.NoError(a.t, conn.SetReadDeadline(time.Now().Add(time.Second)))
		if _, err := br.Peek(1); err == nil {
			resp, err = http.ReadResponse(br, req)
			require.NoError(a.t, err)
		} else {
			require.NoError(a.t, conn.SetDeadline(time.Now().Add(30*time.Second)))
			_, err = conn.Write(body)
			require.NoError(a.t, err)
			resp, err = http.ReadResponse(br, req)
			require.NoError(a.t, err)
		}
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(a.t, err)
	if a.checker != nil {
		if err := a.checker.Check(req.Method, req.URL.EscapedPath(), resp.StatusCode, resp.Header, out); err != nil {
			a.contractBroken(err)
		}
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: out}
}

// Upload sends a multipart/form-data POST with one file (under fileField)
// and the given form values, as an app uploading a file does. A body over
// 1 MiB goes with "Expect: 100-continue" (see doExpectContinue).
func (a *App) Upload(path, token string, values map[string]string, fileField, fileName string, content []byte) Response {
	a.t.Helper()
	contentType, body := MultipartBody(a.t, values, fileField, fileName, content)
	return a.send(http.MethodPost, path, token, contentType, body)
}

// MultipartBody encodes form values and one file (under fileField, none
// when empty) as multipart/form-data; it returns the Content-Type and the
// body.
func MultipartBody(t testing.TB, values map[string]string, fileField, fileName string, content []byte) (string, []byte) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range values {
		require.NoError(t, w.WriteField(k, v))
	}
	if fileField != "" {
		part, err := w.CreateFormFile(fileField, fileName)
		require.NoError(t, err)
		_, err = part.Write(content)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return w.FormDataContentType(), buf.Bytes()
}

// Password is the password SignUp gives every account: strong enough for
// the policy.
const Password = "correct horse battery staple"

// SignUp registers email with Password and returns the tokens; the test
// fails if it can't.
func (a *App) SignUp(email string) clientapi.TokenResponse {
	a.t.Helper()
	r := a.Do(http.MethodPost, "/v1/auth/register", "", map[string]any{"email": email, "password": Password})
	require.Equal(a.t, http.StatusCreated, r.Status, "register %s: %s", email, r.Body)
	var tok clientapi.TokenResponse
	r.JSON(a.t, &tok)
	return tok
}

// Promote makes the registered user with this email a platform admin and
// signs them in again (the role travels in the access token): it answers
// the new access token.
func (a *App) Promote(email string) string {
	a.t.Helper()
	_, err := a.DB(a.t).Exec(context.Background(), `UPDATE client.users SET role = 'admin' WHERE email = $1`, email)
	require.NoError(a.t, err)
	r := a.Do(http.MethodPost, "/v1/auth/login", "", map[string]any{"email": email, "password": Password})
	require.Equal(a.t, http.StatusOK, r.Status, "sign %s in again: %s", email, r.Body)
	var tok clientapi.TokenResponse
	r.JSON(a.t, &tok)
	return tok.AccessToken
}
