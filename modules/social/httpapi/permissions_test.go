package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/social/api"
)

// roles are the relations a user can have to a group, in the order of
// the expectations below.
var roles = []string{"owner", "admin", "member", "requester", "banned", "stranger"}

// world is a group with a user in each relation (and a second member to
// act on), made afresh for each action so that every one starts alike.
type world struct {
	a       *apptest.App
	users   map[string]user // by role, plus "member2"
	group   string
	invite  string // a token the owner made
	private bool
}

func newWorld(t *testing.T, a *apptest.App, users map[string]user, private bool) *world {
	t.Helper()
	w := &world{a: a, users: users, private: private}
	w.group = createGroup(t, a, users["owner"], map[string]any{"name": "Dawn Runners"}).ID
	for _, r := range []string{"admin", "member", "member2"} {
		require.Equal(t, http.StatusOK, a.Do(http.MethodPost, w.path("/join"), users[r].token, nil).Status)
	}
	require.Equal(t, http.StatusOK, a.Do(http.MethodPut, w.path("/members/"+users["admin"].id+"/role"), users["owner"].token,
		map[string]any{"role": "admin"}).Status)
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodPut, w.path("/bans/"+users["banned"].id), users["owner"].token, nil).Status)
	if private {
		require.Equal(t, http.StatusOK, a.Do(http.MethodPatch, w.path(""), users["owner"].token, map[string]any{"visibility": "private"}).Status)
		r := a.Do(http.MethodPost, w.path("/join"), users["requester"].token, map[string]any{"message": "hi"})
		require.Equal(t, http.StatusOK, r.Status)
		var m api.JoinResult
		r.JSON(t, &m)
		require.Equal(t, "requested", m.Membership)
	}
	r := a.Do(http.MethodPost, w.path("/invites"), users["owner"].token, nil)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var inv api.GroupInvite
	r.JSON(t, &inv)
	w.invite = inv.Token
	return w
}

func (w *world) path(rest string) string { return "/v1/groups/" + w.group + rest }

// close deletes the group, as whoever owns it now (an owner has at most
// 100 groups).
func (w *world) close(t *testing.T) {
	t.Helper()
	var g api.Group
	r := w.a.Do(http.MethodGet, w.path(""), w.users["owner"].token, nil)
	if r.Status == http.StatusNotFound {
		return
	}
	r.JSON(t, &g)
	for _, u := range w.users {
		if u.id == g.OwnerID {
			require.Equal(t, http.StatusNoContent, w.a.Do(http.MethodDelete, w.path(""), u.token, nil).Status)
		}
	}
}

// snapshot is what the owner sees of the group: a refused action must
// leave it as it was.
func (w *world) snapshot(t *testing.T) string {
	t.Helper()
	owner := w.users["owner"].token
	var out string
	for _, p := range []string{"", "/members?limit=100", "/requests", "/bans", "/invites"} {
		r := w.a.Do(http.MethodGet, w.path(p), owner, nil)
		out += fmt.Sprintf("%s %d %s\n", p, r.Status, r.Body)
	}
	return out
}

