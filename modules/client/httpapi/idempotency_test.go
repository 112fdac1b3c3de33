package httpapi_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/client/api"
)

// TestIdempotentGearCreation: POST /v1/me/gear with an Idempotency-Key,
// sent again after a lost answer, answers the first result and adds
// nothing; the key is the caller's own; misuse and malformed keys are
// refused and change nothing.
func TestIdempotentGearCreation(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client")
	ana, bob := a.SignUp("ana@example.com").AccessToken, a.SignUp("bob@example.com").AccessToken
	post := func(token string, body any, keys ...string) apptest.Response {
		h := http.Header{}
		for _, k := range keys {
			h.Add("Idempotency-Key", k)
		}
		return a.DoWith(http.MethodPost, gearPath, token, body, h)
	}
	count := func(token string) int {
		r := a.Do(http.MethodGet, gearPath+"?limit=100", token, nil)
		require.Equal(t, http.StatusOK, r.Status)
		var page api.GearPage
		r.JSON(t, &page)
		return len(page.Items)
	}
	shoes := map[string]any{"type": "shoes", "brand": "Brooks", "model": "Ghost 16"}

	first := post(ana, shoes, `"8e03978e-40d5-43e8-bc93-6894a57f9324"`)
	require.Equal(t, http.StatusCreated, first.Status, string(first.Body))
	for _, key := range []string{`"8e03978e-40d5-43e8-bc93-6894a57f9324"`, `8e03978e-40d5-43e8-bc93-6894a57f9324`} {
		r := post(ana, shoes, key)
		assert.Equal(t, http.StatusCreated, r.Status, "the same status")
		assert.Equal(t, first.Body, r.Body, "the same body")
		assert.Equal(t, first.Header.Get("Location"), r.Header.Get("Location"))
	}
	// The same body, written otherwise, is the same request.
	r := post(ana, `{"model": "Ghost 16", "type": "shoes",   "brand": "Brooks"}`, "8e03978e-40d5-43e8-bc93-6894a57f9324")
	assert.Equal(t, first.Body, r.Body)
	assert.Equal(t, 1, count(ana))

	// The key with another body: 422, nothing made.
	r = post(ana, map[string]any{"type": "bike"}, "8e03978e-40d5-43e8-bc93-6894a57f9324")
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Body))
	p := r.Problem(t)
	assert.Equal(t, "idempotency_key_reused", p.Code)
	assert.Equal(t, []string{"header.Idempotency-Key"}, p.Fields())
	assert.Equal(t, 1, count(ana))

	// Bob's key of the same name is his own.
	r = post(bob, shoes, "8e03978e-40d5-43e8-bc93-6894a57f9324")
	require.Equal(t, http.StatusCreated, r.Status)
	assert.NotEqual(t, first.Body, r.Body)
	assert.Equal(t, 1, count(bob))
	assert.Equal(t, 1, count(ana))

	// Without a key every POST creates.
	post(ana, shoes)
	post(ana, shoes)
	assert.Equal(t, 3, count(ana))

	// Malformed keys: 400 naming the header, nothing made.
	for _, keys := range [][]string{
		{""}, {`""`}, {strings.Repeat("k", 256)}, {`"` + strings.Repeat("k", 256) + `"`},
		{"caf\xc3\xa9"}, {"two words"}, {`"unterminated`}, {`"bad \e"`}, {`"a";b=1`}, {"a,b"},
		{"k1", "k2"},
	} {
		r := post(ana, shoes, keys...)
		require.Equal(t, http.StatusBadRequest, r.Status, "%q: %s", keys, r.Body)
		p := r.Problem(t)
		assert.Equal(t, "invalid", p.Code)
		assert.Equal(t, []string{"header.Idempotency-Key"}, p.Fields(), "%q", keys)
	}
	assert.Equal(t, 3, count(ana))

	// A request that fails records nothing: the key stays free.
	r = post(ana, map[string]any{"type": "spaceship"}, "k-after-failure")
	require.Equal(t, http.StatusBadRequest, r.Status)
	r = post(ana, `{"type": "shoes", "brand": "`+strings.Repeat("x", 70<<10)+`"}`, "k-after-failure")
	require.Equal(t, http.StatusRequestEntityTooLarge, r.Status)
	r = post(ana, shoes, "k-after-failure")
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	assert.Equal(t, 4, count(ana))
	// Without a token the key means nothing: 401.
	assert.Equal(t, http.StatusUnauthorized, post("", shoes, "k-after-failure").Status)

	// Many at once with one key: one item; each answer is it, or 409
	// (the first was still running).
	statuses := make([]int, 12)
	bodies := make([][]byte, 12)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Go(func() {
			r := post(ana, shoes, "k-concurrent")
			statuses[i], bodies[i] = r.Status, r.Body
		})
	}
	wg.Wait()
	var created []byte
	for i, st := range statuses {
		switch st {
		case http.StatusCreated:
			if created == nil {
				created = bodies[i]
			}
			assert.Equal(t, created, bodies[i], "every 201 is the one item")
		case http.StatusConflict:
			assert.Contains(t, string(bodies[i]), "still being processed")
		default:
			t.Errorf("status %d: %s", st, bodies[i])
		}
	}
	require.NotNil(t, created)
	assert.Equal(t, 5, count(ana))
	assert.Equal(t, created, post(ana, shoes, "k-concurrent").Body)
}
