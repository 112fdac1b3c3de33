package newsservice_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/promo/api"
	"github.com/athlos/athlos/modules/promo/internal/news"
	"github.com/athlos/athlos/modules/promo/internal/newsservice"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/pgtest"
)

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// world is a test's database, service, clock and the profile the feed
// reads (the facts read model is promo's other part; here the profile
// is given).
type world struct {
	t       *testing.T
	ctx     context.Context
	s       *newsservice.Service
	pool    *pgxpool.Pool
	mu      sync.Mutex
	now     time.Time
	profile newsservice.Profile
	admin   uuid.UUID
	user    uuid.UUID
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{t: t, ctx: context.Background(), now: t0, admin: uuid.New(), user: uuid.New()}
	audience := func(_ context.Context, _ storage.Querier, user uuid.UUID, _ time.Time) (newsservice.Profile, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		require.Equal(t, w.user, user)
		return w.profile, nil
	}
	w.pool = pgtest.NewPool(t)
	w.s = newsservice.New(w.pool, audience, "en", func() time.Time {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.now
	})
	return w
}

func (w *world) at(t time.Time) {
	w.mu.Lock()
	w.now = t
	w.mu.Unlock()
}

func (w *world) reads(p newsservice.Profile) {
	w.mu.Lock()
	w.profile = p
	w.mu.Unlock()
}

func ptr[T any](v T) *T { return &v }

// item creates an item published at t0+ago (ago <= 0: in the past).
func (w *world) item(title, lang string, ago time.Duration, pinned bool, sports, regions []string) api.AdminNews {
	w.t.Helper()
	n, err := w.s.Create(w.ctx, w.admin, api.NewsDraft{Title: title, Body: "About " + title, Language: lang,
		Sports: sports, Regions: regions, PublishAt: ptr(t0.Add(ago)), Pinned: pinned})
	require.NoError(w.t, err)
	return n
}

// feed reads every page of the feed, limit items a page, calling between
// (when not nil) after each page.
func (w *world) feed(limit int, between func(page int)) (string, []string) {
	w.t.Helper()
	var titles []string
	var lang string
	cursor := ""
	for page := 0; ; page++ {
		p, err := w.s.Feed(w.ctx, w.user, api.NewsFeedRequest{Limit: limit, Cursor: cursor})
		require.NoError(w.t, err)
		require.LessOrEqual(w.t, len(p.Items), limit)
		if page > 0 {
			require.Equal(w.t, lang, p.Language, "one language in every page")
		}
		lang = p.Language
		for _, it := range p.Items {
			titles = append(titles, it.Title)
		}
		if p.NextCursor == nil {
			return lang, titles
		}
		cursor = *p.NextCursor
		if between != nil {
			between(page)
		}
	}
}

var adult = newsservice.Profile{Language: "de", Country: "DE", Sports: []string{"run", "ride"}, Personalised: true}

