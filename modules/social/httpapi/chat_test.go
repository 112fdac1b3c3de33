package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	clientapi "github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/social/api"
)

// chatEnv is a running Athlos with the client and social modules, and a
// connection to its database to make groups (the groups API is another
// branch's; these tests need only groups, members and bans).
type chatEnv struct {
	*apptest.App
	t  *testing.T
	db *pgxpool.Pool
}

func startChat(t *testing.T) *chatEnv {
	t.Helper()
	a := apptest.Start(t, "client", "social")
	db, err := pgxpool.New(context.Background(), a.DBURL)
	require.NoError(t, err)
	t.Cleanup(db.Close)
	return &chatEnv{App: a, t: t, db: db}
}

// group makes a group owned by owner with the members given (role
// "member") and returns its id.
func (e *chatEnv) group(owner clientapi.TokenResponse, members ...clientapi.TokenResponse) string {
	e.t.Helper()
	id := uuid.Must(uuid.NewV7()).String()
	_, err := e.db.Exec(context.Background(), `INSERT INTO social.groups (id, owner_id, name, visibility, member_limit, member_count)
VALUES ($1, $2, 'Morning runners', 'public', 5000, $3)`, id, owner.UserID, 1+len(members))
	require.NoError(e.t, err)
	e.join(id, owner, "owner")
	for _, m := range members {
		e.join(id, m, "member")
	}
	return id
}

func (e *chatEnv) join(group string, u clientapi.TokenResponse, role string) {
	e.t.Helper()
	_, err := e.db.Exec(context.Background(), `INSERT INTO social.members (group_id, user_id, role) VALUES ($1, $2, $3)`, group, u.UserID, role)
	require.NoError(e.t, err)
}

// remove takes u out of group; ban also bans it.
func (e *chatEnv) remove(group string, u clientapi.TokenResponse, ban bool) {
	e.t.Helper()
	_, err := e.db.Exec(context.Background(), `DELETE FROM social.members WHERE group_id = $1 AND user_id = $2`, group, u.UserID)
	require.NoError(e.t, err)
	if ban {
		_, err = e.db.Exec(context.Background(), `INSERT INTO social.bans (group_id, user_id, banned_by) VALUES ($1, $2, $2)`, group, u.UserID)
		require.NoError(e.t, err)
	}
}

func (e *chatEnv) post(group string, u clientapi.TokenResponse, body any) (api.ChatMessage, apptest.Response) {
	e.t.Helper()
	r := e.Do(http.MethodPost, "/v1/groups/"+group+"/messages", u.AccessToken, body)
	var m api.ChatMessage
	if r.Status == http.StatusCreated {
		r.JSON(e.t, &m)
	}
	return m, r
}

func (e *chatEnv) say(group string, u clientapi.TokenResponse, text string) api.ChatMessage {
	e.t.Helper()
	m, r := e.post(group, u, map[string]any{"text": text})
	require.Equal(e.t, http.StatusCreated, r.Status, string(r.Body))
	return m
}

func (e *chatEnv) page(group string, u clientapi.TokenResponse, query string) api.ChatPage {
	e.t.Helper()
	r := e.Do(http.MethodGet, "/v1/groups/"+group+"/messages"+query, u.AccessToken, nil)
	require.Equal(e.t, http.StatusOK, r.Status, string(r.Body))
	var p api.ChatPage
	r.JSON(e.t, &p)
	return p
}

func ids(p api.ChatPage) []int64 {
	out := []int64{}
	for _, m := range p.Items {
		out = append(out, m.ID)
	}
	return out
}

