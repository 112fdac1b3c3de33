package httpapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/training/api"
)

// A NUL character in any string is refused with 400 naming the field (it
// answered 500: PostgreSQL takes no NUL in text), and so is a control
// character in a title; nothing is stored.
func TestNULAndControlCharactersAreRefused(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana := a.SignUp("ana@example.com").AccessToken
	r := a.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "run"})
	require.Equal(t, http.StatusCreated, r.Status)
	var s api.Session
	r.JSON(t, &s)

	for _, c := range []struct {
		method, path, token, body, field string
	}{
		{http.MethodPost, "/v1/auth/login", "", `{"email":"ana\u0000@example.com","password":"correct horse battery staple"}`, "body.email"},
		{http.MethodPost, "/v1/auth/register", "", `{"email":"bob@example.com","password":"correct horse battery staple","first_name":"B\u0000b"}`, "body.first_name"},
		{http.MethodPost, "/v1/sessions", ana, `{"sport":"run","title":"Morning\u0000run"}`, "body.title"},
		{http.MethodPost, "/v1/sessions", ana, `{"sport":"run","title":"Morning\nrun"}`, "body.title"},
		{http.MethodPatch, "/v1/sessions/" + s.ID, ana, `{"notes":"felt\u0000good"}`, "body.notes"},
		{http.MethodPatch, "/v1/sessions/" + s.ID, ana, `{"title":"bell\u0007"}`, "body.title"},
		{http.MethodPatch, "/v1/me", ana, `{"first_name":"A\u0000na"}`, "body.first_name"},
	} {
		r := a.Do(c.method, c.path, c.token, c.body)
		require.Equal(t, http.StatusBadRequest, r.Status, "%s %s %s: %s", c.method, c.path, c.body, r.Body)
		assert.Equal(t, []string{c.field}, r.Problem(t).Fields(), c.body)
	}
	start := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	file := gpxOf(t, 10, func(i int) time.Time { return start.Add(time.Duration(i) * time.Second) })
	r = a.Upload("/v1/sessions/import", ana, map[string]string{"title": "a\x00b"}, "file", "x.gpx", file)
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
	assert.Equal(t, []string{"body.title"}, r.Problem(t).Fields())
	var n int
	ctx := context.Background()
	db := a.DB(t)
	require.NoError(t, db.QueryRow(ctx, "SELECT count(*) FROM training.sessions").Scan(&n))
	assert.Equal(t, 1, n, "only the session made first")
}
