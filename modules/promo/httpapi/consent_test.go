package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	clientapi "github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/promo/api"
	"github.com/athlos/athlos/modules/promo/internal/facts"
	"github.com/athlos/athlos/storage"
)

// consent reads the caller's choice through the front.
func consent(t *testing.T, a *apptest.App, token string) api.Consent {
	t.Helper()
	r := a.Do(http.MethodGet, "/v1/me/marketing", token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var c api.Consent
	r.JSON(t, &c)
	return c
}

// A user may object to personalised offers at any time and allow them
// again; the objection is in the facts at once (the next Load). Bad input
// gets a problem naming the field and changes nothing; no token is 401;
// a deleted account's choice is gone and cannot be made again.
func TestMarketingConsent(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "promo")
	ctx := context.Background()
	db, err := storage.Open(ctx, a.DBURL, 0)
	require.NoError(t, err)
	t.Cleanup(db.Close)
	ana := a.SignUp("ana@example.com").AccessToken
	var me clientapi.Profile
	a.Do(http.MethodGet, "/v1/me", ana, nil).JSON(t, &me)
	user := uuid.MustParse(me.UserID)
	objected := func() bool {
		f, err := facts.Load(ctx, db, user, time.Now())
		require.NoError(t, err)
		return f.Objected
	}

	c := consent(t, a, ana)
	assert.True(t, c.PersonalisedOffers, "allowed until the user objects")
	assert.Nil(t, c.UpdatedAt)
	assert.False(t, objected())

	before := time.Now().Add(-time.Second)
	r := a.Do(http.MethodPut, "/v1/me/marketing", ana, map[string]any{"personalised_offers": false})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var put api.Consent
	r.JSON(t, &put)
	assert.False(t, put.PersonalisedOffers)
	require.NotNil(t, put.UpdatedAt)
	assert.True(t, put.UpdatedAt.After(before))
	assert.Equal(t, put.PersonalisedOffers, consent(t, a, ana).PersonalisedOffers)
	assert.True(t, put.UpdatedAt.Equal(*consent(t, a, ana).UpdatedAt))
	assert.True(t, objected(), "in effect at once")

	// Bad input changes nothing.
	for _, c := range []struct {
		name   string
		body   string
		status int
		field  string
	}{
		{"malformed", `{"personalised_offers": `, http.StatusBadRequest, "body"},
		{"empty", ``, http.StatusBadRequest, "body"},
		{"missing field", `{}`, http.StatusBadRequest, "body.personalised_offers"},
		{"wrong type", `{"personalised_offers": "yes"}`, http.StatusBadRequest, "body.personalised_offers"},
		{"null", `{"personalised_offers": null}`, http.StatusBadRequest, "body.personalised_offers"},
		{"unknown field", `{"personalised_offers": true, "newsletter": true}`, http.StatusBadRequest, "body.newsletter"},
		{"oversized", `{"personalised_offers": true, "pad": "` + strings.Repeat("x", 2<<10) + `"}`, http.StatusRequestEntityTooLarge, ""},
	} {
		r := a.Do(http.MethodPut, "/v1/me/marketing", ana, []byte(c.body))
		assert.Equal(t, c.status, r.Status, "%s: %s", c.name, r.Body)
		p := r.Problem(t)
		if c.field != "" {
			assert.Contains(t, p.Fields(), c.field, c.name)
		}
	}
	assert.False(t, consent(t, a, ana).PersonalisedOffers, "bad input changed nothing")
	assert.True(t, objected())

	for _, method := range []string{http.MethodGet, http.MethodPut} {
		r := a.Do(method, "/v1/me/marketing", "", map[string]any{"personalised_offers": true})
		assert.Equal(t, http.StatusUnauthorized, r.Status, method)
		r.Problem(t)
	}

	// Allowed again.
	r = a.Do(http.MethodPut, "/v1/me/marketing", ana, map[string]any{"personalised_offers": true})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	assert.True(t, consent(t, a, ana).PersonalisedOffers)
	assert.False(t, objected())

	// Another user's choice is their own.
	bob := a.SignUp("bob@example.com").AccessToken
	require.Equal(t, http.StatusOK, a.Do(http.MethodPut, "/v1/me/marketing", bob, map[string]any{"personalised_offers": false}).Status)
	assert.True(t, consent(t, a, ana).PersonalisedOffers)
	assert.False(t, consent(t, a, bob).PersonalisedOffers)

	// A deleted account: promo erases the choice.
	r = a.Do(http.MethodPut, "/v1/me/marketing", ana, map[string]any{"personalised_offers": false})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r = a.Do(http.MethodDelete, "/v1/me", ana, map[string]any{"password": apptest.Password})
	require.Contains(t, []int{http.StatusOK, http.StatusNoContent}, r.Status, string(r.Body))
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, db.QueryRow(ctx, `SELECT count(*) FROM promo.erased_users WHERE user_id = $1`, user).Scan(&n))
		return n == 1
	}, 20*time.Second, 20*time.Millisecond, "erased")
	assert.False(t, objected(), "the choice went with the account")
	var rows int
	require.NoError(t, db.QueryRow(ctx, `SELECT count(*) FROM promo.consents WHERE user_id = $1`, user).Scan(&rows))
	assert.Zero(t, rows)
	r = a.Do(http.MethodPut, "/v1/me/marketing", ana, map[string]any{"personalised_offers": false})
	assert.Contains(t, []int{http.StatusUnauthorized, http.StatusNotFound}, r.Status, string(r.Body))
	require.NoError(t, db.QueryRow(ctx, `SELECT count(*) FROM promo.consents WHERE user_id = $1`, user).Scan(&rows))
	assert.Zero(t, rows, "nothing recorded for a deleted account")
}
