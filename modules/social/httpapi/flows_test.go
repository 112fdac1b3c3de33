package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/athlos/athlos/internal/apptest"
	clientapi "github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/social/api"
)

func memberList(t *testing.T, a *apptest.App, token, groupID string) []api.GroupMember {
	t.Helper()
	var out []api.GroupMember
	cursor := ""
	for {
		path := "/v1/groups/" + groupID + "/members?limit=100"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		r := a.Do(http.MethodGet, path, token, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var page api.GroupMemberList
		r.JSON(t, &page)
		out = append(out, page.Items...)
		if page.NextCursor == nil {
			return out
		}
		cursor = *page.NextCursor
	}
}

// A private group: requests wait for an admin, who approves or rejects
// them; invitation links let in at once, as often and as long as they
// say; the member limit holds; turning the group public admits those
// waiting. Every membership change is an event.
func TestPrivateGroupRequestsInvitesAndLimit(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "social")
	ana, bob, cat, dan, eve := signUp(t, a, "ana@example.com"), signUp(t, a, "bob@example.com"), signUp(t, a, "cat@example.com"),
		signUp(t, a, "dan@example.com"), signUp(t, a, "eve@example.com")
	g := createGroup(t, a, ana, map[string]any{"name": "Track Club", "visibility": "private", "member_limit": 3})

	var m api.JoinResult
	a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/join", bob.token, map[string]any{"message": "I run 5k in 20 min"}).JSON(t, &m)
	assert.Equal(t, "requested", m.Membership)
	assert.Nil(t, m.Role)
	a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/join", bob.token, nil).JSON(t, &m)
	assert.Equal(t, "requested", m.Membership, "asking again keeps the request")
	a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/join", cat.token, nil).JSON(t, &m)
	var seen api.Group
	a.Do(http.MethodGet, "/v1/groups/"+g.ID, bob.token, nil).JSON(t, &seen)
	assert.Equal(t, "requested", seen.Membership)

	var reqs api.JoinRequestList
	a.Do(http.MethodGet, "/v1/groups/"+g.ID+"/requests", ana.token, nil).JSON(t, &reqs)
	require.Len(t, reqs.Items, 2)
	assert.Equal(t, bob.id, reqs.Items[0].UserID, "oldest first")
	assert.Equal(t, "I run 5k in 20 min", reqs.Items[0].Message)

	r := a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/requests/"+bob.id+"/approve", ana.token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var bm api.GroupMember
	r.JSON(t, &bm)
	assert.Equal(t, "member", bm.Role)
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/requests/"+cat.id+"/reject", ana.token, nil).Status)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/requests/"+cat.id+"/approve", ana.token, nil).Status,
		"a rejected request is gone")

	// An invitation for one use: Dan joins the private group at once; the
	// link is used up for Eve.
	r = a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/invites", ana.token, map[string]any{"max_uses": 1, "expires_in_s": 3600})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var inv api.GroupInvite
	r.JSON(t, &inv)
	assert.NotEmpty(t, inv.Token)
	assert.WithinDuration(t, time.Now().Add(time.Hour), inv.ExpiresAt, time.Minute)
	a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/join", dan.token, map[string]any{"invite_token": inv.Token}).JSON(t, &m)
	assert.Equal(t, "member", m.Membership)
	r = a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/join", eve.token, map[string]any{"invite_token": inv.Token})
	assert.Equal(t, http.StatusBadRequest, r.Status)
	var invites api.GroupInviteList
	a.Do(http.MethodGet, "/v1/groups/"+g.ID+"/invites", ana.token, nil).JSON(t, &invites)
	require.Len(t, invites.Items, 1)
	assert.Equal(t, 1, invites.Items[0].Uses)
	assert.Empty(t, invites.Items[0].Token, "the token is shown once")

	// Full: three members.
	r = a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/invites", ana.token, nil)
	r.JSON(t, &inv)
	r = a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/join", eve.token, map[string]any{"invite_token": inv.Token})
	assert.Equal(t, http.StatusConflict, r.Status, string(r.Body))
	r = a.Do(http.MethodPatch, "/v1/groups/"+g.ID, ana.token, map[string]any{"member_limit": 2})
	assert.Equal(t, http.StatusBadRequest, r.Status)
	assert.Equal(t, []string{"body.member_limit"}, r.Problem(t).Fields())

	// A revoked link lets nobody in.
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/groups/"+g.ID+"/invites/"+inv.ID, ana.token, nil).Status)
	require.Equal(t, http.StatusOK, a.Do(http.MethodPatch, "/v1/groups/"+g.ID, ana.token, map[string]any{"member_limit": 10}).Status)
	assert.Equal(t, http.StatusBadRequest, a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/join", eve.token, map[string]any{"invite_token": inv.Token}).Status)

	// Turning the group public admits those waiting.
	a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/join", cat.token, nil).JSON(t, &m)
	require.Equal(t, "requested", m.Membership)
	r = a.Do(http.MethodPatch, "/v1/groups/"+g.ID, ana.token, map[string]any{"visibility": "public"})
	require.Equal(t, http.StatusOK, r.Status)
	r.JSON(t, &seen)
	assert.Equal(t, 4, seen.MemberCount)
	var ids []string
	for _, m := range memberList(t, a, eve.token, g.ID) {
		ids = append(ids, m.UserID)
	}
	assert.Equal(t, []string{ana.id, bob.id, dan.id, cat.id}, ids)

	// Removal, ban, unban, promotion, transfer.
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/groups/"+g.ID+"/members/"+cat.id, ana.token, nil).Status)
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodPut, "/v1/groups/"+g.ID+"/bans/"+dan.id, ana.token, nil).Status)
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodPut, "/v1/groups/"+g.ID+"/bans/"+dan.id, ana.token, nil).Status, "again: no change")
	assert.Equal(t, http.StatusForbidden, a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/join", dan.token, nil).Status)
	var bans api.GroupBanList
	a.Do(http.MethodGet, "/v1/groups/"+g.ID+"/bans", ana.token, nil).JSON(t, &bans)
	require.Len(t, bans.Items, 1)
	assert.Equal(t, ana.id, bans.Items[0].BannedBy)
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/groups/"+g.ID+"/bans/"+dan.id, ana.token, nil).Status)
	require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/join", dan.token, nil).Status)
	r = a.Do(http.MethodPut, "/v1/groups/"+g.ID+"/members/"+bob.id+"/role", ana.token, map[string]any{"role": "admin"})
	require.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, http.StatusForbidden, a.Do(http.MethodDelete, "/v1/groups/"+g.ID+"/members/"+ana.id, bob.token, nil).Status,
		"an admin can't remove the owner")
	assert.Equal(t, http.StatusForbidden, a.Do(http.MethodPut, "/v1/groups/"+g.ID+"/bans/"+ana.id, bob.token, nil).Status)
	r = a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/transfer", ana.token, map[string]any{"user_id": dan.id})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &seen)
	assert.Equal(t, dan.id, seen.OwnerID)
	require.NotNil(t, seen.Role)
	assert.Equal(t, "admin", *seen.Role, "the old owner is an admin")
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/leave", ana.token, nil).Status, "and may leave")

	roles := map[string]string{}
	for _, m := range memberList(t, a, bob.token, g.ID) {
		roles[m.UserID] = m.Role
	}
	assert.Equal(t, map[string]string{bob.id: "admin", dan.id: "owner"}, roles)

	// The events: joins of ana, bob, dan, cat, dan again; leaves of cat
	// (removed), dan (banned), ana; role changes of bob, dan, ana.
	require.Eventually(t, func() bool {
		return a.EventCount(t, "EVT_SOCIAL", api.EventMemberJoined) == 5 && a.EventCount(t, "EVT_SOCIAL", api.EventMemberLeft) == 3 &&
			a.EventCount(t, "EVT_SOCIAL", api.EventMemberRoleChanged) == 3
	}, 10*time.Second, 20*time.Millisecond)
	assert.Equal(t, uint64(1), a.EventCount(t, "EVT_SOCIAL", api.EventGroupCreated))
}

