// Package app is the load generators' view of Athlos: its public HTTP API
// called as the mobile app calls it (JSON in and out, a bearer token,
// problem+json errors), with the account calls every generator needs.
package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	clientapi "github.com/athlos/athlos/modules/client/api"
)

// Client calls the public HTTP API of one Athlos.
type Client struct {
	// Base is the front's URL, e.g. http://127.0.0.1:8080 (no trailing
	// slash: New trims it).
	Base string
	HTTP *http.Client
}

// New is a Client of the front at base.
func New(base string, hc *http.Client) *Client {
	return &Client{Base: strings.TrimRight(base, "/"), HTTP: hc}
}

// StatusError is an HTTP answer with an unexpected status.
type StatusError struct {
	Method, Path string
	Status       int
	// Detail is the problem's detail (RFC 9457), or the start of the body.
	Detail string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s %s: status %d: %s", e.Method, e.Path, e.Status, e.Detail)
}

// StatusOf returns the status of a StatusError, or 0.
func StatusOf(err error) int {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status
	}
	return 0
}

// Do sends in (JSON, when not nil) and decodes the answer into out (when
// not nil) if its status is one of want; another status is a
// *StatusError.
func (c *Client) Do(ctx context.Context, method, path, token string, in, out any, want ...int) error {
	return c.DoWith(ctx, method, path, token, nil, in, out, want...)
}

// DoWith is Do with more request headers (an Idempotency-Key, say).
func (c *Client) DoWith(ctx context.Context, method, path, token string, header http.Header, in, out any, want ...int) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("%s %s: encode the request: %w", method, path, err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("%s %s: read the answer: %w", method, path, err)
	}
	for _, w := range want {
		if resp.StatusCode != w {
			continue
		}
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: decode the answer: %w", method, path, err)
		}
		return nil
	}
	return &StatusError{Method: method, Path: path, Status: resp.StatusCode, Detail: problemDetail(data)}
}

// problemDetail extracts what an error answer says.
func problemDetail(body []byte) string {
	var p struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
	}
	if json.Unmarshal(body, &p) == nil && (p.Detail != "" || p.Title != "") {
		if p.Detail == "" {
			return p.Title
		}
		return p.Detail
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// Register makes an account.
func (c *Client) Register(ctx context.Context, email, password string) (clientapi.TokenResponse, error) {
	var tok clientapi.TokenResponse
	err := c.Do(ctx, http.MethodPost, "/v1/auth/register", "",
		clientapi.RegisterRequest{Email: email, Password: password, FirstName: "Load", LastName: "Generator"},
		&tok, http.StatusCreated, http.StatusOK)
	return tok, err
}

// Login signs in to an account.
func (c *Client) Login(ctx context.Context, email, password string) (clientapi.TokenResponse, error) {
	var tok clientapi.TokenResponse
	err := c.Do(ctx, http.MethodPost, "/v1/auth/login", "",
		clientapi.LoginRequest{Email: email, Password: password}, &tok, http.StatusOK)
	return tok, err
}

// SignUp registers an account, or signs in when it exists (a run id used
// again).
func (c *Client) SignUp(ctx context.Context, email, password string) (clientapi.TokenResponse, error) {
	tok, err := c.Register(ctx, email, password)
	if StatusOf(err) == http.StatusConflict {
		tok, err = c.Login(ctx, email, password)
	}
	return tok, err
}

// Refresh trades a refresh token for new tokens.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (clientapi.TokenResponse, error) {
	var tok clientapi.TokenResponse
	err := c.Do(ctx, http.MethodPost, "/v1/auth/refresh", "",
		clientapi.RefreshRequest{RefreshToken: refreshToken}, &tok, http.StatusOK)
	return tok, err
}

// NATSServers is what an app gives its NATS client as its servers, from GET
// /v1/realtime: every node's WebSocket URL, the called node's first, so that
// it reconnects to another node when that one is lost; override (a
// generator's --ws-url), when set, instead.
func NATSServers(info clientapi.RealtimeInfo, override string) string {
	switch {
	case override != "":
		return override
	case len(info.WebSocketURLs) > 0:
		return strings.Join(info.WebSocketURLs, ",")
	default:
		return info.WebSocketURL
	}
}
