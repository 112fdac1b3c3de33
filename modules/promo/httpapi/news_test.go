package httpapi_test

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules"
	"github.com/athlos/athlos/modules/promo/api"
	"github.com/athlos/athlos/platform"
)

// The admin API is for admins (401 without a token, 403 for a user);
// every bad input is refused naming the field and changes nothing;
// unknown ids are 404 and malformed ones 400; an item is created, read,
// listed (drafts, scheduled and expired too), patched and deleted.
func TestNewsAdmin(t *testing.T) {
	t.Parallel()
	a := startNews(t)
	ana := a.signUp("ana@example.com", "en", "", "")
	root := a.admin("root@example.com")

	some := uuid.NewString()
	ops := []struct {
		method, path string
		body         any
	}{
		{http.MethodGet, "/v1/admin/news", nil},
		{http.MethodPost, "/v1/admin/news", publishedNews("x", "en", nil)},
		{http.MethodGet, "/v1/admin/news/" + some, nil},
		{http.MethodPatch, "/v1/admin/news/" + some, map[string]any{"title": "y"}},
		{http.MethodDelete, "/v1/admin/news/" + some, nil},
	}
	for _, op := range ops {
		assert.Equal(t, http.StatusUnauthorized, a.Do(op.method, op.path, "", op.body).Status, "%s %s", op.method, op.path)
		r := a.Do(op.method, op.path, ana.token, op.body)
		assert.Equal(t, http.StatusForbidden, r.Status, "%s %s: %s", op.method, op.path, r.Body)
	}
	// Unknown and malformed ids.
	for _, op := range ops[2:] {
		r := a.Do(op.method, op.path, root.token, op.body)
		assert.Equal(t, http.StatusNotFound, r.Status, "%s %s: %s", op.method, op.path, r.Body)
		path := strings.Replace(op.path, some, "not-a-uuid", 1)
		r = a.Do(op.method, path, root.token, op.body)
		require.Equal(t, http.StatusBadRequest, r.Status, "%s %s: %s", op.method, path, r.Body)
		assert.Contains(t, r.Problem(t).Fields(), "path.id")
	}

	// Create: a draft, rendered and sanitised.
	r := a.Do(http.MethodPost, "/v1/admin/news", root.token, map[string]any{"title": " Spring ", "language": "pt-br",
		"body": "# Hi\n<script>alert(1)</script>\n[x](javascript:alert(1)) [shop](https://shop.example.com)", "sports": []string{"ride", "run"},
		"regions": []string{"br", "PT"}, "pinned": true})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	var draft api.AdminNews
	r.JSON(t, &draft)
	assert.Equal(t, "Spring", draft.Title)
	assert.Equal(t, "pt-BR", draft.Language)
	assert.Equal(t, []string{"run", "ride"}, draft.Sports)
	assert.Equal(t, []string{"BR", "PT"}, draft.Regions)
	assert.Equal(t, "draft", draft.State)
	assert.Nil(t, draft.PublishAt)
	assert.Equal(t, root.id, draft.CreatedBy)
	assert.Contains(t, draft.BodyHTML, "<h1>Hi</h1>")
	assert.Contains(t, draft.BodyHTML, `<a href="https://shop.example.com" rel="nofollow noopener">shop</a>`)
	assert.NotContains(t, draft.BodyHTML, "script")
	assert.NotContains(t, draft.BodyHTML, "javascript")

	list := func(query string) []api.AdminNews {
		r := a.Do(http.MethodGet, "/v1/admin/news"+query, root.token, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var p api.AdminNewsPage
		r.JSON(t, &p)
		return p.Items
	}
	require.Len(t, list(""), 1)

	// Every bad field of a create, and of a patch.
	valid := func() map[string]any {
		return map[string]any{"title": "T", "body": "B", "language": "en", "publish_at": "2026-12-01T10:00:00Z", "expires_at": "2026-12-02T10:00:00Z"}
	}
	bad := []struct {
		field string
		edit  func(map[string]any)
	}{
		{"body.title", func(d map[string]any) { d["title"] = "" }},
		{"body.title", func(d map[string]any) { d["title"] = "   " }},
		{"body.title", func(d map[string]any) { d["title"] = strings.Repeat("t", 201) }},
		{"body.title", func(d map[string]any) { d["title"] = "a\u0007b" }},
		{"body.title", func(d map[string]any) { d["title"] = 5 }},
		{"body.body", func(d map[string]any) { d["body"] = "" }},
		{"body.body", func(d map[string]any) { d["body"] = " \n " }},
		{"body.body", func(d map[string]any) { d["body"] = strings.Repeat("b", api.NewsBodyMaxBytes+1) }},
		{"body.body", func(d map[string]any) { d["body"] = "a\u0000b" }},
		{"body.language", func(d map[string]any) { d["language"] = "english" }},
		{"body.language", func(d map[string]any) { d["language"] = "x" }},
		{"body.language", func(d map[string]any) { d["language"] = "und" }},
		{"body.language", func(d map[string]any) { d["language"] = strings.Repeat("a", 36) }},
		{"body.sports[1]", func(d map[string]any) { d["sports"] = []string{"run", "quidditch"} }},
		{"body.sports", func(d map[string]any) { d["sports"] = strings.Split(strings.Repeat("run,", 13)[:51], ",") }},
		{"body.regions[0]", func(d map[string]any) { d["regions"] = []string{"EU"} }},
		{"body.regions[0]", func(d map[string]any) { d["regions"] = []string{"DEU"} }},
		{"body.regions", func(d map[string]any) { d["regions"] = strings.Split(strings.Repeat("DE,", 51)[:152], ",") }},
		{"body.expires_at", func(d map[string]any) { d["expires_at"] = d["publish_at"] }},
		{"body.expires_at", func(d map[string]any) { d["expires_at"] = "2026-11-01T00:00:00Z" }},
		{"body.publish_at", func(d map[string]any) { d["publish_at"] = "next week" }},
		{"body.publish_at", func(d map[string]any) { d["publish_at"] = "1990-01-01T00:00:00Z" }},
		{"body.pinned", func(d map[string]any) { d["pinned"] = "yes" }},
		{"body.colour", func(d map[string]any) { d["colour"] = "red" }},
	}
	for _, b := range bad {
		d := valid()
		b.edit(d)
		r := a.Do(http.MethodPost, "/v1/admin/news", root.token, d)
		require.Equal(t, http.StatusBadRequest, r.Status, "%s: %s", b.field, r.Body)
		assert.Contains(t, r.Problem(t).Fields(), b.field, string(r.Body))
		// The same field in a patch of the draft (with publish_at for a
		// bad expires_at: the draft has none to check it against).
		p := map[string]any{}
		for k, v := range d {
			if valid()[k] != v || k == strings.TrimPrefix(b.field, "body.") {
				p[k] = v
			}
		}
		if b.field == "body.expires_at" {
			p["publish_at"] = d["publish_at"]
		}
		r = a.Do(http.MethodPatch, "/v1/admin/news/"+draft.ID, root.token, p)
		require.Equal(t, http.StatusBadRequest, r.Status, "PATCH %s %v: %s", b.field, p, r.Body)
		assert.Contains(t, r.Problem(t).Fields(), b.field, string(r.Body))
	}
	d := valid()
	delete(d, "publish_at")
	r = a.Do(http.MethodPost, "/v1/admin/news", root.token, d)
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
	assert.Contains(t, r.Problem(t).Fields(), "body.expires_at", "an expiry needs a publish time")
	for _, missing := range []string{"title", "body", "language"} {
		d := valid()
		delete(d, missing)
		r := a.Do(http.MethodPost, "/v1/admin/news", root.token, d)
		require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
		assert.Contains(t, r.Problem(t).Fields(), "body."+missing, string(r.Body))
	}
	for body, field := range map[string]string{`{"title": "x", "body":`: "body", ``: "body", `[]`: "body", `"x"`: "body"} {
		r := a.Do(http.MethodPost, "/v1/admin/news", root.token, body)
		require.Equal(t, http.StatusBadRequest, r.Status, "%q: %s", body, r.Body)
		assert.Contains(t, r.Problem(t).Fields(), field, string(r.Body))
	}
	for body, field := range map[string]string{`{"title":`: "body", `[]`: "body", `{"title": null}`: "body.title",
		`{"sports": null}`: "body.sports", `{"pinned": null}`: "body.pinned", `{"publish_at": null}`: "body.expires_at",
		`{"id": "` + uuid.NewString() + `"}`: "body.id", `null`: "body"} {
		r := a.Do(http.MethodPatch, "/v1/admin/news/"+draft.ID, root.token, body)
		if body == `{"publish_at": null}` {
			// the draft has no expiry: clearing publish_at is fine.
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			continue
		}
		require.Equal(t, http.StatusBadRequest, r.Status, "%q: %s", body, r.Body)
		assert.Contains(t, r.Problem(t).Fields(), field, string(r.Body))
	}
	huge := valid()
	huge["body"] = strings.Repeat("\"", 4*api.NewsBodyMaxBytes)
	assert.Equal(t, http.StatusRequestEntityTooLarge, a.Do(http.MethodPost, "/v1/admin/news", root.token, huge).Status)
	assert.Equal(t, http.StatusRequestEntityTooLarge, a.Do(http.MethodPatch, "/v1/admin/news/"+draft.ID, root.token, map[string]any{"body": huge["body"]}).Status)
	for query, field := range map[string]string{"?state=live": "query.state", "?limit=0": "query.limit", "?limit=101": "query.limit",
		"?limit=x": "query.limit", "?cursor=nope": "query.cursor", "?cursor=" + strings.Repeat("A", 65): "query.cursor"} {
		r := a.Do(http.MethodGet, "/v1/admin/news"+query, root.token, nil)
		require.Equal(t, http.StatusBadRequest, r.Status, "%s: %s", query, r.Body)
		assert.Contains(t, r.Problem(t).Fields(), field, string(r.Body))
	}
	items := list("")
	require.Len(t, items, 1, "nothing bad was saved")
	r = a.Do(http.MethodGet, "/v1/admin/news/"+draft.ID, root.token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var same api.AdminNews
	r.JSON(t, &same)
	assert.Equal(t, draft.Title, same.Title)
	assert.Equal(t, draft.Body, same.Body)
	assert.Equal(t, draft.Sports, same.Sports)

	// Scheduled, published and expired items; the list by state, in pages.
	now := time.Now().UTC()
	a.create(root, map[string]any{"title": "Scheduled", "body": "b", "language": "en", "publish_at": now.Add(time.Hour)})
	a.create(root, map[string]any{"title": "Expired", "body": "b", "language": "en", "publish_at": now.Add(-2 * time.Hour), "expires_at": now.Add(-time.Hour)})
	pub := a.create(root, publishedNews("Published", "en", map[string]any{"expires_at": now.Add(time.Hour)}))
	assert.Equal(t, "published", pub.State)
	var titles []string
	for _, it := range list("?state=scheduled") {
		titles = append(titles, it.Title)
	}
	assert.Equal(t, []string{"Scheduled"}, titles)
	assert.Len(t, list("?state=expired"), 1)
	assert.Len(t, list("?state=draft"), 1)
	assert.Len(t, list("?state=published"), 1)
	r = a.Do(http.MethodGet, "/v1/admin/news?limit=3", root.token, nil)
	require.Equal(t, http.StatusOK, r.Status)
	var p1 api.AdminNewsPage
	r.JSON(t, &p1)
	require.Len(t, p1.Items, 3)
	require.NotNil(t, p1.NextCursor)
	assert.Equal(t, "Published", p1.Items[0].Title, "newest created first")
	p2 := list("?limit=3&cursor=" + *p1.NextCursor)
	require.Len(t, p2, 1)
	assert.Equal(t, draft.ID, p2[0].ID)

	// A merge patch: only the fields given change.
	r = a.Do(http.MethodPatch, "/v1/admin/news/"+pub.ID, root.token, map[string]any{"title": "Renamed", "expires_at": nil, "regions": []string{}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var patched api.AdminNews
	r.JSON(t, &patched)
	assert.Equal(t, "Renamed", patched.Title)
	assert.Nil(t, patched.ExpiresAt)
	assert.Equal(t, []string{}, patched.Regions)
	assert.Equal(t, pub.Body, patched.Body)
	assert.Equal(t, pub.PublishAt, patched.PublishAt)
	r = a.Do(http.MethodPatch, "/v1/admin/news/"+pub.ID, root.token, `{"title": "Merge patch"}`)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))

	// Delete: gone for admins and users.
	r = a.Do(http.MethodDelete, "/v1/admin/news/"+pub.ID, root.token, nil)
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodDelete, "/v1/admin/news/"+pub.ID, root.token, nil).Status)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, "/v1/admin/news/"+pub.ID, root.token, nil).Status)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, "/v1/news/"+pub.ID, ana.token, nil).Status)
	assert.Len(t, list(""), 3)
}

