// Package newsservice is the news' use cases: admins write items (checked
// and rendered to sanitised HTML once, on save), users read the feed of
// their language ranked for them, and single published items. Nothing is
// cached between requests: every read asks the database with the time of
// the request, so a scheduled item appears at its time in every process.
package newsservice

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/kit/page"
	"github.com/athlos/athlos/internal/kit/patch"
	"github.com/athlos/athlos/internal/kit/sport"
	"github.com/athlos/athlos/modules/promo/api"
	"github.com/athlos/athlos/modules/promo/internal/news"
	"github.com/athlos/athlos/modules/promo/internal/newsstore"
	"github.com/athlos/athlos/storage"
)

// Profile is what the feed knows of a user: the interface language, and
// when the user may be profiled (Personalised: an adult who did not
// object), their country and sports.
type Profile struct {
	Language     string
	Country      string
	Sports       []string
	Personalised bool
}

// Audience reads a user's profile at now (from promo's facts read model).
type Audience func(ctx context.Context, q storage.Querier, user uuid.UUID, now time.Time) (Profile, error)

// Service is the news' use cases.
type Service struct {
	db       *pgxpool.Pool
	render   *news.Renderer
	audience Audience
	fallback string
	now      func() time.Time
}

// New returns the service; fallback is the language of the feed's last
// resort (news.DefaultLanguage when ""), now the clock (time.Now when
// nil).
func New(db *pgxpool.Pool, audience Audience, fallback string, now func() time.Time) *Service {
	if fallback == "" {
		fallback = news.DefaultLanguage
	}
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, render: news.NewRenderer(), audience: audience, fallback: fallback, now: now}
}

// Create stores a new item written by admin.
func (s *Service) Create(ctx context.Context, admin uuid.UUID, d api.NewsDraft) (api.AdminNews, error) {
	c, err := news.Normalize(contentOf(d))
	if err != nil {
		return api.AdminNews{}, bus.FieldInvalid("body.", err)
	}
	html, err := s.render.Render(c.Body)
	if err != nil {
		return api.AdminNews{}, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	it := news.Item{ID: uuid.New(), Content: c, HTML: html, RenderVersion: news.RenderVersion, CreatedBy: admin, CreatedAt: now, UpdatedAt: now}
	if err := newsstore.Insert(ctx, s.db, it); err != nil {
		return api.AdminNews{}, err
	}
	return s.admin(it, now)
}

// AdminGet reads an item in any state.
func (s *Service) AdminGet(ctx context.Context, id uuid.UUID) (api.AdminNews, error) {
	it, err := newsstore.Get(ctx, s.db, id, false)
	if err != nil {
		return api.AdminNews{}, notFound(err)
	}
	return s.admin(it, s.now())
}

// patchBody is a news patch as the module reads it.
type patchBody struct {
	Title     *string                `json:"title"`
	Body      *string                `json:"body"`
	Language  *string                `json:"language"`
	Sports    *[]string              `json:"sports"`
	Regions   *[]string              `json:"regions"`
	PublishAt patch.Field[time.Time] `json:"publish_at"`
	ExpiresAt patch.Field[time.Time] `json:"expires_at"`
	Pinned    *bool                  `json:"pinned"`
}

// nullable are the patch's fields that null clears.
var nullable = map[string]bool{"publish_at": true, "expires_at": true}

// DecodePatch reads a JSON merge patch of an item: unknown fields and
// null for a field that can't be cleared are refused, naming the field.
func DecodePatch(raw json.RawMessage) (news.Changes, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return news.Changes{}, bus.Invalid("body", "not a news patch: a JSON object is expected")
	}
	for name, v := range fields {
		if !nullable[name] && bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			return news.Changes{}, bus.Invalid("body."+name, "can't be null (only publish_at and expires_at can be cleared)")
		}
	}
	var p patchBody
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return news.Changes{}, bus.Invalid("body."+te.Field, "must be a "+te.Type.String())
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return news.Changes{}, bus.Invalid("body."+strings.Trim(f, `"`), "is not a field of a news item")
		}
		return news.Changes{}, bus.Invalid("body", "not a news patch: "+err.Error())
	}
	return news.Changes{Title: p.Title, Body: p.Body, Language: p.Language, Sports: p.Sports, Regions: p.Regions,
		PublishAt: p.PublishAt, ExpiresAt: p.ExpiresAt, Pinned: p.Pinned}, nil
}

