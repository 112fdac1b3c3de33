package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
)

// TestConditionalGetMe: GET /v1/me carries an ETag; sent back in
// If-None-Match it gets 304 with no body until the profile changes; a tag
// of another user never matches.
func TestConditionalGetMe(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client")
	ana, bob := a.SignUp("ana@example.com"), a.SignUp("bob@example.com")
	get := func(token string, ifNoneMatch ...string) apptest.Response {
		h := http.Header{}
		for _, v := range ifNoneMatch {
			h.Add("If-None-Match", v)
		}
		return a.DoWith(http.MethodGet, "/v1/me", token, nil, h)
	}

	first := get(ana.AccessToken)
	require.Equal(t, http.StatusOK, first.Status)
	tag := first.Header.Get("ETag")
	assert.Regexp(t, `^W/"[A-Za-z0-9_-]{22}"$`, tag)
	assert.Equal(t, "private, no-cache", first.Header.Get("Cache-Control"))

	r := get(ana.AccessToken, tag)
	assert.Equal(t, http.StatusNotModified, r.Status)
	assert.Empty(t, r.Body)
	assert.Equal(t, tag, r.Header.Get("ETag"))
	assert.Equal(t, "private, no-cache", r.Header.Get("Cache-Control"))
	assert.True(t, varies(r.Header, "Accept-Encoding"), "Vary as the 200 had it: %q", r.Header.Values("Vary"))
	assert.Empty(t, r.Header.Get("Content-Type"))
	assert.NotEmpty(t, r.Header.Get("X-Request-ID"))
	// A list of tags, the strong form of the same tag, and "*".
	for _, v := range []string{`"other", ` + tag, tag[2:], "*"} {
		assert.Equal(t, http.StatusNotModified, get(ana.AccessToken, v).Status, v)
	}
	// Tags that do not match, and malformed ones (ignored): the answer.
	for _, v := range []string{`W/"nope"`, "nonsense", `"unterminated`, tag + " junk"} {
		r := get(ana.AccessToken, v)
		assert.Equal(t, http.StatusOK, r.Status, v)
		assert.Equal(t, first.Body, r.Body, v)
	}

	// Bob's tag is not Ana's, and Ana's never answers 304 for Bob.
	bobs := get(bob.AccessToken)
	require.Equal(t, http.StatusOK, bobs.Status)
	assert.NotEqual(t, tag, bobs.Header.Get("ETag"))
	r = get(bob.AccessToken, tag)
	assert.Equal(t, http.StatusOK, r.Status)
	assert.Contains(t, string(r.Body), "bob@example.com")
	// Without a token: 401, whatever the tag.
	r = get("", tag)
	assert.Equal(t, http.StatusUnauthorized, r.Status)
	assert.Empty(t, r.Header.Get("ETag"))

	// A change makes a new tag: the old one gets the new answer.
	require.Equal(t, http.StatusOK, a.Do(http.MethodPatch, "/v1/me", ana.AccessToken, `{"first_name": "Ana"}`).Status)
	r = get(ana.AccessToken, tag)
	require.Equal(t, http.StatusOK, r.Status)
	assert.Contains(t, string(r.Body), `"first_name":"Ana"`)
	assert.NotEqual(t, tag, r.Header.Get("ETag"))
	assert.Equal(t, http.StatusNotModified, get(ana.AccessToken, r.Header.Get("ETag")).Status)

	// An anonymous GET is tagged too, for every caller alike.
	keys := a.Do(http.MethodGet, "/.well-known/jwks.json", "", nil)
	require.Equal(t, http.StatusOK, keys.Status)
	assert.Equal(t, "no-cache", keys.Header.Get("Cache-Control"))
	r = a.DoWith(http.MethodGet, "/.well-known/jwks.json", "", nil, http.Header{"If-None-Match": {keys.Header.Get("ETag")}})
	assert.Equal(t, http.StatusNotModified, r.Status)
}