// Names come from the client module's events; a deleted account's groups
// pass to the oldest admin, else the oldest member, else close; applying
// the same event again, or an older one, changes nothing.
func TestNamesAndDeletedAccounts(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "social")
	ana, bob, cat, dan := signUp(t, a, "ana@example.com"), signUp(t, a, "bob@example.com"), signUp(t, a, "cat@example.com"),
		signUp(t, a, "dan@example.com")
	require.Equal(t, http.StatusOK, a.Do(http.MethodPatch, "/v1/me", bob.token, map[string]any{"first_name": "Bob", "last_name": "Stone"}).Status)

	withAdmin := createGroup(t, a, ana, map[string]any{"name": "With admin"})
	withMember := createGroup(t, a, ana, map[string]any{"name": "With member"})
	alone := createGroup(t, a, ana, map[string]any{"name": "Alone"})
	for _, u := range []user{cat, bob, dan} {
		require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/groups/"+withAdmin.ID+"/join", u.token, nil).Status)
	}
	require.Equal(t, http.StatusOK, a.Do(http.MethodPut, "/v1/groups/"+withAdmin.ID+"/members/"+dan.id+"/role", ana.token,
		map[string]any{"role": "admin"}).Status)
	require.Equal(t, http.StatusOK, a.Do(http.MethodPut, "/v1/groups/"+withAdmin.ID+"/members/"+bob.id+"/role", ana.token,
		map[string]any{"role": "admin"}).Status)
	for _, u := range []user{cat, bob} {
		require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/groups/"+withMember.ID+"/join", u.token, nil).Status)
	}

	require.Eventually(t, func() bool {
		for _, m := range memberList(t, a, cat.token, withAdmin.ID) {
			if m.UserID == bob.id {
				return m.DisplayName == "Bob Stone"
			}
		}
		return false
	}, 10*time.Second, 20*time.Millisecond, "the name comes with evt.client.profile.updated")

	// An older profile event, published again, changes nothing.
	ctx := context.Background()
	conn, err := bus.Connect(ctx, bus.ConnConfig{Name: "redeliver", Embedded: a.NATS}, bustest.Logger(t))
	require.NoError(t, err)
	defer conn.NC.Close()
	db, err := pgx.Connect(ctx, a.DBURL)
	require.NoError(t, err)
	defer db.Close(ctx)
	processed := func(consumer string) int {
		var n int
		require.NoError(t, db.QueryRow(ctx, `SELECT count(*) FROM social.processed_messages WHERE consumer = $1`, consumer).Scan(&n))
		return n
	}
	publish := func(subject, id string, v any) {
		data, err := json.Marshal(v)
		require.NoError(t, err)
		_, err = conn.JS.PublishMsg(ctx, &nats.Msg{Subject: subject, Data: data, Header: nats.Header{"Nats-Msg-Id": []string{id}}})
		require.NoError(t, err)
	}
	before := processed("social__evt_client_profile_updated")
	publish(clientapi.EventProfileUpdated, "old-profile", clientapi.ProfileUpdated{
		UserProfile: clientapi.UserProfile{UserID: bob.id, DisplayName: "Bobby"}, UpdatedAt: time.Now().Add(-time.Hour)})
	require.Eventually(t, func() bool { return processed("social__evt_client_profile_updated") > before }, 10*time.Second, 20*time.Millisecond)
	for _, m := range memberList(t, a, cat.token, withAdmin.ID) {
		if m.UserID == bob.id {
			assert.Equal(t, "Bob Stone", m.DisplayName, "an older name does not come back")
		}
	}

	// Ana deletes her account.
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/me", ana.token, map[string]any{"password": apptest.Password}).Status)
	owner := func(id string) (string, int) {
		r := a.Do(http.MethodGet, "/v1/groups/"+id, cat.token, nil)
		if r.Status == http.StatusNotFound {
			return "", 404
		}
		var g api.Group
		r.JSON(t, &g)
		return g.OwnerID, g.MemberCount
	}
	require.Eventually(t, func() bool { o, _ := owner(withAdmin.ID); return o != ana.id }, 10*time.Second, 20*time.Millisecond)
	o, n := owner(withAdmin.ID)
	assert.Equal(t, bob.id, o, "the admin who joined first (Bob joined before Dan, who was promoted first)")
	assert.Equal(t, 3, n)
	o, n = owner(withMember.ID)
	assert.Equal(t, cat.id, o, "no admin: the member who joined first")
	assert.Equal(t, 2, n)
	_, status := owner(alone.ID)
	assert.Equal(t, 404, status, "nobody left: closed")

	// The same deletion again (another message id, as a redelivery that
	// missed the stream's duplicate window) changes nothing.
	events := a.EventCount(t, "EVT_SOCIAL", api.EventMemberLeft)
	before = processed("social__evt_client_user_deleted")
	publish(clientapi.EventUserDeleted, "deleted-again", clientapi.UserDeleted{UserID: ana.id, DeletedAt: time.Now()})
	require.Eventually(t, func() bool { return processed("social__evt_client_user_deleted") > before }, 10*time.Second, 20*time.Millisecond)
	o, n = owner(withAdmin.ID)
	assert.Equal(t, bob.id, o)
	assert.Equal(t, 3, n)
	assert.Equal(t, events, a.EventCount(t, "EVT_SOCIAL", api.EventMemberLeft))
	assert.Equal(t, uint64(1), a.EventCount(t, "EVT_SOCIAL", api.EventGroupDeleted))
	// A profile event after the deletion brings no name back.
	publish(clientapi.EventProfileUpdated, "late-profile", clientapi.ProfileUpdated{
		UserProfile: clientapi.UserProfile{UserID: ana.id, DisplayName: "Ana"}, UpdatedAt: time.Now()})
	require.Eventually(t, func() bool { return processed("social__evt_client_profile_updated") > before+1 }, 10*time.Second, 20*time.Millisecond)
	var name string
	require.NoError(t, db.QueryRow(ctx, `SELECT display_name FROM social.users WHERE user_id = $1`, ana.id).Scan(&name))
	assert.Empty(t, name)
}