// The feed over HTTP with the user facts: ranked by the user's sports
// (from their sessions) and country, pinned first; an objection (PUT
// /v1/me/marketing) and a minor get pinned first, newest next; a pt-BR
// user falls back to pt, then en; GET /v1/news/{id} serves published
// items only, sanitised.
func TestNewsFeed(t *testing.T) {
	t.Parallel()
	a := startNews(t)
	root := a.admin("root@example.com")
	ana := a.signUp("ana@example.com", "de", "AT", "1990-04-01")
	ben := a.signUp("ben@example.com", "de", "AT", time.Now().AddDate(-16, 0, 0).Format(time.DateOnly))
	lia := a.signUp("lia@example.com", "pt-BR", "BR", "1985-01-01")
	a.sessions(ana, "ride", 2)
	a.sessions(ben, "ride", 2)

	h := func(d time.Duration) string { return time.Now().Add(-d).UTC().Format(time.RFC3339Nano) }
	a.create(root, map[string]any{"title": "Pinned", "body": "b", "language": "de", "pinned": true, "publish_at": h(30 * time.Hour)})
	a.create(root, map[string]any{"title": "Ride AT", "body": "b", "language": "de", "sports": []string{"ride"}, "regions": []string{"AT"}, "publish_at": h(20 * time.Hour)})
	a.create(root, map[string]any{"title": "Ride", "body": "b", "language": "de", "sports": []string{"ride"}, "publish_at": h(10 * time.Hour)})
	a.create(root, map[string]any{"title": "Swim DE", "body": "b", "language": "de", "sports": []string{"swim"}, "regions": []string{"DE"}, "publish_at": h(2 * time.Hour)})
	a.create(root, map[string]any{"title": "Newest", "body": "b", "language": "de", "publish_at": h(time.Hour)})
	sched := a.create(root, map[string]any{"title": "Scheduled", "body": "b", "language": "de", "pinned": true, "publish_at": time.Now().Add(time.Hour)})
	exp := a.create(root, map[string]any{"title": "Expired", "body": "b", "language": "de", "publish_at": h(3 * time.Hour), "expires_at": h(time.Minute)})
	draft := a.create(root, map[string]any{"title": "Draft", "body": "b", "language": "de"})
	en := a.create(root, publishedNews("English", "en", map[string]any{"body": "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)> [a](javascript:alert(1)) [b](https://example.com)"}))

	assert.Equal(t, []string{"Pinned", "Ride AT", "Ride", "Newest", "Swim DE"}, a.titles(ana))
	assert.Equal(t, []string{"Pinned", "Newest", "Swim DE", "Ride", "Ride AT"}, a.titles(ben), "a minor: no profiling")
	p := a.feed(ana, "")
	assert.Equal(t, "de", p.Language)
	assert.Nil(t, p.NextCursor)

	// An objection takes effect on the next request; withdrawing it too.
	r := a.Do(http.MethodPut, "/v1/me/marketing", ana.token, map[string]any{"personalised_offers": false})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	assert.Equal(t, []string{"Pinned", "Newest", "Swim DE", "Ride", "Ride AT"}, a.titles(ana))
	r = a.Do(http.MethodPut, "/v1/me/marketing", ana.token, map[string]any{"personalised_offers": true})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	assert.Equal(t, []string{"Pinned", "Ride AT", "Ride", "Newest", "Swim DE"}, a.titles(ana))

	// Language fallback: pt-BR reads en, then pt, then pt-BR.
	p = a.feed(lia, "")
	assert.Equal(t, "en", p.Language)
	require.Len(t, p.Items, 1)
	assert.Equal(t, en.ID, p.Items[0].ID)
	a.create(root, publishedNews("Português", "pt", nil))
	assert.Equal(t, "pt", a.feed(lia, "").Language)
	a.create(root, publishedNews("Brasil", "pt-BR", nil))
	p = a.feed(lia, "")
	assert.Equal(t, "pt-BR", p.Language)
	assert.Equal(t, "Brasil", p.Items[0].Title)

	// GET /v1/news/{id}: published only; sanitised HTML.
	r = a.Do(http.MethodGet, "/v1/news/"+en.ID, ana.token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var item api.NewsItem
	r.JSON(t, &item)
	assert.Equal(t, "English", item.Title)
	assert.NotContains(t, item.HTML, "script")
	assert.NotContains(t, item.HTML, "onerror")
	assert.NotContains(t, item.HTML, "javascript")
	assert.Contains(t, item.HTML, `<a href="https://example.com" rel="nofollow noopener">b</a>`)
	assert.Equal(t, *en.PublishAt, item.PublishedAt)
	for _, id := range []string{sched.ID, exp.ID, draft.ID, uuid.NewString()} {
		r := a.Do(http.MethodGet, "/v1/news/"+id, ana.token, nil)
		assert.Equal(t, http.StatusNotFound, r.Status, "%s: %s", id, r.Body)
		assert.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
	}

	// Bad input and no token.
	r = a.Do(http.MethodGet, "/v1/news/not-a-uuid", ana.token, nil)
	require.Equal(t, http.StatusBadRequest, r.Status)
	assert.Contains(t, r.Problem(t).Fields(), "path.id")
	for query, field := range map[string]string{"?limit=0": "query.limit", "?limit=101": "query.limit", "?limit=ten": "query.limit",
		"?cursor=nope": "query.cursor", "?cursor=" + strings.Repeat("A", 129): "query.cursor",
		"?cursor=AQEDAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAZW4": "query.cursor"} {
		r := a.Do(http.MethodGet, "/v1/news"+query, ana.token, nil)
		require.Equal(t, http.StatusBadRequest, r.Status, "%s: %s", query, r.Body)
		assert.Contains(t, r.Problem(t).Fields(), field, string(r.Body))
	}
	assert.Equal(t, http.StatusUnauthorized, a.Do(http.MethodGet, "/v1/news", "", nil).Status)
	assert.Equal(t, http.StatusUnauthorized, a.Do(http.MethodGet, "/v1/news/"+en.ID, "", nil).Status)
}

// An item scheduled a second ahead appears at its time: no process keeps
// a cache that hides it (every read asks the database at its own time).
func TestNewsScheduledAppears(t *testing.T) {
	t.Parallel()
	a := startNews(t)
	root := a.admin("root@example.com")
	ana := a.signUp("ana@example.com", "en", "", "")
	at := time.Now().Add(time.Second).UTC()
	// Shown for 5 s: a look must fall in it, after the create and the
	// looks before (with 2 s, a slow create on a loaded runner could leave
	// no look before the expiry).
	n := a.create(root, map[string]any{"title": "Soon", "body": "b", "language": "en", "publish_at": at, "expires_at": at.Add(5 * time.Second)})
	p := a.feed(ana, "")
	r := a.Do(http.MethodGet, "/v1/news/"+n.ID, ana.token, nil)
	if time.Now().Before(at) {
		assert.Empty(t, p.Items, "not before its time")
		assert.Equal(t, http.StatusNotFound, r.Status)
	}
	require.Eventually(t, func() bool {
		return len(a.feed(ana, "").Items) == 1 && a.Do(http.MethodGet, "/v1/news/"+n.ID, ana.token, nil).Status == http.StatusOK
	}, 10*time.Second, 20*time.Millisecond, "it appears at its time")
	require.Eventually(t, func() bool {
		return len(a.feed(ana, "").Items) == 0 && a.Do(http.MethodGet, "/v1/news/"+n.ID, ana.token, nil).Status == http.StatusNotFound
	}, 30*time.Second, 20*time.Millisecond, "it goes at its expiry")
}

// secondPromo runs the promo module in a second process of the app a (its
// NATS, database and secret key, no front): the front's requests to
// rpc.promo.* are shared between the two, as in a cluster.
func secondPromo(t *testing.T, a *newsApp) {
	t.Helper()
	cfg := &platform.Config{
		Version: "test", DataDir: a.DataDir, Catalogue: modules.Catalogue(), Modules: []string{"promo"},
		NATS: platform.NATSConfig{URLs: []string{a.NATS.Server.ClientURL()}, User: bus.ServiceUser, Password: a.NATS.Password,
			SystemUser: bus.SystemUser, SystemPassword: a.NATS.Password, PublicWebSocketURL: a.WebSocketURL},
		DB: platform.DBConfig{URL: a.DBURL},
	}
	mcfg := modules.DefaultConfigs()
	require.NoError(t, cfg.Validate())
	opts, err := modules.Options(cfg.Modules, mcfg)
	require.NoError(t, err)
	app := platform.NewApp(context.Background(), cfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), opts)
	require.NoError(t, platform.StartError(app.Err()))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, app.Start(ctx))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = app.Stop(ctx)
	})
}

