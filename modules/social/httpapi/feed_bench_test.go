package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/internal/loadgen"
)

// seedFeed stores the feed read model straight into social.feed_items
// and social.follows, as the consumers and Follow leave them: owners
// athletes with perOwner finished sessions each (one in five private,
// two in five followers, the rest public; one in ten with a records
// card), over the last year, and user following the first follows of
// them. Then VACUUM ANALYZE (as autovacuum would), so the index-only
// scans need not visit the table.
func seedFeed(tb testing.TB, a *apptest.App, user string, owners, perOwner, follows int) {
	tb.Helper()
	ctx := context.Background()
	db, err := pgx.Connect(ctx, a.DBURL)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close(ctx)
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE owners ON COMMIT DROP AS
			SELECT gen_random_uuid() AS id, i FROM generate_series(1, $1) AS i`, owners); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO social.users (user_id, display_name, updated_at)
			SELECT id, 'Athlete ' || i, now() FROM owners`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO social.feed_items (item_id, kind, session_id, owner_id, sport, title, started_at,
				distance_m, moving_time_s, visibility, at, revision)
			SELECT s, 'session', s, id, (ARRAY['run','ride','swim','hike'])[1 + j % 4], 'Session ' || j,
				t - interval '1 hour', 5000 + j, 1800 + j,
				CASE WHEN j % 5 = 0 THEN 'private' WHEN j % 5 IN (1, 2) THEN 'followers' ELSE 'public' END, t, 1
			FROM (SELECT gen_random_uuid() AS s, o.id, j, now() - random() * interval '365 days' AS t
				FROM owners o, generate_series(1, $1) AS j) x`, perOwner); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO social.feed_items (item_id, kind, session_id, owner_id, sport, title, started_at,
				visibility, records, at)
			SELECT gen_random_uuid(), 'records', session_id, owner_id, sport, title, started_at, visibility,
				'[{"kind":"best_effort","distance_m":5000,"value":1500,"previous":1530}]', at + interval '1 second'
			FROM social.feed_items WHERE kind = 'session' AND (hashtext(item_id::text) % 10) = 0`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO social.follows (follower_id, followee_id, state)
			SELECT $1, id, 'active' FROM owners WHERE i <= $2`, user, follows)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := db.Exec(ctx, `VACUUM ANALYZE social.feed_items, social.follows, social.users`); err != nil {
		tb.Fatal(err)
	}
}

// benchGet returns a GET over HTTP as the user of token that fails the
// benchmark unless the answer is 200, and returns its body.
func benchGet(b *testing.B, a *apptest.App, token string) func(path string) []byte {
	return func(path string) []byte {
		q, err := http.NewRequest(http.MethodGet, a.BaseURL+path, nil)
		if err != nil {
			b.Fatal(err)
		}
		q.Header.Set("Authorization", "Bearer "+token)
		resp, err := a.Client.Do(q)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatal(resp.StatusCode, string(body))
		}
		return body
	}
}

// BenchmarkFeed measures GET /v1/feed over HTTP through the front, one
// request at a time, for a user who follows 200 of 1,000 athletes with
// 100 sessions each (100,000 session cards, and about 10,000 records
// cards): the first page, the second (cursor), and a page deep in the
// feed (after 2,000 cards); it reports the p50 and p99.
//
//	go test ./modules/social/httpapi -run '^$' -bench Feed -benchtime 2000x
func BenchmarkFeed(b *testing.B) {
	a := apptest.Start(b, "client", "social")
	tok := a.SignUp("ana@example.com")
	seedFeed(b, a, tok.UserID, 1000, 100, 200)
	get := benchGet(b, a, tok.AccessToken)
	type page struct {
		Items      []struct{} `json:"items"`
		NextCursor *string    `json:"next_cursor"`
	}
	after := func(n int) string {
		path := "/v1/feed?limit=100"
		for range n / 100 {
			var p page
			decodeJSON(b, get(path), &p)
			if p.NextCursor == nil {
				b.Fatal("the feed ended early")
			}
			path = "/v1/feed?limit=100&cursor=" + *p.NextCursor
		}
		var p page
		decodeJSON(b, get(path), &p)
		if len(p.Items) != 100 {
			b.Fatalf("a page of %d", len(p.Items))
		}
		return "/v1/feed?cursor=" + *p.NextCursor
	}
	var first page
	decodeJSON(b, get("/v1/feed"), &first)
	if len(first.Items) != 20 || first.NextCursor == nil {
		b.Fatalf("the first page has %d cards", len(first.Items))
	}
	for _, c := range []struct{ name, path string }{
		{"first-page", "/v1/feed"},
		{"second-page", "/v1/feed?cursor=" + *first.NextCursor},
		{"after-2000", after(2000)},
	} {
		b.Run(c.name, func(b *testing.B) {
			for range 20 {
				get(c.path) // warm up: connections, plans
			}
			h := &loadgen.Histogram{}
			b.ResetTimer()
			for range b.N {
				t := time.Now()
				get(c.path)
				h.Record(time.Since(t))
			}
			b.ReportMetric(float64(h.Quantile(0.5).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(h.Quantile(0.99).Microseconds())/1000, "p99-ms")
		})
	}
}