// The feed: pinned first, then relevance (sport tags the user practises,
// plus the country), then the newest; without personalisation pinned
// first, newest next. Items of other languages, drafts, scheduled and
// expired items are not in it.
func TestFeedRanking(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.item("A pinned old", "de", -10*time.Hour, true, nil, nil)
	w.item("B run ride DE", "de", -9*time.Hour, false, []string{"run", "ride"}, []string{"DE"})
	w.item("C run newest", "de", -2*time.Hour, false, []string{"run"}, nil)
	w.item("D DE older", "de", -3*time.Hour, false, nil, []string{"DE", "AT"})
	e := w.item("E swim FR newest", "de", -time.Hour, false, []string{"swim"}, []string{"FR"})
	w.item("F pinned run", "de", -11*time.Hour, true, []string{"run"}, nil)
	w.item("G english", "en", 0, true, []string{"run"}, []string{"DE"})
	_, err := w.s.Create(w.ctx, w.admin, api.NewsDraft{Title: "H draft", Body: "x", Language: "de", Pinned: true})
	require.NoError(t, err)
	w.item("I scheduled", "de", time.Minute, true, nil, nil)
	_, err = w.s.Create(w.ctx, w.admin, api.NewsDraft{Title: "J expired", Body: "x", Language: "de", Pinned: true,
		PublishAt: ptr(t0.Add(-time.Hour)), ExpiresAt: ptr(t0)})
	require.NoError(t, err)

	w.reads(adult)
	lang, got := w.feed(20, nil)
	assert.Equal(t, "de", lang)
	assert.Equal(t, []string{"F pinned run", "A pinned old", "B run ride DE", "C run newest", "D DE older", "E swim FR newest"}, got)
	_, paged := w.feed(1, nil)
	assert.Equal(t, got, paged, "pages of one make the same list")

	// A user who may not be profiled (objected, a minor): pinned first,
	// newest next, whatever their facts.
	p := adult
	p.Personalised = false
	w.reads(p)
	_, got = w.feed(20, nil)
	assert.Equal(t, []string{"A pinned old", "F pinned run", "E swim FR newest", "C run newest", "D DE older", "B run ride DE"}, got)

	// Sports and country of no item: relevance 0 for all.
	w.reads(newsservice.Profile{Language: "de", Country: "JP", Sports: []string{"yoga", "not-a-sport"}, Personalised: true})
	_, got2 := w.feed(3, nil)
	assert.Equal(t, got, got2)

	// A patch of the tags ranks the item anew.
	ch, err := newsservice.DecodePatch(json.RawMessage(`{"sports": ["ride", "run"]}`))
	require.NoError(t, err)
	_, err = w.s.Patch(w.ctx, uuid.MustParse(e.ID), ch)
	require.NoError(t, err)
	w.reads(adult)
	_, got = w.feed(20, nil)
	assert.Equal(t, []string{"F pinned run", "A pinned old", "B run ride DE", "E swim FR newest", "C run newest", "D DE older"}, got)
}

// The feed's language is the user's, else its base language, else the
// default (en), the first with a published item.
func TestFeedLanguageFallback(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.reads(newsservice.Profile{Language: "pt-BR"})
	lang, got := w.feed(20, nil)
	assert.Equal(t, "pt-BR", lang, "no news at all: the user's language, empty")
	assert.Empty(t, got)

	w.item("en 1", "en", -time.Hour, false, nil, nil)
	w.item("de 1", "de", -time.Hour, false, nil, nil)
	lang, got = w.feed(20, nil)
	assert.Equal(t, "en", lang)
	assert.Equal(t, []string{"en 1"}, got)

	w.item("pt 1", "pt", -time.Hour, false, nil, nil)
	lang, got = w.feed(20, nil)
	assert.Equal(t, "pt", lang)
	assert.Equal(t, []string{"pt 1"}, got)

	w.item("pt-BR scheduled", "pt-BR", time.Hour, false, nil, nil)
	lang, _ = w.feed(20, nil)
	assert.Equal(t, "pt", lang, "a scheduled item does not choose the language")
	w.item("pt-BR 1", "pt-br", -time.Hour, false, nil, nil)
	lang, got = w.feed(20, nil)
	assert.Equal(t, "pt-BR", lang)
	assert.Equal(t, []string{"pt-BR 1"}, got)

	for profile, want := range map[string]string{"": "en", "de": "de", "de-AT": "de", "fr": "en", "EN-gb": "en", "nonsense!": "en"} {
		w.reads(newsservice.Profile{Language: profile})
		lang, _ := w.feed(20, nil)
		assert.Equal(t, want, lang, "profile language %q", profile)
	}
}

// Published from publish_at inclusive to expires_at exclusive, in the
// feed and for GET; a draft is never.
func TestScheduleBoundaries(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.reads(newsservice.Profile{Language: "en"})
	pub, exp := t0.Add(time.Hour), t0.Add(2*time.Hour)
	n, err := w.s.Create(w.ctx, w.admin, api.NewsDraft{Title: "Soon", Body: "b", Language: "en", PublishAt: &pub, ExpiresAt: &exp})
	require.NoError(t, err)
	assert.Equal(t, "scheduled", n.State)
	id := uuid.MustParse(n.ID)
	visible := func(at time.Time) bool {
		w.at(at)
		_, got := w.feed(20, nil)
		_, err := w.s.Get(w.ctx, id)
		if err != nil {
			require.Equal(t, bus.CodeNotFound, bus.CodeOf(err))
		}
		require.Equal(t, len(got) == 1, err == nil, "the feed and GET agree at %s", at)
		a, err := w.s.AdminGet(w.ctx, id)
		require.NoError(t, err)
		require.Equal(t, map[bool]string{true: "published", false: a.State}[len(got) == 1], a.State)
		return len(got) == 1
	}
	assert.False(t, visible(pub.Add(-time.Microsecond)))
	assert.True(t, visible(pub))
	assert.True(t, visible(exp.Add(-time.Microsecond)))
	assert.False(t, visible(exp))
	a, err := w.s.AdminGet(w.ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "expired", a.State)

	d, err := w.s.Create(w.ctx, w.admin, api.NewsDraft{Title: "Draft", Body: "b", Language: "en"})
	require.NoError(t, err)
	assert.Equal(t, "draft", d.State)
	_, err = w.s.Get(w.ctx, uuid.MustParse(d.ID))
	assert.Equal(t, bus.CodeNotFound, bus.CodeOf(err))
	_, err = w.s.Get(w.ctx, uuid.New())
	assert.Equal(t, bus.CodeNotFound, bus.CodeOf(err))
}