// With two processes of the promo module answering, an item scheduled a
// second ahead appears in both at its time: once one answer has it, every
// later answer has it (neither process keeps a cache that hides it).
func TestNewsScheduledAppearsInEveryProcess(t *testing.T) {
	t.Parallel()
	a := startNews(t)
	secondPromo(t, a)
	// Two instances of the module's RPC service answer.
	inbox := nats.NewInbox()
	sub, err := a.js.NC.SubscribeSync(inbox)
	require.NoError(t, err)
	require.NoError(t, a.js.NC.PublishRequest("$SRV.PING.athlos-promo", inbox, nil))
	for range 2 {
		_, err := sub.NextMsg(30 * time.Second)
		require.NoError(t, err, "two promo processes answer")
	}
	root := a.admin("root@example.com")
	ana := a.signUp("ana@example.com", "en", "", "")
	at := time.Now().Add(time.Second).UTC()
	n := a.create(root, map[string]any{"title": "Soon", "body": "b", "language": "en", "publish_at": at})
	require.Eventually(t, func() bool { return len(a.feed(ana, "").Items) == 1 }, 10*time.Second, 20*time.Millisecond, "it appears")
	for range 40 {
		require.Len(t, a.feed(ana, "").Items, 1, "every answer has it")
		require.Equal(t, http.StatusOK, a.Do(http.MethodGet, "/v1/news/"+n.ID, ana.token, nil).Status)
	}
}