// An Idempotency-Key makes a retried create harmless.
func TestCreateGroupIdempotencyKey(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "social")
	ana := signUp(t, a, "ana@example.com")
	h := http.Header{"Idempotency-Key": {"group-1"}}
	r1 := a.DoWith(http.MethodPost, "/v1/groups", ana.token, map[string]any{"name": "Once"}, h)
	require.Equal(t, http.StatusCreated, r1.Status, string(r1.Body))
	r2 := a.DoWith(http.MethodPost, "/v1/groups", ana.token, map[string]any{"name": "Once"}, h)
	require.Equal(t, http.StatusCreated, r2.Status, string(r2.Body))
	var g1, g2 api.Group
	r1.JSON(t, &g1)
	r2.JSON(t, &g2)
	assert.Equal(t, g1.ID, g2.ID)
	assert.Equal(t, http.StatusUnprocessableEntity, a.DoWith(http.MethodPost, "/v1/groups", ana.token, map[string]any{"name": "Other"}, h).Status)
	var mine api.GroupList
	a.Do(http.MethodGet, "/v1/groups?mine=true", ana.token, nil).JSON(t, &mine)
	assert.Len(t, mine.Items, 1)
}

// One user owns at most 100 groups: a flood of creations stops there.
func TestOwnedGroupsLimit(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "social")
	ana := signUp(t, a, "ana@example.com")
	for i := range 100 {
		createGroup(t, a, ana, map[string]any{"name": "Club " + strconv.Itoa(i)})
	}
	r := a.Do(http.MethodPost, "/v1/groups", ana.token, map[string]any{"name": "One too many"})
	assert.Equal(t, http.StatusConflict, r.Status, string(r.Body))
	var mine api.GroupList
	a.Do(http.MethodGet, "/v1/groups?mine=true&limit=100", ana.token, nil).JSON(t, &mine)
	assert.Len(t, mine.Items, 100)
}
