package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/social/api"
)

// Members report a member of their group: the owner and admins see and
// resolve the reports, nobody else does; reporting again while open
// answers the open report; bad input on every report endpoint changes
// nothing.
func TestReports(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "social")
	ana, bob, cat, dan, eve := signUp(t, a, "ana@example.com"), signUp(t, a, "bob@example.com"), signUp(t, a, "cat@example.com"),
		signUp(t, a, "dan@example.com"), signUp(t, a, "eve@example.com")
	known(t, a, ana, bob, cat, dan, eve)
	g := createGroup(t, a, ana, map[string]any{"name": "Dawn Runners"})
	other := createGroup(t, a, eve, map[string]any{"name": "Eve's"})
	for _, u := range []user{bob, cat, dan} {
		require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/join", u.token, nil).Status)
	}
	require.Equal(t, http.StatusOK, a.Do(http.MethodPut, "/v1/groups/"+g.ID+"/members/"+bob.id+"/role", ana.token, map[string]any{"role": "admin"}).Status)

	report := func(u user, body map[string]any) api.Report {
		t.Helper()
		r := a.Do(http.MethodPost, "/v1/reports", u.token, body)
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
		var rep api.Report
		r.JSON(t, &rep)
		return rep
	}
	r1 := report(cat, map[string]any{"user_id": dan.id, "group_id": g.ID, "reason": "harassment", "text": "  rude in the chat\nagain  "})
	assert.Equal(t, "open", r1.Status)
	assert.Equal(t, "rude in the chat\nagain", r1.Text)
	assert.Equal(t, dan.id, r1.UserID)
	again := report(cat, map[string]any{"user_id": dan.id, "group_id": g.ID, "reason": "spam"})
	assert.Equal(t, r1.ID, again.ID, "an open report answers again")
	assert.Equal(t, "harassment", again.Reason)
	r2 := report(dan, map[string]any{"user_id": cat.id, "group_id": g.ID, "reason": "spam"})
	outside := report(cat, map[string]any{"user_id": eve.id, "reason": "impersonation"})
	assert.Nil(t, outside.GroupID)

	list := func(u user, query string) (int, []string) {
		r := a.Do(http.MethodGet, "/v1/groups/"+g.ID+"/reports"+query, u.token, nil)
		if r.Status != http.StatusOK {
			return r.Status, nil
		}
		var l api.ReportList
		r.JSON(t, &l)
		var ids []string
		for _, it := range l.Items {
			ids = append(ids, it.ID)
		}
		return r.Status, ids
	}
	for _, u := range []user{ana, bob} {
		status, ids := list(u, "")
		assert.Equal(t, http.StatusOK, status)
		assert.Equal(t, []string{r2.ID, r1.ID}, ids, "newest first; the report outside the group is not the group's")
	}
	_, page := list(ana, "?limit=1")
	assert.Equal(t, []string{r2.ID}, page)
	for _, u := range []user{cat, dan, eve} {
		status, _ := list(u, "")
		assert.Equal(t, http.StatusForbidden, status, "members and strangers don't see reports")
		assert.Equal(t, http.StatusForbidden, a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/reports/"+r1.ID+"/resolve", u.token,
			map[string]any{"resolution": "dismissed"}).Status)
	}

	r := a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/reports/"+r1.ID+"/resolve", bob.token, map[string]any{"resolution": "actioned", "note": "warned"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var done api.Report
	r.JSON(t, &done)
	assert.Equal(t, "resolved", done.Status)
	require.NotNil(t, done.Resolution)
	assert.Equal(t, "actioned", *done.Resolution)
	assert.Equal(t, bob.id, *done.ResolvedBy)
	assert.Equal(t, http.StatusConflict, a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/reports/"+r1.ID+"/resolve", ana.token,
		map[string]any{"resolution": "dismissed"}).Status)
	_, open := list(ana, "?status=open")
	assert.Equal(t, []string{r2.ID}, open)
	_, resolved := list(ana, "?status=resolved")
	assert.Equal(t, []string{r1.ID}, resolved)
	// Resolved, Cat may report Dan again: a new report.
	assert.NotEqual(t, r1.ID, report(cat, map[string]any{"user_id": dan.id, "group_id": g.ID, "reason": "spam"}).ID)

	type bad struct {
		method, path string
		token        string
		body         any
		status       int
		field        string
	}
	res := "/v1/groups/" + g.ID + "/reports/" + r2.ID + "/resolve"
	cases := []bad{
		{http.MethodPost, "/v1/reports", cat.token, `{"user_id": `, 400, "body"},
		{http.MethodPost, "/v1/reports", cat.token, `{}`, 400, "body.reason"},
		{http.MethodPost, "/v1/reports", cat.token, `{"reason": "spam"}`, 400, "body.user_id"},
		{http.MethodPost, "/v1/reports", cat.token, map[string]any{"user_id": dan.id}, 400, "body.reason"},
		{http.MethodPost, "/v1/reports", cat.token, map[string]any{"user_id": "nope", "reason": "spam"}, 400, "body.user_id"},
		{http.MethodPost, "/v1/reports", cat.token, map[string]any{"user_id": cat.id, "reason": "spam"}, 400, "body.user_id"},
		{http.MethodPost, "/v1/reports", cat.token, map[string]any{"user_id": dan.id, "reason": "boring"}, 400, "body.reason"},
		{http.MethodPost, "/v1/reports", cat.token, map[string]any{"user_id": dan.id, "reason": "spam", "text": strings.Repeat("x", 1001)}, 400, "body.text"},
		{http.MethodPost, "/v1/reports", cat.token, map[string]any{"user_id": dan.id, "reason": "spam", "text": "a\u0007b"}, 400, "body.text"},
		{http.MethodPost, "/v1/reports", cat.token, map[string]any{"user_id": dan.id, "reason": "spam", "message_id": unknownID}, 400, "body.message_id"},
		{http.MethodPost, "/v1/reports", cat.token, map[string]any{"user_id": dan.id, "reason": "spam", "comment": "x"}, 400, "body.comment"},
		{http.MethodPost, "/v1/reports", cat.token, map[string]any{"user_id": dan.id, "reason": "spam", "text": strings.Repeat("x", 9000)}, 413, ""},
		{http.MethodPost, "/v1/reports", cat.token, map[string]any{"user_id": unknownID, "reason": "spam"}, 404, ""},
		{http.MethodPost, "/v1/reports", cat.token, map[string]any{"user_id": dan.id, "group_id": "x", "reason": "spam"}, 400, "body.group_id"},
		{http.MethodPost, "/v1/reports", cat.token, map[string]any{"user_id": dan.id, "group_id": unknownID, "reason": "spam"}, 404, ""},
		{http.MethodPost, "/v1/reports", cat.token, map[string]any{"user_id": eve.id, "group_id": g.ID, "reason": "spam"}, 404, ""},
		{http.MethodPost, "/v1/reports", cat.token, map[string]any{"user_id": eve.id, "group_id": other.ID, "reason": "spam"}, 404, ""},
		{http.MethodGet, "/v1/groups/nope/reports", ana.token, nil, 400, "path.id"},
		{http.MethodGet, "/v1/groups/" + unknownID + "/reports", ana.token, nil, 404, ""},
		{http.MethodGet, "/v1/groups/" + other.ID + "/reports", ana.token, nil, 403, ""},
		{http.MethodGet, "/v1/groups/" + g.ID + "/reports?status=closed", ana.token, nil, 400, "query.status"},
		{http.MethodGet, "/v1/groups/" + g.ID + "/reports?limit=0", ana.token, nil, 400, "query.limit"},
		{http.MethodGet, "/v1/groups/" + g.ID + "/reports?cursor=***", ana.token, nil, 400, "query.cursor"},
		{http.MethodPost, res, ana.token, `{}`, 400, "body.resolution"},
		{http.MethodPost, res, ana.token, map[string]any{"resolution": "ignored"}, 400, "body.resolution"},
		{http.MethodPost, res, ana.token, map[string]any{"resolution": "dismissed", "note": strings.Repeat("x", 1001)}, 400, "body.note"},
		{http.MethodPost, "/v1/groups/" + g.ID + "/reports/nope/resolve", ana.token, map[string]any{"resolution": "dismissed"}, 400, "path.report_id"},
		{http.MethodPost, "/v1/groups/" + g.ID + "/reports/" + unknownID + "/resolve", ana.token, map[string]any{"resolution": "dismissed"}, 404, ""},
		{http.MethodPost, "/v1/groups/" + g.ID + "/reports/" + outside.ID + "/resolve", ana.token, map[string]any{"resolution": "dismissed"}, 404, ""},
		{http.MethodPost, "/v1/groups/" + other.ID + "/reports/" + r2.ID + "/resolve", eve.token, map[string]any{"resolution": "dismissed"}, 404, ""},
	}
	for _, c := range cases {
		r := a.Do(c.method, c.path, c.token, c.body)
		if !assert.Equal(t, c.status, r.Status, "%s %s %v: %s", c.method, c.path, c.body, r.Body) {
			continue
		}
		if c.field != "" {
			assert.Contains(t, r.Problem(t).Fields(), c.field, "%s %s %v", c.method, c.path, c.body)
		}
	}
	_, open = list(ana, "?status=open")
	assert.Len(t, open, 2, "bad input made and resolved nothing")
	for _, c := range [][2]string{{http.MethodPost, "/v1/reports"}, {http.MethodGet, "/v1/groups/" + g.ID + "/reports"}, {http.MethodPost, res}} {
		assert.Equal(t, http.StatusUnauthorized, a.Do(c[0], c[1], "", nil).Status, c)
	}
}

