package workout

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
	trainingapi "github.com/athlos/athlos/modules/training/api"
)

// httpAPI calls the public HTTP API of one Athlos, as the app does.
type httpAPI struct {
	base   string // e.g. http://127.0.0.1:8080, no trailing slash
	client *http.Client
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

// statusOf returns the status of a StatusError, or 0.
func statusOf(err error) int {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status
	}
	return 0
}

// do sends in (JSON, when not nil) and decodes the answer into out (when
// not nil) if its status is one of want.
func (c *httpAPI) do(ctx context.Context, method, path, token string, in, out any, want ...int) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("%s %s: encode the request: %w", method, path, err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.client.Do(req)
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

func (c *httpAPI) register(ctx context.Context, email, password string) (clientapi.TokenResponse, error) {
	var tok clientapi.TokenResponse
	err := c.do(ctx, http.MethodPost, "/v1/auth/register", "",
		clientapi.RegisterRequest{Email: email, Password: password, FirstName: "Load", LastName: "Generator"},
		&tok, http.StatusCreated, http.StatusOK)
	return tok, err
}

func (c *httpAPI) login(ctx context.Context, email, password string) (clientapi.TokenResponse, error) {
	var tok clientapi.TokenResponse
	err := c.do(ctx, http.MethodPost, "/v1/auth/login", "",
		clientapi.LoginRequest{Email: email, Password: password}, &tok, http.StatusOK)
	return tok, err
}

func (c *httpAPI) refresh(ctx context.Context, refreshToken string) (clientapi.TokenResponse, error) {
	var tok clientapi.TokenResponse
	err := c.do(ctx, http.MethodPost, "/v1/auth/refresh", "",
		clientapi.RefreshRequest{RefreshToken: refreshToken}, &tok, http.StatusOK)
	return tok, err
}

func (c *httpAPI) startSession(ctx context.Context, token string) (trainingapi.Session, error) {
	var s trainingapi.Session
	err := c.do(ctx, http.MethodPost, "/v1/sessions", token,
		trainingapi.SessionStart{Sport: "run", Visibility: "public", Title: "loadgen run"},
		&s, http.StatusCreated, http.StatusOK)
	return s, err
}

func (c *httpAPI) session(ctx context.Context, token, id string) (trainingapi.Session, error) {
	var s trainingapi.Session
	err := c.do(ctx, http.MethodGet, "/v1/sessions/"+id, token, nil, &s, http.StatusOK)
	return s, err
}

func (c *httpAPI) finishSession(ctx context.Context, token, id string) (trainingapi.Session, error) {
	var s trainingapi.Session
	err := c.do(ctx, http.MethodPost, "/v1/sessions/"+id+"/finish", token, nil, &s, http.StatusOK)
	return s, err
}

func (c *httpAPI) realtime(ctx context.Context, token string) (clientapi.RealtimeInfo, error) {
	var info clientapi.RealtimeInfo
	err := c.do(ctx, http.MethodGet, "/v1/realtime", token, nil, &info, http.StatusOK)
	return info, err
}