// Pages stay stable while items are published between them: every item
// of the first read is listed once, in the first read's order; items
// published with a key above the position already read are not listed
// (they are on a new first page), those below are, once.
func TestFeedCursorWithInserts(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.reads(adult)
	sports := [][]string{nil, {"run"}, {"ride", "run"}, {"swim"}}
	regions := [][]string{nil, {"DE"}, {"FR"}}
	for i := range 40 {
		w.item(fmt.Sprintf("old %02d", i), "de", -time.Duration(i+1)*time.Minute, i%13 == 0, sports[i%4], regions[i%3])
	}
	_, before := w.feed(100, nil)
	require.Len(t, before, 40)

	inserted := 0
	lang, got := w.feed(7, func(page int) {
		inserted++
		// Above every cursor: pinned, relevant and the newest.
		w.item(fmt.Sprintf("new top %d", page), "de", 0, true, []string{"run", "ride"}, []string{"DE"})
		// Below every cursor: nothing relevant, older than every item.
		w.item(fmt.Sprintf("new bottom %d", page), "de", -time.Duration(100+page)*time.Hour, false, nil, nil)
		// Published in the past but only now created, in the middle of
		// the ranking: shown when below the page read, else not.
		w.item(fmt.Sprintf("new mid %d", page), "de", -90*time.Second, false, []string{"run"}, nil)
	})
	assert.Equal(t, "de", lang)
	require.Positive(t, inserted)
	seen := map[string]int{}
	var old []string
	for _, title := range got {
		seen[title]++
		assert.Equal(t, 1, seen[title], "%s listed once", title)
		if title[:3] == "old" {
			old = append(old, title)
		}
		assert.NotContains(t, title, "new top", "an item above the cursor is not listed on a later page")
	}
	assert.Equal(t, before, old, "every item of the first read, once, in order")
	for page := range inserted {
		assert.Equal(t, 1, seen[fmt.Sprintf("new bottom %d", page)], "an item below the cursor is listed")
	}

	// A user's facts changing between pages do not reorder the pages: the
	// cursor keeps the first page's.
	p1, err := w.s.Feed(w.ctx, w.user, api.NewsFeedRequest{Limit: 5})
	require.NoError(t, err)
	w.reads(newsservice.Profile{Language: "en", Country: "FR", Sports: []string{"swim"}, Personalised: true})
	p2, err := w.s.Feed(w.ctx, w.user, api.NewsFeedRequest{Limit: 5, Cursor: *p1.NextCursor})
	require.NoError(t, err)
	assert.Equal(t, "de", p2.Language)
	w.reads(adult)
	full, err := w.s.Feed(w.ctx, w.user, api.NewsFeedRequest{Limit: 10})
	require.NoError(t, err)
	assert.Equal(t, full.Items[5:], p2.Items)

	// Bad cursors and limits are refused, naming the field.
	for _, req := range []api.NewsFeedRequest{{Cursor: "nope"}, {Limit: -1}, {Limit: 101}, {Cursor: *p1.NextCursor + "A"}} {
		_, err := w.s.Feed(w.ctx, w.user, req)
		be := bus.AsError(err)
		require.Equal(t, bus.CodeInvalid, be.Code, "%+v", req)
		require.Len(t, be.Fields, 1)
		assert.Contains(t, []string{"query.cursor", "query.limit"}, be.Fields[0].Field)
	}
}