// A member reports a message of the group's chat: its sender is the user
// reported and its text is kept as it was, even after an edit; the
// group's owner and admins see it. Bad input changes nothing.
func TestMessageReports(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "social")
	ana, bob, cat, eve := signUp(t, a, "ana@example.com"), signUp(t, a, "bob@example.com"), signUp(t, a, "cat@example.com"),
		signUp(t, a, "eve@example.com")
	known(t, a, ana, bob, cat, eve)
	g := createGroup(t, a, ana, map[string]any{"name": "Dawn Runners"})
	other := createGroup(t, a, eve, map[string]any{"name": "Eve's"})
	for _, u := range []user{bob, cat} {
		require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/join", u.token, nil).Status)
	}
	post := func(u user, group, text string) api.ChatMessage {
		r := a.Do(http.MethodPost, "/v1/groups/"+group+"/messages", u.token, map[string]any{"text": text})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
		var m api.ChatMessage
		r.JSON(t, &m)
		return m
	}
	rude := post(bob, g.ID, "you are all slow")
	mine := post(cat, g.ID, "morning!")
	elsewhere := post(eve, other.ID, "hello")

	r := a.Do(http.MethodPost, "/v1/reports", cat.token, map[string]any{"group_id": g.ID, "message_id": rude.ID, "reason": "harassment"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var rep api.Report
	r.JSON(t, &rep)
	assert.Equal(t, bob.id, rep.UserID, "the sender is reported")
	require.NotNil(t, rep.MessageID)
	assert.Equal(t, rude.ID, *rep.MessageID)
	require.Equal(t, http.StatusOK, a.Do(http.MethodPatch, "/v1/groups/"+g.ID+"/messages/"+jsonInt(int(rude.ID)), bob.token,
		map[string]any{"text": "have a nice run"}).Status)
	var list api.ReportList
	a.Do(http.MethodGet, "/v1/groups/"+g.ID+"/reports", ana.token, nil).JSON(t, &list)
	require.Len(t, list.Items, 1)
	require.NotNil(t, list.Items[0].MessageText)
	assert.Equal(t, "you are all slow", *list.Items[0].MessageText, "the text as it was reported")

	type bad struct {
		body   map[string]any
		status int
		field  string
	}
	for _, c := range []bad{
		{map[string]any{"message_id": rude.ID, "reason": "spam"}, 400, "body.group_id"},
		{map[string]any{"group_id": g.ID, "message_id": rude.ID, "user_id": bob.id, "reason": "spam"}, 400, "body.message_id"},
		{map[string]any{"group_id": g.ID, "message_id": 0, "reason": "spam"}, 400, "body.message_id"},
		{map[string]any{"group_id": g.ID, "message_id": -1, "reason": "spam"}, 400, "body.message_id"},
		{map[string]any{"group_id": g.ID, "message_id": "one", "reason": "spam"}, 400, "body.message_id"},
		{map[string]any{"group_id": g.ID, "message_id": mine.ID, "reason": "spam"}, 400, "body.message_id"},
		{map[string]any{"group_id": g.ID, "message_id": 999, "reason": "spam"}, 404, ""},
		{map[string]any{"group_id": g.ID, "message_id": elsewhere.ID + 1000, "reason": "spam"}, 404, ""},
		{map[string]any{"group_id": other.ID, "message_id": elsewhere.ID, "reason": "spam"}, 404, ""},
		{map[string]any{"group_id": unknownID, "message_id": 1, "reason": "spam"}, 404, ""},
		{map[string]any{"group_id": g.ID, "message_id": rude.ID, "reason": "rude"}, 400, "body.reason"},
	} {
		r := a.Do(http.MethodPost, "/v1/reports", cat.token, c.body)
		if !assert.Equal(t, c.status, r.Status, "%v: %s", c.body, r.Body) {
			continue
		}
		if c.field != "" {
			assert.Contains(t, r.Problem(t).Fields(), c.field, "%v", c.body)
		}
	}
	// A deleted message can't be reported (there is nothing left to see).
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/groups/"+g.ID+"/messages/"+jsonInt(int(rude.ID)), bob.token, nil).Status)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPost, "/v1/reports", ana.token,
		map[string]any{"group_id": g.ID, "message_id": rude.ID, "reason": "spam"}).Status)
	a.Do(http.MethodGet, "/v1/groups/"+g.ID+"/reports", ana.token, nil).JSON(t, &list)
	assert.Len(t, list.Items, 1, "bad input made nothing")
}

