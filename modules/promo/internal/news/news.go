// Package news is the domain of promo's news: what an admin may write (a
// title, a Markdown body, a language, sport and region tags, a schedule,
// a pin), how a body becomes sanitised HTML, which language a user reads
// (their own, its base language, then the default), and the position in
// a ranked feed (the cursor). It has no SQL, NATS or fx in it.
package news

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/text/language"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/athlos/athlos/internal/kit/patch"
	"github.com/athlos/athlos/internal/kit/sport"
	"github.com/athlos/athlos/modules/promo/api"
)

// DefaultLanguage is the last fallback of every user's feed.
const DefaultLanguage = "en"

// States of an item at a time.
const (
	StateDraft     = "draft"     // no publish time: nobody sees it
	StateScheduled = "scheduled" // publish time in the future
	StatePublished = "published" // publish time passed, not expired
	StateExpired   = "expired"   // expiry passed
)

// States lists the states.
func States() []string { return []string{StateDraft, StateScheduled, StatePublished, StateExpired} }

// Content is what an admin writes of an item.
type Content struct {
	Title     string
	Body      string // Markdown
	Language  string // BCP 47, canonical
	Sports    []string
	Regions   []string // ISO 3166-1 alpha-2, upper case
	PublishAt *time.Time
	ExpiresAt *time.Time
	Pinned    bool
}

// Item is a stored news item.
type Item struct {
	ID uuid.UUID
	Content
	// HTML is Body rendered by the renderer of RenderVersion (stored on
	// save).
	HTML          string
	RenderVersion int
	CreatedBy     uuid.UUID
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// State is the item's state at now: published from PublishAt inclusive
// to ExpiresAt exclusive.
func (it Item) State(now time.Time) string {
	switch {
	case it.PublishAt == nil:
		return StateDraft
	case now.Before(*it.PublishAt):
		return StateScheduled
	case it.ExpiresAt != nil && !now.Before(*it.ExpiresAt):
		return StateExpired
	}
	return StatePublished
}

// Normalize checks c and returns it in its stored form: title trimmed,
// language canonical, tags deduplicated and ordered (sports in the app's
// order, regions alphabetically), times in UTC to the microsecond. The
// error is a fielderr.Error naming the JSON field.
func Normalize(c Content) (Content, error) {
	c.Title = strings.TrimSpace(c.Title)
	switch n := utf8.RuneCountInString(c.Title); {
	case n == 0:
		return c, fielderr.New("title", "must not be empty")
	case n > api.NewsTitleMaxChars:
		return c, fielderr.New("title", "must be at most %d characters (it has %d)", api.NewsTitleMaxChars, n)
	case strings.ContainsFunc(c.Title, unicode.IsControl):
		return c, fielderr.New("title", "must not contain control characters")
	}
	switch {
	case strings.TrimSpace(c.Body) == "":
		return c, fielderr.New("body", "must not be empty")
	case len(c.Body) > api.NewsBodyMaxBytes:
		return c, fielderr.New("body", "must be at most %d bytes of Markdown (it has %d)", api.NewsBodyMaxBytes, len(c.Body))
	case strings.ContainsRune(c.Body, 0):
		return c, fielderr.New("body", "must not contain NUL characters")
	}
	lang, err := NormalizeLanguage(c.Language)
	if err != nil {
		return c, fielderr.New("language", "%s", err.Error())
	}
	c.Language = lang
	if c.Sports, err = normalizeSports(c.Sports); err != nil {
		return c, err
	}
	if c.Regions, err = normalizeRegions(c.Regions); err != nil {
		return c, err
	}
	c.PublishAt, c.ExpiresAt = utcMicro(c.PublishAt), utcMicro(c.ExpiresAt)
	for field, t := range map[string]*time.Time{"publish_at": c.PublishAt, "expires_at": c.ExpiresAt} {
		if t != nil && (t.Year() < 2000 || t.Year() > 9999) {
			return c, fielderr.New(field, "must be between the years 2000 and 9999")
		}
	}
	switch {
	case c.ExpiresAt != nil && c.PublishAt == nil:
		return c, fielderr.New("expires_at", "needs publish_at (a draft has no expiry; clear expires_at or set publish_at)")
	case c.ExpiresAt != nil && !c.ExpiresAt.After(*c.PublishAt):
		return c, fielderr.New("expires_at", "must be after publish_at (%s)", c.PublishAt.Format(time.RFC3339Nano))
	}
	return c, nil
}

// NormalizeLanguage returns s as a canonical BCP 47 tag ("pt-br" gives
// "pt-BR"), or an error saying why it is not one.
func NormalizeLanguage(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("must be a BCP 47 language tag such as en or pt-BR")
	}
	if len(s) > api.NewsLanguageMax {
		return "", fmt.Errorf("must be at most %d characters", api.NewsLanguageMax)
	}
	tag, err := language.Parse(s)
	if err != nil {
		return "", fmt.Errorf("%q is not a BCP 47 language tag", s)
	}
	if _, conf := tag.Base(); conf == language.No || tag == language.Und {
		return "", fmt.Errorf("%q names no language", s)
	}
	return tag.String(), nil
}

