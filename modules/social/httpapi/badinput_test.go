package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/social/api"
)

const unknownID = "01a218c9-95e8-7859-a437-7b9381224e73"

// Every endpoint refuses malformed, missing, out-of-range, oversized and
// unknown input with a problem naming the field, and changes nothing;
// unknown and foreign ids are 404.
func TestGroupBadInput(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "social")
	ana, bob := signUp(t, a, "ana@example.com"), signUp(t, a, "bob@example.com")
	g := createGroup(t, a, ana, map[string]any{"name": "Dawn Runners"})
	other := createGroup(t, a, bob, map[string]any{"name": "Bob's"})
	third := createGroup(t, a, bob, map[string]any{"name": "Bob's third"})
	var otherInvite api.GroupInvite
	a.Do(http.MethodPost, "/v1/groups/"+other.ID+"/invites", bob.token, nil).JSON(t, &otherInvite)
	base := "/v1/groups/" + g.ID

	type bad struct {
		method, path string
		body         any
		status       int
		field        string
	}
	long := func(n int) string { return strings.Repeat("x", n) }
	cases := []bad{
		// Create.
		{http.MethodPost, "/v1/groups", `{"name": `, 400, "body"},
		{http.MethodPost, "/v1/groups", ``, 400, "body"},
		{http.MethodPost, "/v1/groups", `{}`, 400, "body.name"},
		{http.MethodPost, "/v1/groups", `{"name": "  "}`, 400, "body.name"},
		{http.MethodPost, "/v1/groups", `{"name": 7}`, 400, "body.name"},
		{http.MethodPost, "/v1/groups", `{"name": "` + long(101) + `"}`, 400, "body.name"},
		{http.MethodPost, "/v1/groups", `{"name": "a", "description": "` + long(2001) + `"}`, 400, "body.description"},
		{http.MethodPost, "/v1/groups", `{"name": "a", "sports": ["curling"]}`, 400, "body.sports[0]"},
		{http.MethodPost, "/v1/groups", `{"name": "a", "goals": ["` + long(41) + `"]}`, 400, "body.goals[0]"},
		{http.MethodPost, "/v1/groups", `{"name": "a", "goals": ["a","b","c","d","e","f","g","h","i","j","k"]}`, 400, "body.goals"},
		{http.MethodPost, "/v1/groups", `{"name": "a", "place": {"lat": 91, "lon": 0, "radius_m": 10}}`, 400, "body.place.lat"},
		{http.MethodPost, "/v1/groups", `{"name": "a", "place": {"lat": 0, "lon": 180.5, "radius_m": 10}}`, 400, "body.place.lon"},
		{http.MethodPost, "/v1/groups", `{"name": "a", "place": {"lat": 0, "lon": 0}}`, 400, "body.place.radius_m"},
		{http.MethodPost, "/v1/groups", `{"name": "a", "place": {"lat": 0, "lon": 0, "radius_m": 0}}`, 400, "body.place.radius_m"},
		{http.MethodPost, "/v1/groups", `{"name": "a", "visibility": "secret"}`, 400, "body.visibility"},
		{http.MethodPost, "/v1/groups", `{"name": "a", "member_limit": 1}`, 400, "body.member_limit"},
		{http.MethodPost, "/v1/groups", `{"name": "a", "member_limit": 100001}`, 400, "body.member_limit"},
		{http.MethodPost, "/v1/groups", `{"name": "a", "colour": "red"}`, 400, "body.colour"},
		{http.MethodPost, "/v1/groups", `{"name": "a\u0000b"}`, 400, "body.name"},
		{http.MethodPost, "/v1/groups", `{"name": "a", "description": "` + long(70<<10) + `"}`, 413, ""},
		// Search.
		{http.MethodGet, "/v1/groups?sport=chess", nil, 400, "query.sport"},
		{http.MethodGet, "/v1/groups?q=ab", nil, 400, "query.q"},
		{http.MethodGet, "/v1/groups?q=" + long(101), nil, 400, "query.q"},
		{http.MethodGet, "/v1/groups?near=52.5", nil, 400, "query.near"},
		{http.MethodGet, "/v1/groups?near=95,13", nil, 400, "query.near"},
		{http.MethodGet, "/v1/groups?near=52,13&radius_m=0", nil, 400, "query.radius_m"},
		{http.MethodGet, "/v1/groups?near=52,13&radius_m=500001", nil, 400, "query.radius_m"},
		{http.MethodGet, "/v1/groups?radius_m=10", nil, 400, "query.radius_m"},
		{http.MethodGet, "/v1/groups?mine=perhaps", nil, 400, "query.mine"},
		{http.MethodGet, "/v1/groups?limit=0", nil, 400, "query.limit"},
		{http.MethodGet, "/v1/groups?limit=101", nil, 400, "query.limit"},
		{http.MethodGet, "/v1/groups?cursor=***", nil, 400, "query.cursor"},
		{http.MethodGet, "/v1/groups?near=52,13&cursor=AAAA", nil, 400, "query.cursor"},
		// One group.
		{http.MethodGet, "/v1/groups/nope", nil, 400, "path.id"},
		{http.MethodGet, "/v1/groups/" + unknownID, nil, 404, ""},
		{http.MethodPatch, base, `{"description": "` + long(70<<10) + `"}`, 413, ""},
		{http.MethodPatch, base, `{"name": ""}`, 400, "body.name"},
		{http.MethodPatch, base, `{"name": null}`, 400, "body.name"},
		{http.MethodPatch, base, `{"visibility": "hidden"}`, 400, "body.visibility"},
		{http.MethodPatch, base, `{"member_limit": 0}`, 400, "body.member_limit"},
		{http.MethodPatch, base, `{"place": {"lat": 0, "lon": 0, "radius_m": 600000}}`, 400, "body.place.radius_m"},
		{http.MethodPatch, base, `{"sports": ["run", 1]}`, 400, "body.sports[1]"},
		{http.MethodPatch, base, `{"nickname": "x"}`, 400, "body.nickname"},
		{http.MethodPatch, base, `[`, 400, "body"},
		{http.MethodPatch, "/v1/groups/nope", `{}`, 400, "path.id"},
		{http.MethodPatch, "/v1/groups/" + unknownID, `{}`, 404, ""},
		{http.MethodDelete, "/v1/groups/nope", nil, 400, "path.id"},
		{http.MethodDelete, "/v1/groups/" + unknownID, nil, 404, ""},
		// Membership.
		{http.MethodPost, "/v1/groups/nope/join", nil, 400, "path.id"},
		{http.MethodPost, "/v1/groups/" + unknownID + "/join", nil, 404, ""},
		{http.MethodPost, base + "/join", `{"message": "` + long(501) + `"}`, 400, "body.message"},
		{http.MethodPost, "/v1/groups/" + other.ID + "/join", `{"invite_token": "guess"}`, 400, "body.invite_token"},
		{http.MethodPost, "/v1/groups/" + other.ID + "/join", `{"invite_token": "` + otherInvite.Token + `x"}`, 400, "body.invite_token"},
		{http.MethodPost, "/v1/groups/" + third.ID + "/join", `{"invite_token": "` + otherInvite.Token + `"}`, 400, "body.invite_token"},
		{http.MethodPost, "/v1/groups/nope/leave", nil, 400, "path.id"},
		{http.MethodPost, "/v1/groups/" + unknownID + "/leave", nil, 404, ""},
		{http.MethodPost, base + "/transfer", `{}`, 400, "body.user_id"},
		{http.MethodPost, base + "/transfer", `{"user_id": "nope"}`, 400, "body.user_id"},
		{http.MethodPost, base + "/transfer", `{"user_id": "` + unknownID + `"}`, 400, "body.user_id"},
		{http.MethodPost, base + "/transfer", `{"user_id": "` + bob.id + `"}`, 400, "body.user_id"},
		{http.MethodPost, base + "/transfer", `{"user_id": "` + ana.id + `"}`, 400, "body.user_id"},
		{http.MethodGet, base + "/members?role=coach", nil, 400, "query.role"},
		{http.MethodGet, base + "/members?limit=101", nil, 400, "query.limit"},
		{http.MethodGet, base + "/members?cursor=AAAA", nil, 400, "query.cursor"},
		{http.MethodGet, "/v1/groups/" + unknownID + "/members", nil, 404, ""},
		{http.MethodDelete, base + "/members/nope", nil, 400, "path.user_id"},
		{http.MethodDelete, base + "/members/" + bob.id, nil, 404, ""},
		{http.MethodPut, base + "/members/" + bob.id + "/role", `{"role": "admin"}`, 404, ""},
		{http.MethodPut, base + "/members/" + ana.id + "/role", `{"role": "admin"}`, 409, ""},
		{http.MethodPut, base + "/members/" + bob.id + "/role", `{"role": "owner"}`, 400, "body.role"},
		{http.MethodPut, base + "/members/" + bob.id + "/role", `{}`, 400, "body.role"},
		// Requests, bans, invitations.
		{http.MethodGet, base + "/requests?cursor=***", nil, 400, "query.cursor"},
		{http.MethodPost, base + "/requests/" + bob.id + "/approve", nil, 404, ""},
		{http.MethodPost, base + "/requests/nope/approve", nil, 400, "path.user_id"},
		{http.MethodPost, base + "/requests/" + unknownID + "/reject", nil, 404, ""},
		{http.MethodPut, base + "/bans/nope", nil, 400, "path.user_id"},
		{http.MethodPut, base + "/bans/" + ana.id, nil, 400, "path.user_id"},
		{http.MethodPut, base + "/bans/" + unknownID, nil, 404, ""},
		{http.MethodDelete, base + "/bans/" + bob.id, nil, 404, ""},
		{http.MethodGet, base + "/bans?limit=-1", nil, 400, "query.limit"},
		{http.MethodPost, base + "/invites", `{"expires_in_s": 59}`, 400, "body.expires_in_s"},
		{http.MethodPost, base + "/invites", `{"expires_in_s": 2592001}`, 400, "body.expires_in_s"},
		{http.MethodPost, base + "/invites", `{"max_uses": 0}`, 400, "body.max_uses"},
		{http.MethodPost, base + "/invites", `{"max_uses": "many"}`, 400, "body.max_uses"},
		{http.MethodGet, base + "/invites?cursor=***", nil, 400, "query.cursor"},
		{http.MethodDelete, base + "/invites/nope", nil, 400, "path.invite_id"},
		{http.MethodDelete, base + "/invites/" + unknownID, nil, 404, ""},
		{http.MethodDelete, base + "/invites/" + otherInvite.ID, nil, 404, ""},
	}
	var before api.Group
	a.Do(http.MethodGet, base, ana.token, nil).JSON(t, &before)
	for _, c := range cases {
		r := a.Do(c.method, c.path, ana.token, c.body)
		if !assert.Equal(t, c.status, r.Status, "%s %s %v: %s", c.method, c.path, c.body, r.Body) {
			continue
		}
		if c.field != "" {
			assert.Contains(t, r.Problem(t).Fields(), c.field, "%s %s %v", c.method, c.path, c.body)
		}
	}
	var after api.Group
	a.Do(http.MethodGet, base, ana.token, nil).JSON(t, &after)
	assert.Equal(t, before, after, "bad input changed nothing")
	var mine api.GroupList
	a.Do(http.MethodGet, "/v1/groups?mine=true", ana.token, nil).JSON(t, &mine)
	assert.Len(t, mine.Items, 1, "no group was made, none joined")
	// Another user's group can't be changed through a foreign id either.
	assert.Equal(t, http.StatusForbidden, a.Do(http.MethodDelete, "/v1/groups/"+other.ID, ana.token, nil).Status)
	assert.Equal(t, http.StatusForbidden, a.Do(http.MethodDelete, "/v1/groups/"+other.ID+"/invites/"+otherInvite.ID, ana.token, nil).Status)

	// Without a token, nothing.
	for _, c := range [][2]string{{http.MethodPost, "/v1/groups"}, {http.MethodGet, "/v1/groups"}, {http.MethodGet, base},
		{http.MethodPost, base + "/join"}, {http.MethodGet, base + "/members"}, {http.MethodDelete, base}} {
		assert.Equal(t, http.StatusUnauthorized, a.Do(c[0], c[1], "", nil).Status, c)
	}
	require.Equal(t, http.StatusOK, a.Do(http.MethodGet, base, ana.token, nil).Status)
}