func span(from, to int64) []int64 {
	out := []int64{}
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

func ptr(v int64) *int64 { return &v }

// Messages are stored in order with ids 1, 2, 3, …; history pages both
// ways by id anchors, at its boundaries too.
func TestChatOrderAndPaging(t *testing.T) {
	t.Parallel()
	e := startChat(t)
	users := []clientapi.TokenResponse{e.SignUp("ana@example.com"), e.SignUp("bob@example.com"), e.SignUp("cy@example.com")}
	g := e.group(users[0], users[1:]...)

	// An empty group.
	p := e.page(g, users[0], "")
	assert.Empty(t, p.Items)
	assert.Nil(t, p.NextCursor)
	assert.Nil(t, p.PrevCursor)

	for i := 1; i <= 25; i++ {
		m := e.say(g, users[i%3], fmt.Sprintf("message %d", i))
		assert.Equal(t, int64(i), m.ID)
		assert.Equal(t, users[i%3].UserID, m.SenderID)
		assert.Equal(t, g, m.GroupID)
	}

	p = e.page(g, users[1], "?limit=10")
	assert.Equal(t, span(16, 25), ids(p))
	assert.Equal(t, "message 16", p.Items[0].Text)
	assert.Nil(t, p.NextCursor, "the newest page")
	assert.Equal(t, ptr(16), p.PrevCursor)

	p = e.page(g, users[1], "?limit=10&before=16")
	assert.Equal(t, span(6, 15), ids(p))
	assert.Equal(t, ptr(6), p.PrevCursor)
	assert.Equal(t, ptr(15), p.NextCursor)

	p = e.page(g, users[1], "?limit=10&before=6")
	assert.Equal(t, span(1, 5), ids(p), "the first page is short")
	assert.Nil(t, p.PrevCursor, "nothing before the first message")
	assert.Equal(t, ptr(5), p.NextCursor)

	p = e.page(g, users[1], "?limit=10&after=5")
	assert.Equal(t, span(6, 15), ids(p))
	p = e.page(g, users[1], "?limit=10&after=15")
	assert.Equal(t, span(16, 25), ids(p))
	assert.Nil(t, p.NextCursor, "the newest message is on this page")
	assert.Equal(t, ptr(16), p.PrevCursor)

	p = e.page(g, users[1], "?limit=10&after=25")
	assert.Empty(t, p.Items)
	assert.Nil(t, p.NextCursor)
	assert.Equal(t, ptr(26), p.PrevCursor, "before=26 is the newest page again")
	p = e.page(g, users[1], "?limit=10&after=1000")
	assert.Empty(t, p.Items)
	p = e.page(g, users[1], "?before=1")
	assert.Empty(t, p.Items)
	assert.Nil(t, p.PrevCursor)

	p = e.page(g, users[1], "?limit=5&around=10")
	assert.Equal(t, span(8, 12), ids(p), "two older, the anchor and two newer")
	p = e.page(g, users[1], "?limit=6&around=1")
	assert.Equal(t, span(1, 3), ids(p), "around the first message")
	assert.Nil(t, p.PrevCursor)
	assert.Equal(t, ptr(3), p.NextCursor)
	p = e.page(g, users[1], "?limit=6&around=25")
	assert.Equal(t, span(22, 25), ids(p), "around the newest")
	assert.Nil(t, p.NextCursor)

	// Walking the whole history back, then forward, sees each message
	// once, in order.
	var back []int64
	q := "?limit=7"
	for {
		p := e.page(g, users[2], q)
		back = append(ids(p), back...)
		if p.PrevCursor == nil {
			break
		}
		q = fmt.Sprintf("?limit=7&before=%d", *p.PrevCursor)
	}
	assert.Equal(t, span(1, 25), back)
	var forward []int64
	q = "?limit=7&after=0"
	q = "?limit=7&around=1"
	for {
		p := e.page(g, users[2], q)
		forward = append(forward, ids(p)...)
		if p.NextCursor == nil {
			break
		}
		q = fmt.Sprintf("?limit=7&after=%d", *p.NextCursor)
	}
	assert.Equal(t, span(1, 25), forward)

	// A single message.
	r := e.Do(http.MethodGet, "/v1/groups/"+g+"/messages/7", users[0].AccessToken, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var m api.ChatMessage
	r.JSON(t, &m)
	assert.Equal(t, "message 7", m.Text)
}

// Messages posted at once by many members get distinct ids 1..n with no
// gap, and history holds each once.
func TestChatConcurrentPosts(t *testing.T) {
	t.Parallel()
	e := startChat(t)
	owner := e.SignUp("owner@example.com")
	var members []clientapi.TokenResponse
	for i := range 20 {
		members = append(members, e.SignUp(fmt.Sprintf("m%d@example.com", i)))
	}
	g := e.group(owner, members...)
	var wg sync.WaitGroup
	for _, u := range members {
		wg.Go(func() {
			for j := range 5 {
				_, r := e.post(g, u, map[string]any{"text": fmt.Sprintf("%s %d", u.UserID, j)})
				assert.Equal(t, http.StatusCreated, r.Status, string(r.Body))
			}
		})
	}
	wg.Wait()
	var all []int64
	q := "?limit=100&around=1"
	for {
		p := e.page(g, owner, q)
		all = append(all, ids(p)...)
		if p.NextCursor == nil {
			break
		}
		q = fmt.Sprintf("?limit=100&after=%d", *p.NextCursor)
	}
	assert.Equal(t, span(1, 100), all)
}

// A retry with the same transaction id answers the first message; at
// once or later, never a second one.
func TestChatTransactionIDs(t *testing.T) {
	t.Parallel()
	e := startChat(t)
	ana, bob := e.SignUp("ana@example.com"), e.SignUp("bob@example.com")
	g := e.group(ana, bob)

	first, r := e.post(g, ana, map[string]any{"text": "hello", "txn_id": "t-1"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	assert.Equal(t, "t-1", first.TxnID)
	again, r := e.post(g, ana, map[string]any{"text": "hello", "txn_id": "t-1"})
	require.Equal(t, http.StatusCreated, r.Status)
	assert.Equal(t, first.ID, again.ID)
	assert.Equal(t, first.CreatedAt, again.CreatedAt)
	// The first message is the answer, whatever the retry says.
	again, _ = e.post(g, ana, map[string]any{"text": "hello (edited by a bug)", "txn_id": "t-1"})
	assert.Equal(t, first.ID, again.ID)
	assert.Equal(t, "hello", again.Text)
	// Another sender's id is its own.
	bobs, _ := e.post(g, bob, map[string]any{"text": "hi", "txn_id": "t-1"})
	assert.NotEqual(t, first.ID, bobs.ID)

	// Ten retries at once: one message.
	var wg sync.WaitGroup
	got := make([]int64, 10)
	for i := range got {
		wg.Go(func() {
			m, r := e.post(g, ana, map[string]any{"text": "race", "txn_id": "t-2"})
			assert.Equal(t, http.StatusCreated, r.Status, string(r.Body))
			got[i] = m.ID
		})
	}
	wg.Wait()
	for _, id := range got {
		assert.Equal(t, got[0], id)
	}
	p := e.page(g, ana, "")
	assert.Equal(t, []int64{1, 2, 3}, ids(p), "three messages, no gap left by the retries")
}

// Edits and deletes: your own, admins delete any; a deleted message stays
// a tombstone.
func TestChatEditsAndDeletes(t *testing.T) {
	t.Parallel()
	e := startChat(t)
	owner, admin, ana, bob := e.SignUp("owner@example.com"), e.SignUp("admin@example.com"), e.SignUp("ana@example.com"), e.SignUp("bob@example.com")
	g := e.group(owner, ana, bob)
	e.join(g, admin, "admin")

	m := e.say(g, ana, "10 km at 6 tomorrow")
	path := fmt.Sprintf("/v1/groups/%s/messages/%d", g, m.ID)
	r := e.Do(http.MethodPatch, path, ana.AccessToken, map[string]any{"text": "10 km at 7 tomorrow"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var edited api.ChatMessage
	r.JSON(t, &edited)
	assert.Equal(t, "10 km at 7 tomorrow", edited.Text)
	require.NotNil(t, edited.EditedAt)
	assert.Equal(t, m.ID, edited.ID)

	for _, u := range []clientapi.TokenResponse{bob, admin, owner} {
		r = e.Do(http.MethodPatch, path, u.AccessToken, map[string]any{"text": "mine now"})
		assert.Equal(t, http.StatusForbidden, r.Status, "only the sender edits")
	}
	assert.Equal(t, http.StatusForbidden, e.Do(http.MethodDelete, path, bob.AccessToken, nil).Status, "a member deletes only their own")

	reply, r := e.post(g, bob, map[string]any{"text": "count me in", "reply_to": m.ID})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	assert.Equal(t, ptr(m.ID), reply.ReplyTo)

	assert.Equal(t, http.StatusNoContent, e.Do(http.MethodDelete, path, ana.AccessToken, nil).Status)
	assert.Equal(t, http.StatusNoContent, e.Do(http.MethodDelete, path, ana.AccessToken, nil).Status, "again: nothing changes")
	r = e.Do(http.MethodGet, path, bob.AccessToken, nil)
	require.Equal(t, http.StatusOK, r.Status)
	var tomb api.ChatMessage
	r.JSON(t, &tomb)
	assert.True(t, tomb.Deleted)
	assert.Empty(t, tomb.Text)
	assert.NotNil(t, tomb.DeletedAt)
	assert.Equal(t, ana.UserID, tomb.SenderID)
	assert.Equal(t, http.StatusConflict, e.Do(http.MethodPatch, path, ana.AccessToken, map[string]any{"text": "back"}).Status)
	assert.Equal(t, http.StatusConflict, e.Do(http.MethodPut, path+"/reactions/👍", bob.AccessToken, nil).Status)
	p := e.page(g, bob, "")
	require.Len(t, p.Items, 2)
	assert.True(t, p.Items[0].Deleted, "the tombstone stays in history")
	assert.Equal(t, ptr(m.ID), p.Items[1].ReplyTo, "a reply keeps pointing at it")

	// Admins and the owner delete anyone's message.
	x := e.say(g, bob, "spam")
	y := e.say(g, bob, "more spam")
	assert.Equal(t, http.StatusNoContent, e.Do(http.MethodDelete, fmt.Sprintf("/v1/groups/%s/messages/%d", g, x.ID), admin.AccessToken, nil).Status)
	assert.Equal(t, http.StatusNoContent, e.Do(http.MethodDelete, fmt.Sprintf("/v1/groups/%s/messages/%d", g, y.ID), owner.AccessToken, nil).Status)
}

// Reactions: any single emoji, once per member, at most 20 different.
func TestChatReactions(t *testing.T) {
	t.Parallel()
	e := startChat(t)
	ana, bob := e.SignUp("ana@example.com"), e.SignUp("bob@example.com")
	g := e.group(ana, bob)
	m := e.say(g, ana, "PB today!")
	path := fmt.Sprintf("/v1/groups/%s/messages/%d/reactions/", g, m.ID)

	var out api.ChatMessage
	for _, u := range []clientapi.TokenResponse{ana, bob, bob} {
		r := e.Do(http.MethodPut, path+"🎉", u.AccessToken, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		r.JSON(t, &out)
	}
	assert.Equal(t, []api.ChatReaction{{Emoji: "🎉", Count: 2, Me: true}}, out.Reactions, "bob's second is the same one")
	r := e.Do(http.MethodPut, path+"%F0%9F%91%8D%F0%9F%8F%BD", ana.AccessToken, nil) // 👍🏽, percent-encoded
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &out)
	assert.Equal(t, []api.ChatReaction{{Emoji: "🎉", Count: 2, Me: true}, {Emoji: "👍🏽", Count: 1, Me: true}}, out.Reactions)

	r = e.Do(http.MethodDelete, path+"🎉", bob.AccessToken, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &out)
	assert.Equal(t, []api.ChatReaction{{Emoji: "🎉", Count: 1, Me: false}, {Emoji: "👍🏽", Count: 1, Me: false}}, out.Reactions, "as bob sees it")
	r = e.Do(http.MethodDelete, path+"🎉", bob.AccessToken, nil)
	assert.Equal(t, http.StatusOK, r.Status, "taking back what is not there changes nothing")

	for _, bad := range []string{"x", "👍👍", "%3Cb%3E", "%00"} {
		r = e.Do(http.MethodPut, path+bad, ana.AccessToken, nil)
		assert.Equal(t, http.StatusBadRequest, r.Status, "%s: %s", bad, r.Body)
	}
	r = e.Do(http.MethodPut, path+"x", ana.AccessToken, nil)
	assert.Equal(t, []string{"path.emoji"}, r.Problem(t).Fields())

	// At most 20 different emoji.
	emoji := []string{"😀", "😁", "😂", "🤣", "😃", "😄", "😅", "😆", "😉", "😊", "😋", "😎", "😍", "😘", "🥰", "😗", "😙", "🥲"}
	for _, x := range emoji {
		r = e.Do(http.MethodPut, path+x, bob.AccessToken, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	}
	r = e.Do(http.MethodPut, path+"🤔", bob.AccessToken, nil)
	assert.Equal(t, http.StatusConflict, r.Status, "a 21st emoji")
	r = e.Do(http.MethodPut, path+"😀", ana.AccessToken, nil)
	assert.Equal(t, http.StatusOK, r.Status, "one already there may be added by others")
}

// Read markers and unread counts.
func TestChatReadMarkers(t *testing.T) {
	t.Parallel()
	e := startChat(t)
	ana, bob := e.SignUp("ana@example.com"), e.SignUp("bob@example.com")
	g1 := e.group(ana, bob)
	early := e.say(g1, ana, "before bob... no, bob is here")
	g2 := e.group(bob)
	e.say(g2, bob, "said before ana joined")
	e.join(g2, ana, "member")

	unread := func(u clientapi.TokenResponse) api.ChatUnreadList {
		r := e.Do(http.MethodGet, "/v1/me/unread", u.AccessToken, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var l api.ChatUnreadList
		r.JSON(t, &l)
		return l
	}
	assert.Empty(t, unread(ana).Items, "her own message is read; g2's was said before she joined")
	assert.Equal(t, 1, unread(bob).Total)

	for i := range 3 {
		e.say(g1, bob, fmt.Sprintf("run %d", i))
	}
	e.say(g2, bob, "hi ana")
	l := unread(ana)
	require.Len(t, l.Items, 2)
	assert.Equal(t, 4, l.Total)
	assert.Equal(t, api.ChatUnread{GroupID: g2, LastReadID: 1, LastID: 2, Unread: 1}, l.Items[0], "the latest activity first")
	assert.Equal(t, api.ChatUnread{GroupID: g1, LastReadID: early.ID, LastID: 4, Unread: 3}, l.Items[1])

	r := e.Do(http.MethodPost, "/v1/groups/"+g1+"/read", ana.AccessToken, map[string]any{"message_id": 3})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var one api.ChatUnread
	r.JSON(t, &one)
	assert.Equal(t, api.ChatUnread{GroupID: g1, LastReadID: 3, LastID: 4, Unread: 1}, one)
	r = e.Do(http.MethodPost, "/v1/groups/"+g1+"/read", ana.AccessToken, map[string]any{"message_id": 2})
	r.JSON(t, &one)
	assert.Equal(t, int64(3), one.LastReadID, "a marker never moves back")
	r = e.Do(http.MethodPost, "/v1/groups/"+g1+"/read", ana.AccessToken, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &one)
	assert.Equal(t, api.ChatUnread{GroupID: g1, LastReadID: 4, LastID: 4}, one, "no body: up to the newest")

	// Deleted messages are not unread.
	m := e.say(g1, bob, "oops")
	assert.Equal(t, 2, unread(ana).Total)
	require.Equal(t, http.StatusNoContent, e.Do(http.MethodDelete, fmt.Sprintf("/v1/groups/%s/messages/%d", g1, m.ID), bob.AccessToken, nil).Status)
	assert.Equal(t, 1, unread(ana).Total)

	r = e.Do(http.MethodPost, "/v1/me/unread/mark-read", ana.AccessToken, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &l)
	assert.Empty(t, l.Items)
	assert.Zero(t, l.Total)
	assert.Empty(t, unread(ana).Items)

	r = e.Do(http.MethodPost, "/v1/groups/"+g1+"/read", ana.AccessToken, map[string]any{"message_id": 99})
	assert.Equal(t, http.StatusNotFound, r.Status, "no such message yet")
}

// Who may do what: members, the banned, strangers; unknown and
// malformed ids.
func TestChatPermissions(t *testing.T) {
	t.Parallel()
	e := startChat(t)
	ana, bob, eve := e.SignUp("ana@example.com"), e.SignUp("bob@example.com"), e.SignUp("eve@example.com")
	g := e.group(ana, bob)
	other := e.group(eve)
	m := e.say(g, bob, "hi")
	e.remove(g, bob, true)

	msg := fmt.Sprintf("/v1/groups/%s/messages/%d", g, m.ID)
	calls := []struct{ method, path string }{
		{http.MethodPost, "/v1/groups/" + g + "/messages"},
		{http.MethodGet, "/v1/groups/" + g + "/messages"},
		{http.MethodGet, msg},
		{http.MethodPatch, msg},
		{http.MethodDelete, msg},
		{http.MethodPut, msg + "/reactions/👍"},
		{http.MethodDelete, msg + "/reactions/👍"},
		{http.MethodPost, "/v1/groups/" + g + "/read"},
	}
	body := map[string]any{"text": "let me in"}
	bodyOf := func(method, path string) any {
		if (method == http.MethodPost || method == http.MethodPatch) && !strings.HasSuffix(path, "/read") {
			return body
		}
		return nil
	}
	// cat asked to join ana's private group: a requester is not a member.
	cat := e.SignUp("cat@example.com")
	r := e.Do(http.MethodPost, "/v1/groups", ana.AccessToken, map[string]any{"name": "Closed Club", "visibility": "private"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var closed api.Group
	r.JSON(t, &closed)
	r = e.Do(http.MethodPost, "/v1/groups/"+closed.ID+"/join", cat.AccessToken, nil)
	require.Less(t, r.Status, 300, string(r.Body))
	for _, c := range calls {
		path := strings.Replace(c.path, g, closed.ID, 1)
		r := e.Do(c.method, path, cat.AccessToken, bodyOf(c.method, c.path))
		assert.Equal(t, http.StatusForbidden, r.Status, "requester %s %s: %s", c.method, path, r.Body)
	}
	for _, c := range calls {
		for name, u := range map[string]clientapi.TokenResponse{"stranger": eve, "banned": bob} {
			b := bodyOf(c.method, c.path)
			r := e.Do(c.method, c.path, u.AccessToken, b)
			assert.Equal(t, http.StatusForbidden, r.Status, "%s %s %s: %s", name, c.method, c.path, r.Body)
		}
		r := e.Do(c.method, c.path, "", nil)
		assert.Equal(t, http.StatusUnauthorized, r.Status, "%s %s without a token", c.method, c.path)
		unknown := strings.Replace(c.path, g, uuid.Must(uuid.NewV7()).String(), 1)
		b := bodyOf(c.method, c.path)
		r = e.Do(c.method, unknown, ana.AccessToken, b)
		assert.Equal(t, http.StatusNotFound, r.Status, "unknown group: %s %s: %s", c.method, unknown, r.Body)
		r = e.Do(c.method, strings.Replace(c.path, g, "not-a-uuid", 1), ana.AccessToken, b)
		assert.Equal(t, http.StatusBadRequest, r.Status, "malformed group: %s %s: %s", c.method, c.path, r.Body)
	}
	// A message id of another group is not one of this group's.
	eveMsg := e.say(other, eve, "mine")
	assert.Equal(t, http.StatusForbidden, e.Do(http.MethodGet, fmt.Sprintf("/v1/groups/%s/messages/%d", other, eveMsg.ID), ana.AccessToken, nil).Status,
		"another group's message, for a stranger")
	assert.Equal(t, http.StatusNotFound, e.Do(http.MethodGet, fmt.Sprintf("/v1/groups/%s/messages/%d", g, eveMsg.ID+5), ana.AccessToken, nil).Status)
	assert.Equal(t, http.StatusNotFound, e.Do(http.MethodGet, fmt.Sprintf("/v1/groups/%s/messages/%d", g, 99), ana.AccessToken, nil).Status)
	assert.Equal(t, http.StatusNotFound, e.Do(http.MethodDelete, fmt.Sprintf("/v1/groups/%s/messages/%d", g, 99), ana.AccessToken, nil).Status)
	assert.Equal(t, http.StatusNotFound, e.Do(http.MethodPatch, fmt.Sprintf("/v1/groups/%s/messages/%d", g, 99), ana.AccessToken, body).Status)
	assert.Equal(t, http.StatusNotFound, e.Do(http.MethodPut, fmt.Sprintf("/v1/groups/%s/messages/%d/reactions/👍", g, 99), ana.AccessToken, nil).Status)

	// The banned user's history is no longer theirs to read; the group
	// still has the message.
	assert.Len(t, e.page(g, ana, "").Items, 1)
	// A stranger's unread list does not name the group.
	r = e.Do(http.MethodGet, "/v1/me/unread", bob.AccessToken, nil)
	require.Equal(t, http.StatusOK, r.Status)
	assert.NotContains(t, string(r.Body), g)
}

// Every endpoint's bad input: refused with the field and why, and nothing
// changes.
func TestChatBadInput(t *testing.T) {
	t.Parallel()
	e := startChat(t)
	ana, bob := e.SignUp("ana@example.com"), e.SignUp("bob@example.com")
	g := e.group(ana, bob)
	other := e.group(bob)
	e.say(other, bob, "elsewhere")
	e.say(other, bob, "elsewhere 2")
	m := e.say(g, ana, "first")
	posts := "/v1/groups/" + g + "/messages"

	for name, c := range map[string]struct {
		body  any
		field string
	}{
		"malformed":        {`{"text": "hi"`, ""},
		"not an object":    {`"hi"`, ""},
		"missing text":     {map[string]any{}, "body.text"},
		"empty text":       {map[string]any{"text": ""}, "body.text"},
		"blank text":       {map[string]any{"text": " \n "}, "body.text"},
		"too long":         {map[string]any{"text": strings.Repeat("é", 4001)}, "body.text"},
		"way too long":     {map[string]any{"text": strings.Repeat("a", 40_000)}, ""},
		"control":          {map[string]any{"text": "a\u001b[2Jb"}, "body.text"},
		"NUL":              {map[string]any{"text": "a\u0000b"}, "body.text"},
		"CR":               {map[string]any{"text": "a\r\nb"}, "body.text"},
		"text a number":    {map[string]any{"text": 5}, "body.text"},
		"txn too long":     {map[string]any{"text": "hi", "txn_id": strings.Repeat("x", 65)}, "body.txn_id"},
		"txn with a space": {map[string]any{"text": "hi", "txn_id": "a b"}, "body.txn_id"},
		"reply unknown":    {map[string]any{"text": "hi", "reply_to": 99}, "body.reply_to"},
		"reply foreign":    {map[string]any{"text": "hi", "reply_to": 2}, "body.reply_to"}, // exists in the other group only
		"reply zero":       {map[string]any{"text": "hi", "reply_to": 0}, "body.reply_to"},
		"reply negative":   {map[string]any{"text": "hi", "reply_to": -1}, "body.reply_to"},
		"unknown field":    {map[string]any{"text": "hi", "html": "<b>"}, ""},
	} {
		_, r := e.post(g, ana, c.body)
		if name == "way too long" {
			assert.Contains(t, []int{http.StatusRequestEntityTooLarge, http.StatusBadRequest}, r.Status, "%s: %s", name, r.Body)
			continue
		}
		require.Equal(t, http.StatusBadRequest, r.Status, "%s: %s", name, r.Body)
		p := r.Problem(t)
		if c.field != "" {
			assert.Contains(t, p.Fields(), c.field, "%s: %s", name, r.Body)
		}
	}
	// Nothing was stored.
	assert.Equal(t, []int64{1}, ids(e.page(g, ana, "")))

	for _, q := range []string{"?limit=0", "?limit=101", "?limit=x", "?before=0", "?before=-3", "?after=x", "?before=1&after=2",
		"?around=1&before=3", "?around=9007199254740992"} {
		r := e.Do(http.MethodGet, posts+q, ana.AccessToken, nil)
		assert.Equal(t, http.StatusBadRequest, r.Status, "%s: %s", q, r.Body)
	}
	for _, id := range []string{"0", "-1", "x", "9007199254740992", "1.5"} {
		r := e.Do(http.MethodGet, posts+"/"+id, ana.AccessToken, nil)
		assert.Equal(t, http.StatusBadRequest, r.Status, "%s: %s", id, r.Body)
	}
	path := fmt.Sprintf("%s/%d", posts, m.ID)
	for name, body := range map[string]any{"empty": map[string]any{"text": ""}, "missing": map[string]any{}, "malformed": "{",
		"control": map[string]any{"text": "\u0007"}, "too long": map[string]any{"text": strings.Repeat("z", 4001)}} {
		r := e.Do(http.MethodPatch, path, ana.AccessToken, body)
		assert.Equal(t, http.StatusBadRequest, r.Status, "edit %s: %s", name, r.Body)
	}
	for name, body := range map[string]any{"negative": map[string]any{"message_id": -1}, "malformed": "{",
		"string": map[string]any{"message_id": "3"}, "huge": map[string]any{"message_id": 1 << 60}} {
		r := e.Do(http.MethodPost, "/v1/groups/"+g+"/read", ana.AccessToken, body)
		assert.Equal(t, http.StatusBadRequest, r.Status, "read %s: %s", name, r.Body)
	}
	r := e.Do(http.MethodGet, path, ana.AccessToken, nil)
	var still api.ChatMessage
	r.JSON(t, &still)
	assert.Equal(t, "first", still.Text, "no bad edit changed it")
}

// Text is data: markup comes back as the characters sent, in a JSON
// string.
func TestChatTextIsData(t *testing.T) {
	t.Parallel()
	e := startChat(t)
	ana := e.SignUp("ana@example.com")
	g := e.group(ana)
	text := "<script>alert(1)</script> **bold** & \"quotes\"\n\ttabbed 🏃"
	m := e.say(g, ana, text)
	assert.Equal(t, text, m.Text)
	r := e.Do(http.MethodGet, fmt.Sprintf("/v1/groups/%s/messages/%d", g, m.ID), ana.AccessToken, nil)
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assert.NotContains(t, string(r.Body), "<script>", "a JSON encoder escapes < and > as \\u003c, \\u003e")
}

// A deleted account's messages stay in history as tombstones: nothing it
// wrote remains, replies keep their place.
func TestChatDeletedAccount(t *testing.T) {
	t.Parallel()
	e := startChat(t)
	ana, bob := e.SignUp("ana@example.com"), e.SignUp("bob@example.com")
	g := e.group(ana, bob)
	m := e.say(g, bob, "my phone number is …")
	reply, r := e.post(g, ana, map[string]any{"text": "thanks!", "reply_to": m.ID})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	require.Equal(t, http.StatusOK, e.Do(http.MethodPut, fmt.Sprintf("/v1/groups/%s/messages/%d/reactions/👍", g, reply.ID), bob.AccessToken, nil).Status)

	require.Equal(t, http.StatusNoContent, e.Do(http.MethodDelete, "/v1/me", bob.AccessToken, map[string]any{"password": apptest.Password}).Status)
	require.Eventually(t, func() bool { return e.page(g, ana, "").Items[0].Deleted }, 10*time.Second, 50*time.Millisecond)
	p := e.page(g, ana, "")
	require.Len(t, p.Items, 2)
	assert.Empty(t, p.Items[0].Text)
	assert.Empty(t, p.Items[0].SenderName)
	assert.Equal(t, "thanks!", p.Items[1].Text)
	assert.Equal(t, ptr(m.ID), p.Items[1].ReplyTo)
	assert.Empty(t, p.Items[1].Reactions, "its reactions went too")
}

// Past a user's budget (20 at once, then one a second) a post is refused
// with 429 and Retry-After, and stores nothing; other users are not held
// back.
func TestChatRateLimit(t *testing.T) {
	t.Parallel()
	e := startChat(t)
	ana, bob := e.SignUp("ana@example.com"), e.SignUp("bob@example.com")
	g := e.group(ana, bob)
	stored, limited := 0, 0
	for i := range 30 {
		_, r := e.post(g, ana, map[string]any{"text": fmt.Sprintf("spam %d", i)})
		switch r.Status {
		case http.StatusCreated:
			stored++
		case http.StatusTooManyRequests:
			limited++
			assert.NotEmpty(t, r.Header.Get("Retry-After"))
			assert.Equal(t, "rate_limited", r.Problem(t).Code)
		default:
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
	}
	assert.GreaterOrEqual(t, stored, 20)
	assert.Less(t, stored, 25, "one a second after the first 20")
	assert.Equal(t, 30, stored+limited)
	e.say(g, bob, "I am not held back")
	p := e.page(g, bob, "?limit=100")
	assert.Len(t, p.Items, stored+1, "a refused post stored nothing")
}