// No malformed input to the news' operations, sent by an administrator
// (the module-wide fuzz signs in as a user, refused before the module
// reads the body), gets a 5xx.
func TestNewsMalformedInputAsAdmin(t *testing.T) {
	t.Parallel()
	a := startNews(t)
	root := a.admin("root@example.com")
	n := a.create(root, publishedNews("Kept", "en", nil))
	bodies := []string{``, `{`, `[]`, `null`, `"x"`, `0`, `{"title": 1e400}`, "{\"title\": \"\xff\xfe\"}", `{"title": "a\u0000b"}`,
		`{"body": "a\u0000b"}`, `{"sports": [null]}`, `{"regions": [1]}`, `{"publish_at": "2026-13-45T99:99:99Z"}`,
		`{"expires_at": "9999-12-31T23:59:59Z", "publish_at": "0001-01-01T00:00:00Z"}`, `{"publish_at": 5}`,
		`{"language": "` + strings.Repeat("a-", 500) + `"}`, `{"pinned": "true"}`, strings.Repeat("[", 5000) + strings.Repeat("]", 5000),
		`{"title": "t", "body": "` + strings.Repeat("*[a](", 5000) + `", "language": "en"}`,
		`{"title": "t", "body": "` + strings.Repeat("> ", 10000) + `x", "language": "en"}`}
	paths := []string{"/v1/admin/news/" + n.ID, "/v1/admin/news/nope", "/v1/admin/news/%00", "/v1/admin/news/" + uuid.NewString()}
	for _, body := range bodies {
		for _, method := range []string{http.MethodPost, http.MethodPatch} {
			path := "/v1/admin/news"
			if method == http.MethodPatch {
				path = paths[0]
			}
			r := a.Do(method, path, root.token, body)
			assert.Less(t, r.Status, 500, "%s %s %.80q: %s", method, path, body, r.Body)
		}
	}
	for _, path := range paths {
		for _, method := range []string{http.MethodGet, http.MethodDelete, http.MethodPatch} {
			r := a.Do(method, path, root.token, `{"title": "x"}`)
			assert.Less(t, r.Status, 500, "%s %s: %s", method, path, r.Body)
		}
		r := a.Do(http.MethodGet, strings.Replace(path, "/admin", "", 1), root.token, nil)
		assert.Less(t, r.Status, 500, "GET %s: %s", path, r.Body)
	}
	for _, q := range []string{"?limit=-1", "?limit=1e400", "?cursor=%00", "?cursor=" + strings.Repeat("x", 5000), "?state=%00", "?limit=9223372036854775808"} {
		for _, path := range []string{"/v1/news", "/v1/admin/news"} {
			r := a.Do(http.MethodGet, path+q, root.token, nil)
			assert.Less(t, r.Status, 500, "GET %s%s: %s", path, q, r.Body)
		}
	}
	r := a.Do(http.MethodGet, "/v1/news", root.token, nil)
	require.Equal(t, http.StatusOK, r.Status, "still up")
}
