package news_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/athlos/athlos/internal/kit/patch"
	"github.com/athlos/athlos/internal/kit/sport"
	"github.com/athlos/athlos/modules/promo/api"
	"github.com/athlos/athlos/modules/promo/internal/news"
)

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func valid() news.Content {
	return news.Content{Title: "  Spring run  ", Body: "**Run** with us", Language: "pt-br", Sports: []string{"ride", "run", "run"},
		Regions: []string{"pt", "BR", "PT"}, PublishAt: at("2026-12-01T10:00:00.1234567+01:00"), ExpiresAt: at("2026-12-31T00:00:00Z")}
}

// Normalize keeps a valid item in its stored form: trimmed title,
// canonical language, tags deduplicated and ordered, UTC microseconds.
func TestNormalize(t *testing.T) {
	c, err := news.Normalize(valid())
	require.NoError(t, err)
	assert.Equal(t, "Spring run", c.Title)
	assert.Equal(t, "pt-BR", c.Language)
	assert.Equal(t, []string{"run", "ride"}, c.Sports)
	assert.Equal(t, []string{"BR", "PT"}, c.Regions)
	assert.Equal(t, "2026-12-01T09:00:00.123456Z", c.PublishAt.Format(time.RFC3339Nano))

	c = valid()
	c.Sports, c.Regions, c.PublishAt, c.ExpiresAt = nil, nil, nil, nil
	c, err = news.Normalize(c)
	require.NoError(t, err)
	assert.Equal(t, []string{}, c.Sports)
	assert.Equal(t, []string{}, c.Regions)

	c = valid()
	c.Title = strings.Repeat("é", api.NewsTitleMaxChars)
	c.Body = strings.Repeat("b", api.NewsBodyMaxBytes)
	_, err = news.Normalize(c)
	require.NoError(t, err, "the limits themselves are allowed")
}