// Every action, for every relation to a public and to a private group:
// the status each gets, and a refusal changes nothing.
func TestEveryActionForEveryRole(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "social")
	users := map[string]user{}
	for _, r := range append(roles, "member2") {
		users[r] = signUp(t, a, r+"@example.com")
	}
	type action struct {
		name string
		// do takes the action as actor in w and returns the status.
		do func(w *world, actor user) int
		// public and private list the statuses, in the order of roles
		// (0: the relation does not exist in a public group).
		public, private [6]int
	}
	const (
		ok, created, none, forbidden, notFound, conflict = 200, 201, 204, 403, 404, 409
	)
	do := func(method, rest string, body any) func(w *world, actor user) int {
		return func(w *world, actor user) int { return w.a.Do(method, w.path(rest), actor.token, body).Status }
	}
	on := func(method, rest, target string, body any) func(w *world, actor user) int {
		return func(w *world, actor user) int {
			return w.a.Do(method, w.path(fmt.Sprintf(rest, w.users[target].id)), actor.token, body).Status
		}
	}
	actions := []action{
		{"view", do(http.MethodGet, "", nil), [6]int{ok, ok, ok, 0, ok, ok}, [6]int{ok, ok, ok, ok, ok, ok}},
		{"update", do(http.MethodPatch, "", map[string]any{"description": "changed"}),
			[6]int{ok, ok, forbidden, 0, forbidden, forbidden}, [6]int{ok, ok, forbidden, forbidden, forbidden, forbidden}},
		{"delete", do(http.MethodDelete, "", nil),
			[6]int{none, forbidden, forbidden, 0, forbidden, forbidden}, [6]int{none, forbidden, forbidden, forbidden, forbidden, forbidden}},
		{"list members", do(http.MethodGet, "/members", nil),
			[6]int{ok, ok, ok, 0, forbidden, ok}, [6]int{ok, ok, ok, forbidden, forbidden, forbidden}},
		{"join", do(http.MethodPost, "/join", nil), [6]int{ok, ok, ok, 0, forbidden, ok}, [6]int{ok, ok, ok, ok, forbidden, ok}},
		{"join invited", func(w *world, actor user) int {
			return w.a.Do(http.MethodPost, w.path("/join"), actor.token, map[string]any{"invite_token": w.invite}).Status
		}, [6]int{ok, ok, ok, 0, forbidden, ok}, [6]int{ok, ok, ok, ok, forbidden, ok}},
		{"leave", do(http.MethodPost, "/leave", nil),
			[6]int{conflict, none, none, 0, forbidden, notFound}, [6]int{conflict, none, none, none, forbidden, notFound}},
		{"list requests", do(http.MethodGet, "/requests", nil),
			[6]int{ok, ok, forbidden, 0, forbidden, forbidden}, [6]int{ok, ok, forbidden, forbidden, forbidden, forbidden}},
		{"approve", on(http.MethodPost, "/requests/%s/approve", "requester", nil),
			[6]int{0, 0, 0, 0, 0, 0}, [6]int{ok, ok, forbidden, forbidden, forbidden, forbidden}},
		{"reject", on(http.MethodPost, "/requests/%s/reject", "requester", nil),
			[6]int{0, 0, 0, 0, 0, 0}, [6]int{none, none, forbidden, forbidden, forbidden, forbidden}},
		{"remove", on(http.MethodDelete, "/members/%s", "member2", nil),
			[6]int{none, none, forbidden, 0, forbidden, forbidden}, [6]int{none, none, forbidden, forbidden, forbidden, forbidden}},
		{"ban", on(http.MethodPut, "/bans/%s", "member2", nil),
			[6]int{none, none, forbidden, 0, forbidden, forbidden}, [6]int{none, none, forbidden, forbidden, forbidden, forbidden}},
		{"list bans", do(http.MethodGet, "/bans", nil),
			[6]int{ok, ok, forbidden, 0, forbidden, forbidden}, [6]int{ok, ok, forbidden, forbidden, forbidden, forbidden}},
		{"unban", on(http.MethodDelete, "/bans/%s", "banned", nil),
			[6]int{none, none, forbidden, 0, forbidden, forbidden}, [6]int{none, none, forbidden, forbidden, forbidden, forbidden}},
		{"promote", on(http.MethodPut, "/members/%s/role", "member2", map[string]any{"role": "admin"}),
			[6]int{ok, forbidden, forbidden, 0, forbidden, forbidden}, [6]int{ok, forbidden, forbidden, forbidden, forbidden, forbidden}},
		{"demote", on(http.MethodPut, "/members/%s/role", "admin", map[string]any{"role": "member"}),
			[6]int{ok, 0, forbidden, 0, forbidden, forbidden}, [6]int{ok, 0, forbidden, forbidden, forbidden, forbidden}},
		{"transfer", func(w *world, actor user) int {
			return w.a.Do(http.MethodPost, w.path("/transfer"), actor.token, map[string]any{"user_id": w.users["member2"].id}).Status
		}, [6]int{ok, forbidden, forbidden, 0, forbidden, forbidden}, [6]int{ok, forbidden, forbidden, forbidden, forbidden, forbidden}},
		{"invite", do(http.MethodPost, "/invites", nil),
			[6]int{created, created, forbidden, 0, forbidden, forbidden}, [6]int{created, created, forbidden, forbidden, forbidden, forbidden}},
		{"list invites", do(http.MethodGet, "/invites", nil),
			[6]int{ok, ok, forbidden, 0, forbidden, forbidden}, [6]int{ok, ok, forbidden, forbidden, forbidden, forbidden}},
		{"revoke invite", func(w *world, actor user) int {
			var list api.GroupInviteList
			w.a.Do(http.MethodGet, w.path("/invites"), w.users["owner"].token, nil).JSON(t, &list)
			return w.a.Do(http.MethodDelete, w.path("/invites/"+list.Items[0].ID), actor.token, nil).Status
		}, [6]int{none, none, forbidden, 0, forbidden, forbidden}, [6]int{none, none, forbidden, forbidden, forbidden, forbidden}},
	}
	for _, act := range actions {
		for v, want := range [][6]int{act.public, act.private} {
			for i, role := range roles {
				if want[i] == 0 {
					continue
				}
				w := newWorld(t, a, users, v == 1)
				before := w.snapshot(t)
				got := act.do(w, users[role])
				assert.Equal(t, want[i], got, "%s by %s, private %v", act.name, role, v == 1)
				if got >= 400 {
					assert.Equal(t, before, w.snapshot(t), "a refused %s by %s changes nothing", act.name, role)
				}
				w.close(t)
			}
		}
	}
}
