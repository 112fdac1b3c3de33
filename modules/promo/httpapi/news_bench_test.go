package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/internal/kit/sport"
	"github.com/athlos/athlos/internal/loadgen"
	"github.com/athlos/athlos/modules/promo/api"
	"github.com/athlos/athlos/modules/promo/internal/news"
)

// seedNews stores n news items straight into promo.news, as admins would
// leave them: in 5 languages (en, de, fr, es, pt-BR) equally, published at
// random times over the last 180 days (one in 20 still scheduled, one in
// 10 expired: all of them in English), one in 50 pinned, up to 3 sport and 3 region tags each, a
// body of about 1.5 KB rendered to HTML; then VACUUM ANALYZE (as
// autovacuum would).
func seedNews(tb testing.TB, a *newsApp, n int) {
	tb.Helper()
	r := news.NewRenderer()
	body := "# Spring ride\n\n**Ride** with us around the lake: [details](https://example.com/spring).\n\n"
	for range 12 {
		body += "Bring a helmet, lights and something to drink; we meet at the harbour and ride at an easy pace. \n"
	}
	html, err := r.Render(body)
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	db, err := pgx.Connect(ctx, a.DBURL)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close(ctx)
	_, err = db.Exec(ctx, `INSERT INTO promo.news (id, title, body, body_html, render_version, language, sports, sports_mask, regions,
			publish_at, expires_at, pinned, created_by, created_at, updated_at)
		SELECT gen_random_uuid(), 'News ' || i, $2, $3, $4, (ARRAY['en', 'de', 'fr', 'es', 'pt-BR'])[1 + i % 5], t.sports,
			-- the sports as bits, as the store keeps them (news.SportsMask)
			(SELECT coalesce(sum(1 << (array_position($5::text[], s) - 1)), 0) FROM unnest(t.sports) AS s)::int,
			t.regions, p.at, CASE WHEN i % 10 = 0 THEN p.at + interval '1 day' END, i % 50 = 0, gen_random_uuid(), now(), now()
		FROM generate_series(1, $1) AS i
		CROSS JOIN LATERAL (SELECT CASE WHEN i % 20 = 0 THEN now() + interval '1 day' * random() * 10
			ELSE now() - interval '1 day' * random() * 180 END AS at) p
		CROSS JOIN LATERAL (SELECT
			(SELECT coalesce(array_agg(s), '{}') FROM (SELECT s FROM unnest(ARRAY['run', 'ride', 'swim', 'hike', 'yoga', 'ski']) s
				WHERE i > 0 ORDER BY random() LIMIT floor(random() * 4)::int) x) AS sports,
			(SELECT coalesce(array_agg(c), '{}') FROM (SELECT c FROM unnest(ARRAY['DE', 'AT', 'CH', 'FR', 'ES', 'BR', 'PT', 'US']) c
				WHERE i > 0 ORDER BY random() LIMIT floor(random() * 4)::int) x) AS regions) t`,
		n, body, html, news.RenderVersion, sport.All())
	if err != nil {
		tb.Fatal(err)
	}
	// VACUUM marks the pages all-visible (so the ranking is an index-only
	// scan, as on a table autovacuum keeps) once no transaction older than
	// the insert is open: the app's own may be, for a moment.
	for try := 0; ; try++ {
		var pages, visible int
		if _, err := db.Exec(ctx, `VACUUM ANALYZE promo.news`); err != nil {
			tb.Fatal(err)
		}
		if err := db.QueryRow(ctx, `SELECT relpages, relallvisible FROM pg_class WHERE oid = 'promo.news'::regclass`).Scan(&pages, &visible); err != nil {
			tb.Fatal(err)
		}
		if visible >= pages || try == 50 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// BenchmarkNewsFeed measures GET /v1/news over HTTP through the front,
// one request at a time, with 10,000 items in 5 languages (2,000 each):
// the first page (20 items) for an adult ranked by their sports and
// country, for a minor (pinned, then newest), for a pt-BR reader, 100
// items at once, and a page 1,000 items down (cursor); it reports the
// p50 and p99.
//
//	go test ./modules/promo/httpapi -run '^$' -bench NewsFeed -benchtime 2000x
func BenchmarkNewsFeed(b *testing.B) {
	a := startNews(b)
	adult := a.signUp("ana@example.com", "de", "AT", "1990-04-01")
	a.sessions(adult, "ride", 3)
	minor := a.signUp("ben@example.com", "de", "AT", time.Now().AddDate(-16, 0, 0).Format(time.DateOnly))
	lia := a.signUp("lia@example.com", "pt-BR", "BR", "1985-01-01")
	seedNews(b, a, 10_000)

	get := func(u newsUser, query string) api.NewsPage {
		q, err := http.NewRequest(http.MethodGet, a.BaseURL+"/v1/news"+query, nil)
		if err != nil {
			b.Fatal(err)
		}
		q.Header.Set("Authorization", "Bearer "+u.token)
		resp, err := a.Client.Do(q)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatal(resp.StatusCode, string(body))
		}
		var out api.NewsPage
		if err := json.Unmarshal(body, &out); err != nil {
			b.Fatal(err)
		}
		return out
	}
	deep := ""
	for range 50 {
		p := get(adult, "?limit=20"+deep)
		deep = "&cursor=" + *p.NextCursor
	}
	for _, tc := range []struct {
		name, query string
		who         newsUser
		items       int
		lang        string
	}{
		{"first-page-personalised", "", adult, 20, "de"},
		{"first-page-minor", "", minor, 20, "de"},
		{"first-page-pt-BR", "", lia, 20, "pt-BR"},
		{"100-items", "?limit=100", adult, 100, "de"},
		{"page-at-1000", "?limit=20" + deep, adult, 20, "de"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			if p := get(tc.who, tc.query); len(p.Items) != tc.items || p.Language != tc.lang {
				b.Fatalf("unexpected answer: %d items in %s", len(p.Items), p.Language)
			}
			for range 20 {
				get(tc.who, tc.query) // warm up: connections, plans
			}
			h := &loadgen.Histogram{}
			b.ResetTimer()
			for range b.N {
				t := time.Now()
				get(tc.who, tc.query)
				h.Record(time.Since(t))
			}
			b.ReportMetric(float64(h.Quantile(0.5).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(h.Quantile(0.99).Microseconds())/1000, "p99-ms")
		})
	}
}