// Patch changes an item by a merge patch (checked as on create; the body
// rendered again when it changed).
func (s *Service) Patch(ctx context.Context, id uuid.UUID, ch news.Changes) (api.AdminNews, error) {
	var out news.Item
	now := s.now().UTC().Truncate(time.Microsecond)
	err := storage.InTx(ctx, s.db, func(tx pgx.Tx) error {
		it, err := newsstore.Get(ctx, tx, id, true)
		if err != nil {
			return notFound(err)
		}
		c, err := news.Normalize(it.Content.Apply(ch))
		if err != nil {
			return bus.FieldInvalid("body.", err)
		}
		if c.Body != it.Body || it.RenderVersion != news.RenderVersion {
			if it.HTML, err = s.render.Render(c.Body); err != nil {
				return err
			}
			it.RenderVersion = news.RenderVersion
		}
		it.Content, it.UpdatedAt = c, now
		out = it
		return newsstore.Update(ctx, tx, it)
	})
	if err != nil {
		return api.AdminNews{}, err
	}
	return s.admin(out, now)
}

// Delete deletes an item.
func (s *Service) Delete(ctx context.Context, id uuid.UUID) error {
	return notFound(newsstore.Delete(ctx, s.db, id))
}

// AdminList is a page of every item (in a state when asked), newest
// created first.
func (s *Service) AdminList(ctx context.Context, in api.AdminNewsListRequest) (api.AdminNewsPage, error) {
	if in.State != "" && !slices.Contains(news.States(), in.State) {
		return api.AdminNewsPage{}, bus.Invalid("query.state", "must be one of "+strings.Join(news.States(), ", "))
	}
	size, err := page.Size(in.Limit)
	if err != nil {
		return api.AdminNewsPage{}, bus.FieldInvalid("query.", err)
	}
	var after *newsstore.Position
	if in.Cursor != "" {
		at, id, err := news.ParseAdminCursor(in.Cursor)
		if err != nil {
			return api.AdminNewsPage{}, bus.FieldInvalid("query.", err)
		}
		after = &newsstore.Position{CreatedAt: at, ID: id}
	}
	now := s.now()
	items, err := newsstore.List(ctx, s.db, in.State, now, after, size+1)
	if err != nil {
		return api.AdminNewsPage{}, err
	}
	out := api.AdminNewsPage{Items: []api.AdminNews{}}
	if len(items) > size {
		items = items[:size]
		last := items[size-1]
		next := news.AdminCursor(last.CreatedAt, last.ID)
		out.NextCursor = &next
	}
	for _, it := range items {
		a, err := s.admin(it, now)
		if err != nil {
			return api.AdminNewsPage{}, err
		}
		out.Items = append(out.Items, a)
	}
	return out, nil
}

