package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/training/api"
)

// A session takes only its user's own gear: another user's id (or one that
// does not exist, or was deleted) is refused on start and on change, and
// nothing changes; gear made a moment ago is taken at once.
func TestSessionsTakeOnlyTheirUsersGear(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana, bob := a.SignUp("ana@example.com").AccessToken, a.SignUp("bob@example.com").AccessToken
	gear := func(tok string) string {
		r := a.Do(http.MethodPost, "/v1/me/gear", tok, map[string]any{"type": "shoes"})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
		var g struct {
			ID string `json:"id"`
		}
		r.JSON(t, &g)
		return g.ID
	}
	anas, bobs := gear(ana), gear(bob)

	// Ana's own, made a moment ago: taken (training asks the client
	// module when its read model has not heard of it yet).
	r := a.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "run", "gear_ids": []string{anas}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var s api.Session
	r.JSON(t, &s)

	for name, ids := range map[string][]string{
		"another user's": {bobs},
		"unknown":        {"0193b7e4-7c1a-7d2e-9a41-3f0c2d5e8b10"},
		"second is bad":  {anas, bobs},
	} {
		r := a.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "run", "gear_ids": ids})
		require.Equal(t, http.StatusBadRequest, r.Status, name)
		field := "body.gear_ids[0]"
		if len(ids) == 2 {
			field = "body.gear_ids[1]"
		}
		assert.Equal(t, []string{field}, r.Problem(t).Fields(), name)
		r = a.Do(http.MethodPatch, "/v1/sessions/"+s.ID, ana, map[string]any{"gear_ids": ids})
		require.Equal(t, http.StatusBadRequest, r.Status, name)
		assert.Equal(t, []string{field}, r.Problem(t).Fields(), name)
	}
	r = a.Do(http.MethodGet, "/v1/sessions/"+s.ID, ana, nil)
	r.JSON(t, &s)
	assert.Equal(t, []string{anas}, s.GearIDs, "unchanged")

	// Ana deletes her shoes: a session that had them keeps them (a change
	// of its title goes through), a new one may not take them.
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/me/gear/"+anas, ana, nil).Status)
	require.Eventually(t, func() bool {
		r := a.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "run", "gear_ids": []string{anas}})
		return r.Status == http.StatusBadRequest
	}, 10*time.Second, 50*time.Millisecond, "deleted gear is refused once training heard of it")
	r = a.Do(http.MethodPatch, "/v1/sessions/"+s.ID, ana, map[string]any{"title": "Easy", "gear_ids": []string{anas}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
}

// A deleted account's token may be valid for minutes more; training makes
// nothing for it (here the request reaches the module directly, as one
// through a front that did not hear of the deletion would).
func TestNothingIsMadeForADeletedAccount(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana := a.SignUp("ana@example.com").AccessToken
	anaID := userIDOf(t, a, ana)
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/me", ana, map[string]any{"password": apptest.Password}).Status)
	svc := bustest.Conn(t, a.NATS)
	ctx := bus.WithCaller(context.Background(), bus.Caller{UserID: anaID, Role: "user"})
	start, err := json.Marshal(api.SessionStart{Sport: "run"})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		_, err := bus.Request(ctx, svc.NC, api.SubjectSessionStart, start, nil)
		return bus.CodeOf(err) == bus.CodeUnauthorized
	}, 10*time.Second, 50*time.Millisecond, "a session start is refused")
	device, err := json.Marshal(api.DeviceCreate{Kind: "watch"})
	require.NoError(t, err)
	_, err = bus.Request(ctx, svc.NC, api.SubjectDevicesCreate, device, nil)
	assert.Equal(t, bus.CodeUnauthorized, bus.CodeOf(err), "a device too")
}
