package modules_test

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
)

// openAPIOperation is what the fuzz needs of an operation in the API
// document.
type openAPIOperation struct {
	Parameters []struct {
		Name string `json:"name"`
		In   string `json:"in"`
	} `json:"parameters"`
	RequestBody *struct {
		Content map[string]struct {
			Schema json.RawMessage `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
}

// TestEveryOperationSurvivesMalformedInput sends every operation of the
// API document (so operations added later are covered without a change
// here) malformed ids, queries, bodies and headers, signed in and not:
// not one answer is a 5xx, and the server stays up.
func TestEveryOperationSurvivesMalformedInput(t *testing.T) {
	if testing.Short() {
		t.Skip("thousands of requests")
	}
	t.Parallel()
	a := apptest.Start(t, "client", "training", "social", "gamification", "promo")
	r := a.Do(http.MethodPost, "/v1/auth/register", "", map[string]any{"email": "fuzz@example.com", "password": "correct horse battery staple"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	r.JSON(t, &tok)

	r = a.Do(http.MethodGet, "/openapi.json", "", nil)
	require.Equal(t, http.StatusOK, r.Status)
	var doc struct {
		Paths      map[string]map[string]openAPIOperation `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &doc))

	rng := rand.New(rand.NewPCG(1, 2))
	ids := []string{"nope", "0193b7e4-7c1a-7d2e-9a41-3f0c2d5e8b10", "%00", strings.Repeat("9", 3000), "..%2F..%2Fetc", "00000000-0000-0000-0000-000000000000", "'; DROP TABLE x; --"}
	queryValues := []string{"-1", "abc", "1e400", strings.Repeat("x", 5000), "%00", "2026-13-45T99:99:99Z", "[]", "9223372036854775808"}
	bodies := []string{``, `{`, `[]`, `null`, `"x"`, `0`, `{"a":`, strings.Repeat("[", 20000) + strings.Repeat("]", 20000),
		`{"x": 1e400}`, "{\"x\": \"\xff\xfe\"}", `{"x": "a\u0000b"}`, strings.Repeat(`{"a":`, 5000) + `1` + strings.Repeat(`}`, 5000)}
	wrong := []any{nil, 12345, -1.5e300, "string", true, []any{[]any{}}, map[string]any{"a": []any{1}}, strings.Repeat("x", 100000), "\u0000"}

	type result struct {
		what   string
		status int
	}
	var bad []result
	requests := 0
	send := func(method, path, contentType, body, token string) {
		requests++
		req, err := http.NewRequest(method, a.BaseURL+path, strings.NewReader(body))
		require.NoError(t, err)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := a.Client.Do(req)
		if err != nil {
			bad = append(bad, result{fmt.Sprintf("%s %s (%.60q): %v", method, path, body, err), 0})
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			bad = append(bad, result{fmt.Sprintf("%s %s %s (%.80q)", method, path, contentType, body), resp.StatusCode})
		}
	}
	var paths []string
	for p := range doc.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		for method, op := range doc.Paths[p] {
			method = strings.ToUpper(method)
			if method == http.MethodDelete && p == "/v1/me" {
				continue // the account is needed for the rest
			}
			fill := func(id string) string {
				out := p
				for _, prm := range op.Parameters {
					if prm.In == "path" {
						out = strings.ReplaceAll(out, "{"+prm.Name+"}", id)
					}
				}
				return out
			}
			for _, token := range []string{"", tok.AccessToken, "garbage.token.x"} {
				for _, id := range ids {
					send(method, fill(url.PathEscape(id)), "", "", token)
				}
				base := fill(ids[1])
				for _, prm := range op.Parameters {
					if prm.In != "query" {
						continue
					}
					for _, v := range queryValues {
						send(method, base+"?"+url.Values{prm.Name: {v}}.Encode(), "", "", token)
					}
				}
				if op.RequestBody == nil {
					continue
				}
				for ct := range op.RequestBody.Content {
					for _, b := range bodies {
						send(method, base, ct, b, token)
					}
				}
				// Each field of the body's schema, with the wrong kind of value.
				for ct, c := range op.RequestBody.Content {
					if !strings.Contains(ct, "json") {
						continue
					}
					for _, field := range schemaFields(c.Schema, doc.Components.Schemas) {
						for _, v := range wrong {
							data, _ := json.Marshal(map[string]any{field: v})
							send(method, base, ct, string(data), token)
						}
						// A valid-looking value with a few bytes flipped.
						data := []byte(fmt.Sprintf(`{%q: "%s"}`, field, strings.Repeat("a", 8)))
						data[len(data)-3-rng.IntN(4)] = byte(rng.IntN(256))
						send(method, base, ct, string(data), token)
					}
				}
				send(method, base, "text/plain", "hello", token)
				send(method, base, "application/json; charset=utf-16", `{}`, token)
			}
		}
	}
	// Still up.
	require.Equal(t, http.StatusOK, a.Do(http.MethodGet, "/v1/me", tok.AccessToken, nil).Status)
	t.Logf("%d requests over %d paths", requests, len(paths))
	for _, b := range bad {
		t.Errorf("%d for %s", b.status, b.what)
	}
	assert.Empty(t, bad)
}

// schemaFields are the property names of a body schema (followed through
// one $ref).
func schemaFields(schema json.RawMessage, components map[string]json.RawMessage) []string {
	var s struct {
		Ref        string                     `json:"$ref"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if json.Unmarshal(schema, &s) != nil {
		return nil
	}
	if s.Ref != "" {
		name := s.Ref[strings.LastIndex(s.Ref, "/")+1:]
		if json.Unmarshal(components[name], &s) != nil {
			return nil
		}
	}
	var out []string
	for k := range s.Properties {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