// Admins list every item, by state, in cursor pages; a patch changes
// only what it names (checked as on create); delete removes the item.
func TestAdmin(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	var all []string
	for i := range 5 {
		w.at(t0.Add(time.Duration(i) * time.Second))
		all = append(all, w.item(fmt.Sprintf("published %d", i), "en", -time.Hour, false, nil, nil).ID)
	}
	w.at(t0.Add(10 * time.Second))
	draft, err := w.s.Create(w.ctx, w.admin, api.NewsDraft{Title: "draft", Body: "<script>x</script>[a](javascript:alert(1))", Language: "fr-ca"})
	require.NoError(t, err)
	assert.Equal(t, "fr-CA", draft.Language)
	assert.NotContains(t, draft.BodyHTML, "script")
	assert.NotContains(t, draft.BodyHTML, "javascript")
	assert.Equal(t, w.admin.String(), draft.CreatedBy)
	w.at(t0.Add(11 * time.Second))
	sched := w.item("scheduled", "en", time.Hour, false, nil, nil)
	w.at(t0.Add(12 * time.Second))
	_, err = w.s.Create(w.ctx, w.admin, api.NewsDraft{Title: "expired", Body: "b", Language: "en", PublishAt: ptr(t0.Add(-2 * time.Hour)), ExpiresAt: ptr(t0)})
	require.NoError(t, err)

	list := func(state string, limit int) []string {
		var ids []string
		cursor := ""
		for {
			p, err := w.s.AdminList(w.ctx, api.AdminNewsListRequest{State: state, Limit: limit, Cursor: cursor})
			require.NoError(t, err)
			for _, it := range p.Items {
				if state != "" {
					require.Equal(t, state, it.State)
				}
				ids = append(ids, it.Title)
			}
			if p.NextCursor == nil {
				return ids
			}
			cursor = *p.NextCursor
		}
	}
	assert.Equal(t, []string{"expired", "scheduled", "draft", "published 4", "published 3", "published 2", "published 1", "published 0"}, list("", 3))
	assert.Equal(t, []string{"draft"}, list("draft", 1))
	assert.Equal(t, []string{"scheduled"}, list("scheduled", 20))
	assert.Equal(t, []string{"expired"}, list("expired", 20))
	assert.Len(t, list("published", 2), 5)
	for _, bad := range []api.AdminNewsListRequest{{State: "live"}, {Limit: 101}, {Cursor: "zz"}} {
		_, err := w.s.AdminList(w.ctx, bad)
		assert.Equal(t, bus.CodeInvalid, bus.CodeOf(err), "%+v", bad)
	}

	// A merge patch.
	id := uuid.MustParse(sched.ID)
	ch, err := newsservice.DecodePatch(json.RawMessage(`{"title": "Renamed", "pinned": true, "sports": ["swim", "run"], "body": "**bold** [x](https://example.com)"}`))
	require.NoError(t, err)
	got, err := w.s.Patch(w.ctx, id, ch)
	require.NoError(t, err)
	assert.Equal(t, "Renamed", got.Title)
	assert.True(t, got.Pinned)
	assert.Equal(t, []string{"run", "swim"}, got.Sports)
	assert.Equal(t, `<p><strong>bold</strong> <a href="https://example.com" rel="nofollow noopener">x</a></p>`+"\n", got.BodyHTML)
	assert.Equal(t, sched.PublishAt, got.PublishAt)
	assert.Equal(t, sched.Language, got.Language)
	assert.True(t, got.UpdatedAt.After(sched.UpdatedAt))

	// publish_at null makes a draft; not while it has an expiry.
	ch, err = newsservice.DecodePatch(json.RawMessage(`{"expires_at": "2027-01-01T00:00:00Z"}`))
	require.NoError(t, err)
	_, err = w.s.Patch(w.ctx, id, ch)
	require.NoError(t, err)
	ch, err = newsservice.DecodePatch(json.RawMessage(`{"publish_at": null}`))
	require.NoError(t, err)
	_, err = w.s.Patch(w.ctx, id, ch)
	assert.Equal(t, []bus.FieldError{{Field: "body.expires_at", Reason: bus.AsError(err).Fields[0].Reason}}, bus.AsError(err).Fields)
	ch, err = newsservice.DecodePatch(json.RawMessage(`{"publish_at": null, "expires_at": null}`))
	require.NoError(t, err)
	got, err = w.s.Patch(w.ctx, id, ch)
	require.NoError(t, err)
	assert.Equal(t, "draft", got.State)
	assert.Nil(t, got.PublishAt)
	assert.Nil(t, got.ExpiresAt)

	// Bad patches name the field and change nothing.
	for raw, field := range map[string]string{
		`[]`: "body", `null`: "body", `"x"`: "body", `{"title": null}`: "body.title", `{"pinned": null}`: "body.pinned",
		`{"sports": null}`: "body.sports", `{"colour": "red"}`: "body.colour", `{"title": 5}`: "body.title",
		`{"publish_at": "tomorrow"}`: "body", `{"title": ""}`: "body.title", `{"language": "klingon!"}`: "body.language",
		`{"regions": ["EU"]}`: "body.regions[0]", `{"sports": ["chess"]}`: "body.sports[0]",
		`{"publish_at": "2027-02-01T00:00:00Z", "expires_at": "2027-01-01T00:00:00Z"}`: "body.expires_at",
	} {
		ch, err := newsservice.DecodePatch(json.RawMessage(raw))
		if err == nil {
			_, err = w.s.Patch(w.ctx, id, ch)
		}
		be := bus.AsError(err)
		require.Equal(t, bus.CodeInvalid, be.Code, "%s: %v", raw, err)
		assert.Equal(t, field, be.Fields[0].Field, raw)
	}
	after, err := w.s.AdminGet(w.ctx, id)
	require.NoError(t, err)
	assert.Equal(t, got, after, "nothing changed")

	// Unknown ids.
	_, err = w.s.AdminGet(w.ctx, uuid.New())
	assert.Equal(t, bus.CodeNotFound, bus.CodeOf(err))
	_, err = w.s.Patch(w.ctx, uuid.New(), news.Changes{})
	assert.Equal(t, bus.CodeNotFound, bus.CodeOf(err))
	assert.Equal(t, bus.CodeNotFound, bus.CodeOf(w.s.Delete(w.ctx, uuid.New())))

	require.NoError(t, w.s.Delete(w.ctx, uuid.MustParse(all[0])))
	assert.Equal(t, bus.CodeNotFound, bus.CodeOf(w.s.Delete(w.ctx, uuid.MustParse(all[0]))))
	_, err = w.s.Get(w.ctx, uuid.MustParse(all[0]))
	assert.Equal(t, bus.CodeNotFound, bus.CodeOf(err))
	assert.Len(t, list("", 20), 7)
}