// Languages is the fallback chain of a user's language: the language
// itself, its base language (pt for pt-BR, zh for zh-Hant), then def. An
// unknown or invalid language gives def alone.
func Languages(lang, def string) []string {
	out := []string{}
	if l, err := NormalizeLanguage(lang); err == nil {
		out = append(out, l)
		tag := language.Make(l)
		if base, _ := tag.Base(); base.String() != l {
			out = append(out, base.String())
		}
	}
	if !slices.Contains(out, def) {
		out = append(out, def)
	}
	return out
}

func normalizeSports(in []string) ([]string, error) {
	if len(in) > api.NewsMaxSports {
		return nil, fielderr.New("sports", "at most %d sports", api.NewsMaxSports)
	}
	out := []string{}
	for i, s := range in {
		if !sport.Valid(s) {
			return nil, fielderr.New(fmt.Sprintf("sports[%d]", i), "%q is not a sport; one of %s", s, strings.Join(sport.All(), ", "))
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return sport.Index(a) - sport.Index(b) })
	return out, nil
}

func normalizeRegions(in []string) ([]string, error) {
	if len(in) > api.NewsMaxRegions {
		return nil, fielderr.New("regions", "at most %d regions", api.NewsMaxRegions)
	}
	out := []string{}
	for i, r := range in {
		c, err := NormalizeCountry(r)
		if err != nil {
			return nil, fielderr.New(fmt.Sprintf("regions[%d]", i), "%s", err.Error())
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out, nil
}

// NormalizeCountry returns s as an ISO 3166-1 alpha-2 country code in
// upper case ("de" gives "DE"), or an error: not two letters, not a
// country ("EU", "UN"), or not assigned ("ZZ", "UK").
func NormalizeCountry(s string) (string, error) {
	up := strings.ToUpper(s)
	if len(up) != 2 || strings.IndexFunc(up, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		return "", fmt.Errorf("%q is not an ISO 3166-1 alpha-2 country code such as DE", s)
	}
	r, err := language.ParseRegion(up)
	if err != nil || !r.IsCountry() || r.String() != up {
		return "", fmt.Errorf("%q is not an ISO 3166-1 alpha-2 country code", s)
	}
	return up, nil
}

func utcMicro(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Microsecond)
	return &u
}

// Changes is a merge patch of an item's content: nil (absent) keeps a
// field; PublishAt and ExpiresAt may also be null (cleared).
type Changes struct {
	Title     *string
	Body      *string
	Language  *string
	Sports    *[]string
	Regions   *[]string
	PublishAt patch.Field[time.Time]
	ExpiresAt patch.Field[time.Time]
	Pinned    *bool
}

// Apply returns c changed by ch (to be normalised again).
func (c Content) Apply(ch Changes) Content {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.Title, ch.Title)
	set(&c.Body, ch.Body)
	set(&c.Language, ch.Language)
	if ch.Sports != nil {
		c.Sports = *ch.Sports
	}
	if ch.Regions != nil {
		c.Regions = *ch.Regions
	}
	patch.Apply(ch.PublishAt, &c.PublishAt)
	patch.Apply(ch.ExpiresAt, &c.ExpiresAt)
	if ch.Pinned != nil {
		c.Pinned = *ch.Pinned
	}
	return c
}

// Reader is what the feed knows of the user it ranks for.
type Reader struct {
	// Languages is the fallback chain (Languages).
	Languages []string
	// Country and Sports rank items tagged with them higher; both are
	// empty when the user may not be profiled (objected, a minor, age
	// unknown): the feed is then pinned first, newest next.
	Country string
	Sports  []string
}