// Every bad field is refused, naming it.
func TestNormalizeRefuses(t *testing.T) {
	many := func(n int, f func(i int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	for _, b := range []struct {
		field string
		edit  func(c *news.Content)
	}{
		{"title", func(c *news.Content) { c.Title = "" }},
		{"title", func(c *news.Content) { c.Title = " \t " }},
		{"title", func(c *news.Content) { c.Title = strings.Repeat("t", api.NewsTitleMaxChars+1) }},
		{"title", func(c *news.Content) { c.Title = "a\x00b" }},
		{"title", func(c *news.Content) { c.Title = "line\nbreak" }},
		{"body", func(c *news.Content) { c.Body = "" }},
		{"body", func(c *news.Content) { c.Body = "\n \n" }},
		{"body", func(c *news.Content) { c.Body = strings.Repeat("b", api.NewsBodyMaxBytes+1) }},
		{"body", func(c *news.Content) { c.Body = "nul \x00 byte" }},
		{"language", func(c *news.Content) { c.Language = "" }},
		{"language", func(c *news.Content) { c.Language = "english" }},
		{"language", func(c *news.Content) { c.Language = "en_US!" }},
		{"language", func(c *news.Content) { c.Language = "und" }},
		{"language", func(c *news.Content) { c.Language = "x-private" }},
		{"language", func(c *news.Content) { c.Language = strings.Repeat("a", 36) }},
		{"sports[1]", func(c *news.Content) { c.Sports = []string{"run", "quidditch"} }},
		{"sports[0]", func(c *news.Content) { c.Sports = []string{"Run"} }},
		{"sports", func(c *news.Content) { c.Sports = many(api.NewsMaxSports+1, func(int) string { return "run" }) }},
		{"regions[0]", func(c *news.Content) { c.Regions = []string{"EU"} }},
		{"regions[0]", func(c *news.Content) { c.Regions = []string{"ZZ"} }},
		{"regions[1]", func(c *news.Content) { c.Regions = []string{"DE", "DEU"} }},
		{"regions[0]", func(c *news.Content) { c.Regions = []string{"1A"} }},
		{"regions", func(c *news.Content) { c.Regions = many(api.NewsMaxRegions+1, func(int) string { return "DE" }) }},
		{"expires_at", func(c *news.Content) { c.PublishAt = nil }},
		{"expires_at", func(c *news.Content) { c.ExpiresAt = c.PublishAt }},
		{"expires_at", func(c *news.Content) { c.ExpiresAt = at("2026-11-30T00:00:00Z") }},
		{"publish_at", func(c *news.Content) { c.PublishAt = at("1999-12-31T23:59:59Z") }},
	} {
		c := valid()
		b.edit(&c)
		_, err := news.Normalize(c)
		var fe *fielderr.Error
		require.ErrorAs(t, err, &fe, "%s: %+v", b.field, c)
		assert.Equal(t, b.field, fe.Field, fe.Reason)
	}
}

func TestLanguages(t *testing.T) {
	assert.Equal(t, []string{"pt-BR", "pt", "en"}, news.Languages("pt-BR", "en"))
	assert.Equal(t, []string{"pt-BR", "pt", "en"}, news.Languages("pt-br", "en"))
	assert.Equal(t, []string{"zh-Hant", "zh", "en"}, news.Languages("zh-Hant", "en"))
	assert.Equal(t, []string{"de", "en"}, news.Languages("de", "en"))
	assert.Equal(t, []string{"en"}, news.Languages("en", "en"))
	assert.Equal(t, []string{"en-GB", "en"}, news.Languages("en-GB", "en"))
	assert.Equal(t, []string{"en"}, news.Languages("", "en"), "an unknown language reads the default")
	assert.Equal(t, []string{"en"}, news.Languages("not a language", "en"))
	assert.Equal(t, []string{"fr", "de"}, news.Languages("fr", "de"))
}

func TestStates(t *testing.T) {
	it := news.Item{Content: news.Content{PublishAt: at("2026-12-01T10:00:00Z"), ExpiresAt: at("2026-12-02T10:00:00Z")}}
	assert.Equal(t, news.StateScheduled, it.State(at("2026-12-01T09:59:59.999999Z").UTC()))
	assert.Equal(t, news.StatePublished, it.State(*at("2026-12-01T10:00:00Z")), "from publish_at inclusive")
	assert.Equal(t, news.StatePublished, it.State(*at("2026-12-02T09:59:59.999999Z")))
	assert.Equal(t, news.StateExpired, it.State(*at("2026-12-02T10:00:00Z")), "to expires_at exclusive")
	it.ExpiresAt = nil
	assert.Equal(t, news.StatePublished, it.State(*at("2099-01-01T00:00:00Z")))
	it.PublishAt = nil
	assert.Equal(t, news.StateDraft, it.State(*at("2026-12-01T10:00:00Z")))
}

// A merge patch changes the fields given; publish_at and expires_at can
// be cleared.
func TestApply(t *testing.T) {
	c := valid()
	title, pinned, sports := "New", true, []string{"swim"}
	got := c.Apply(news.Changes{Title: &title, Pinned: &pinned, Sports: &sports, ExpiresAt: patch.Null[time.Time]()})
	assert.Equal(t, "New", got.Title)
	assert.True(t, got.Pinned)
	assert.Equal(t, []string{"swim"}, got.Sports)
	assert.Nil(t, got.ExpiresAt)
	assert.Equal(t, c.Body, got.Body)
	assert.Equal(t, c.PublishAt, got.PublishAt)
	assert.Equal(t, c.Regions, got.Regions)
	got = c.Apply(news.Changes{PublishAt: patch.Val(*at("2027-01-01T00:00:00Z"))})
	assert.Equal(t, *at("2027-01-01T00:00:00Z"), *got.PublishAt)
}

func TestFeedCursor(t *testing.T) {
	c := news.FeedCursor{Language: "pt-BR", Country: "BR", Sports: []string{"run", "swim"},
		After: news.Key{Pinned: true, Relevance: 3, PublishAt: at("2026-12-01T10:00:00.123456Z").UTC(), ID: uuid.New()}}
	got, err := news.ParseFeedCursor(c.Encode())
	require.NoError(t, err)
	assert.Equal(t, c, got)
	assert.LessOrEqual(t, len(c.Encode()), 128, "fits the query's maxLength")
	r := got.Reader(true)
	assert.Equal(t, news.Reader{Languages: []string{"pt-BR"}, Country: "BR", Sports: []string{"run", "swim"}}, r)
	assert.Equal(t, news.Reader{Languages: []string{"pt-BR"}}, got.Reader(false), "no profiling after an objection")

	c = news.FeedCursor{Language: "en", After: news.Key{PublishAt: time.Unix(0, 0).UTC()}}
	got, err = news.ParseFeedCursor(c.Encode())
	require.NoError(t, err)
	assert.Equal(t, c, got)

	raw, _ := base64.RawURLEncoding.DecodeString(c.Encode())
	tamper := func(f func(b []byte) []byte) string {
		b := append([]byte(nil), raw...)
		return base64.RawURLEncoding.EncodeToString(f(b))
	}
	for _, bad := range []string{"", "!!!", "AAAA", base64.RawURLEncoding.EncodeToString(make([]byte, 40)),
		tamper(func(b []byte) []byte { b[0] = 2; return b }),
		tamper(func(b []byte) []byte { b[1] = 7; return b }),
		tamper(func(b []byte) []byte { b[2] = 200; return b }),
		tamper(func(b []byte) []byte { b[3] = 0xff; return b }),
		tamper(func(b []byte) []byte { b[5], b[6] = 'Z', 'Z'; return b }),
		tamper(func(b []byte) []byte { return append(b[:31], "not a language"...) }),
		tamper(func(b []byte) []byte { return b[:31] }),
		news.AdminCursor(time.Now(), uuid.New()),
	} {
		_, err := news.ParseFeedCursor(bad)
		var fe *fielderr.Error
		require.ErrorAs(t, err, &fe, "%q", bad)
		assert.Equal(t, "cursor", fe.Field)
	}
}

func TestAdminCursor(t *testing.T) {
	id, when := uuid.New(), at("2026-12-01T10:00:00.123456Z").UTC()
	gotAt, gotID, err := news.ParseAdminCursor(news.AdminCursor(when, id))
	require.NoError(t, err)
	assert.Equal(t, when, gotAt)
	assert.Equal(t, id, gotID)
	for _, bad := range []string{"", "x", "AAAA", base64.RawURLEncoding.EncodeToString(make([]byte, 23))} {
		_, _, err := news.ParseAdminCursor(bad)
		var fe *fielderr.Error
		require.ErrorAs(t, err, &fe, "%q", bad)
		assert.Equal(t, "cursor", fe.Field)
	}
}

func TestSportsMask(t *testing.T) {
	assert.Equal(t, int32(0), news.SportsMask(nil))
	assert.Equal(t, int32(1), news.SportsMask([]string{"run"}))
	assert.Equal(t, int32(1|1<<3), news.SportsMask([]string{"hike", "run", "run", "chess"}))
	assert.Equal(t, int32(1<<12-1), news.SportsMask(sport.All()))
}