// HTML is rendered once, on save, and stored; an item an older renderer
// rendered is rendered again when served (a change of the policy needs no
// migration).
func TestStoredHTML(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.reads(newsservice.Profile{Language: "en"})
	n := w.item("Old", "en", -time.Hour, false, nil, nil)
	assert.Equal(t, "<p>About Old</p>\n", n.BodyHTML)
	_, err := w.pool.Exec(w.ctx, `UPDATE promo.news SET body_html = '<p>stale</p>' WHERE id = $1`, n.ID)
	require.NoError(t, err)
	got, err := w.s.Get(w.ctx, uuid.MustParse(n.ID))
	require.NoError(t, err)
	assert.Equal(t, "<p>stale</p>", got.HTML, "the stored HTML is served as it is")
	_, err = w.pool.Exec(w.ctx, `UPDATE promo.news SET render_version = 0 WHERE id = $1`, n.ID)
	require.NoError(t, err)
	got, err = w.s.Get(w.ctx, uuid.MustParse(n.ID))
	require.NoError(t, err)
	assert.Equal(t, "<p>About Old</p>\n", got.HTML, "an older renderer's HTML is rendered again")
	p, err := w.s.Feed(w.ctx, w.user, api.NewsFeedRequest{})
	require.NoError(t, err)
	assert.Equal(t, "<p>About Old</p>\n", p.Items[0].HTML)
	a, err := w.s.AdminGet(w.ctx, uuid.MustParse(n.ID))
	require.NoError(t, err)
	assert.Equal(t, "<p>About Old</p>\n", a.BodyHTML)
}