// The operators (platform admins) see every report, those made outside
// any group too, and resolve any; nobody else may.
func TestOperatorReports(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "social")
	ana, bob, cat, root := signUp(t, a, "ana@example.com"), signUp(t, a, "bob@example.com"), signUp(t, a, "cat@example.com"),
		signUp(t, a, "root@example.com")
	known(t, a, ana, bob, cat)
	root.token = a.Promote("root@example.com")
	g := createGroup(t, a, ana, map[string]any{"name": "Dawn Runners"})
	join(t, a, bob, g.ID)
	report := func(u user, body map[string]any) api.Report {
		t.Helper()
		r := a.Do(http.MethodPost, "/v1/reports", u.token, body)
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
		var rep api.Report
		r.JSON(t, &rep)
		return rep
	}
	inGroup := report(bob, map[string]any{"user_id": ana.id, "group_id": g.ID, "reason": "spam"})
	outside := report(ana, map[string]any{"user_id": cat.id, "reason": "impersonation", "text": "pretends to be me"})

	list := func(u user, query string) (int, api.ReportList) {
		t.Helper()
		r := a.Do(http.MethodGet, "/v1/admin/reports"+query, u.token, nil)
		var l api.ReportList
		if r.Status == http.StatusOK {
			r.JSON(t, &l)
		}
		return r.Status, l
	}
	for _, u := range []user{ana, bob, cat} {
		status, _ := list(u, "")
		assert.Equal(t, http.StatusForbidden, status, "not an operator")
		r := a.Do(http.MethodPost, "/v1/admin/reports/"+outside.ID+"/resolve", u.token, map[string]any{"resolution": "dismissed"})
		assert.Equal(t, http.StatusForbidden, r.Status, string(r.Body))
	}
	assert.Equal(t, http.StatusUnauthorized, a.Do(http.MethodGet, "/v1/admin/reports", "", nil).Status)

	status, l := list(root, "")
	require.Equal(t, http.StatusOK, status)
	require.Len(t, l.Items, 2)
	assert.Equal(t, outside.ID, l.Items[0].ID, "newest first")
	assert.Equal(t, inGroup.ID, l.Items[1].ID)
	_, l = list(root, "?outside_groups=true")
	require.Len(t, l.Items, 1)
	assert.Equal(t, "pretends to be me", l.Items[0].Text)
	_, l = list(root, "?limit=1")
	require.Len(t, l.Items, 1)
	require.NotNil(t, l.NextCursor)
	_, l = list(root, "?limit=1&cursor="+*l.NextCursor)
	require.Len(t, l.Items, 1)
	assert.Equal(t, inGroup.ID, l.Items[0].ID)
	assert.Nil(t, l.NextCursor)

	r := a.Do(http.MethodPost, "/v1/admin/reports/"+outside.ID+"/resolve", root.token, map[string]any{"resolution": "actioned", "note": "warned"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var done api.Report
	r.JSON(t, &done)
	assert.Equal(t, "resolved", done.Status)
	assert.Equal(t, "actioned", *done.Resolution)
	assert.Equal(t, root.id, *done.ResolvedBy)
	assert.Equal(t, http.StatusConflict,
		a.Do(http.MethodPost, "/v1/admin/reports/"+outside.ID+"/resolve", root.token, map[string]any{"resolution": "dismissed"}).Status)
	_, l = list(root, "?status=open")
	require.Len(t, l.Items, 1)
	assert.Equal(t, inGroup.ID, l.Items[0].ID)

	// Bad input changes nothing.
	for _, c := range []struct{ query, field string }{
		{"?status=closed", "query.status"}, {"?limit=0", "query.limit"}, {"?limit=101", "query.limit"},
		{"?cursor=not-a-cursor", "query.cursor"},
	} {
		r := a.Do(http.MethodGet, "/v1/admin/reports"+c.query, root.token, nil)
		require.Equal(t, http.StatusBadRequest, r.Status, c.query)
		assert.Contains(t, r.Problem(t).Fields(), c.field, c.query)
	}
	for _, c := range []struct {
		id     string
		body   any
		status int
	}{
		{uuid.NewString(), map[string]any{"resolution": "dismissed"}, http.StatusNotFound},
		{"nope", map[string]any{"resolution": "dismissed"}, http.StatusBadRequest},
		{inGroup.ID, map[string]any{"resolution": "ignored"}, http.StatusBadRequest},
		{inGroup.ID, map[string]any{"resolution": "dismissed", "note": strings.Repeat("n", 1001)}, http.StatusBadRequest},
		{inGroup.ID, "not an object", http.StatusBadRequest},
	} {
		r := a.Do(http.MethodPost, "/v1/admin/reports/"+c.id+"/resolve", root.token, c.body)
		assert.Equal(t, c.status, r.Status, "%s %v: %s", c.id, c.body, r.Body)
	}
	_, l = list(root, "?status=open")
	assert.Len(t, l.Items, 1, "still open")

	// The group closes: its report stays for the operators.
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/groups/"+g.ID, ana.token, nil).Status)
	_, l = list(root, "?status=open")
	require.Len(t, l.Items, 1, "a closed group's report outlives it")
	assert.Equal(t, inGroup.ID, l.Items[0].ID)
	assert.Equal(t, g.ID, *l.Items[0].GroupID)
}