// Feed is a page of user's feed: the published items of their language
// (or the first fallback that has any), ranked for them. A cursor keeps
// the first page's language and ranking facts, so the pages of one feed
// stay in one order while items are published; an objection made
// between pages takes effect on the next page (it ranks without the
// user's country and sports from then on).
func (s *Service) Feed(ctx context.Context, user uuid.UUID, in api.NewsFeedRequest) (api.NewsPage, error) {
	size, err := page.Size(in.Limit)
	if err != nil {
		return api.NewsPage{}, bus.FieldInvalid("query.", err)
	}
	var cur *news.FeedCursor
	if in.Cursor != "" {
		c, err := news.ParseFeedCursor(in.Cursor)
		if err != nil {
			return api.NewsPage{}, bus.FieldInvalid("query.", err)
		}
		cur = &c
	}
	now := s.now()
	p, err := s.audience(ctx, s.db, user, now)
	if err != nil {
		return api.NewsPage{}, fmt.Errorf("news feed of %s: %w", user, err)
	}
	var r news.Reader
	var after *news.Key
	lang := ""
	if cur != nil {
		r, after, lang = cur.Reader(p.Personalised), &cur.After, cur.Language
	} else {
		r = reader(p, s.fallback)
		if lang, err = newsstore.Language(ctx, s.db, r.Languages, now); err != nil {
			return api.NewsPage{}, err
		}
	}
	out := api.NewsPage{Language: lang, Items: []api.NewsItem{}}
	if lang == "" {
		out.Language = r.Languages[0]
		return out, nil
	}
	items, err := newsstore.Feed(ctx, s.db, lang, r, now, after, size+1)
	if err != nil {
		return api.NewsPage{}, err
	}
	if len(items) > size {
		items = items[:size]
		next := news.FeedCursor{Language: lang, Country: r.Country, Sports: r.Sports, After: items[size-1].Key}.Encode()
		out.NextCursor = &next
	}
	for _, it := range items {
		if out.Items, err = s.appendUser(out.Items, it.Item); err != nil {
			return api.NewsPage{}, err
		}
	}
	return out, nil
}

// Get reads a published item (404 for a draft, a scheduled or an
// expired one).
func (s *Service) Get(ctx context.Context, id uuid.UUID) (api.NewsItem, error) {
	it, err := newsstore.Published(ctx, s.db, id, s.now())
	if err != nil {
		return api.NewsItem{}, notFound(err)
	}
	items, err := s.appendUser(nil, it)
	if err != nil {
		return api.NewsItem{}, err
	}
	return items[0], nil
}

// reader is the feed's reader of a profile: the language chain, and the
// country and sports only when the user may be profiled.
func reader(p Profile, fallback string) news.Reader {
	r := news.Reader{Languages: news.Languages(p.Language, fallback)}
	if !p.Personalised {
		return r
	}
	if c, err := news.NormalizeCountry(p.Country); err == nil {
		r.Country = c
	}
	for _, sp := range p.Sports {
		if sport.Valid(sp) && !slices.Contains(r.Sports, sp) {
			r.Sports = append(r.Sports, sp)
		}
	}
	return r
}

// html is the item's sanitised HTML: the stored one, or rendered again
// when an older renderer made it.
func (s *Service) html(it news.Item) (string, error) {
	if it.RenderVersion == news.RenderVersion {
		return it.HTML, nil
	}
	return s.render.Render(it.Body)
}

func (s *Service) appendUser(out []api.NewsItem, it news.Item) ([]api.NewsItem, error) {
	html, err := s.html(it)
	if err != nil {
		return nil, err
	}
	return append(out, api.NewsItem{ID: it.ID.String(), Title: it.Title, HTML: html, Language: it.Language, Sports: it.Sports,
		Regions: it.Regions, Pinned: it.Pinned, PublishedAt: *it.PublishAt, ExpiresAt: it.ExpiresAt}), nil
}

func (s *Service) admin(it news.Item, now time.Time) (api.AdminNews, error) {
	html, err := s.html(it)
	if err != nil {
		return api.AdminNews{}, err
	}
	return api.AdminNews{ID: it.ID.String(), Title: it.Title, Body: it.Body, BodyHTML: html, Language: it.Language,
		Sports: it.Sports, Regions: it.Regions, PublishAt: it.PublishAt, ExpiresAt: it.ExpiresAt, Pinned: it.Pinned,
		State: it.State(now), CreatedBy: it.CreatedBy.String(), CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt}, nil
}

func contentOf(d api.NewsDraft) news.Content {
	return news.Content{Title: d.Title, Body: d.Body, Language: d.Language, Sports: d.Sports, Regions: d.Regions,
		PublishAt: d.PublishAt, ExpiresAt: d.ExpiresAt, Pinned: d.Pinned}
}

func notFound(err error) error {
	if errors.Is(err, newsstore.ErrNotFound) {
		return bus.Errorf(bus.CodeNotFound, "no such news item")
	}
	return err
}
