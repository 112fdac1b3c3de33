package httpapi_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/internal/loadgen"
)

// seedGroups stores n groups straight into social.groups, as
// CreateGroup leaves them: around 500 cities (scattered within ~30 km
// of each), a sport or two each, a goal, one in five private, one in
// ten with no place. The owner is made a member of each.
func seedGroups(tb testing.TB, a *apptest.App, owner string, n int) {
	tb.Helper()
	ctx := context.Background()
	db, err := pgx.Connect(ctx, a.DBURL)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close(ctx)
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE seed ON COMMIT DROP AS
			SELECT gen_random_uuid() AS id, i,
			  -50 + ((i % 500) * 37 % 110) + (random() - 0.5) * 0.5 AS lat,
			  -170 + ((i % 500) * 53 % 340) + (random() - 0.5) * 0.7 AS lon
			FROM generate_series(1, $1) AS i`, n); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO social.groups (id, owner_id, name, description, sports, goals, place, radius_m,
			  visibility, member_limit, member_count)
			SELECT id, $1, 'Club ' || i, 'A group of the benchmark, number ' || i,
			  ARRAY[(ARRAY['run','ride','swim','hike','trail_run','yoga'])[1 + i % 6]],
			  ARRAY[(ARRAY['first marathon','weight loss','morning runs','10k'])[1 + i % 4]],
			  CASE WHEN i % 10 = 0 THEN NULL ELSE ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography END,
			  CASE WHEN i % 10 = 0 THEN NULL ELSE 5000 END,
			  CASE WHEN i % 5 = 0 THEN 'private' ELSE 'public' END, 10000, 1
			FROM seed`, owner); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO social.members (group_id, user_id, role) SELECT id, $1, 'owner' FROM seed`, owner)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := db.Exec(ctx, `ANALYZE social.groups, social.members`); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkSearchGroups measures GET /v1/groups over HTTP through the
// front, one request at a time, over 100,000 groups: near a city within
// 25 km (the figure), the same with a sport, the second page of
// it, a text search and the newest first; it reports the p50 and p99.
//
//	go test ./modules/social/httpapi -run '^$' -bench SearchGroups -benchtime 2000x
func BenchmarkSearchGroups(b *testing.B) {
	a := apptest.Start(b, "client", "social")
	tok := a.SignUp("ana@example.com")
	bob := a.SignUp("bob@example.com")
	seedGroups(b, a, tok.UserID, 100_000)
	get := benchGet(b, a, bob.AccessToken)
	// Cities: where the seed put its groups.
	near := func(r *rand.Rand) string {
		i := r.IntN(500)
		return fmt.Sprintf("%.4f,%.4f", -50+float64(i*37%110)+(r.Float64()-0.5)*0.2, -170+float64(i*53%340)+(r.Float64()-0.5)*0.2)
	}
	second := func(r *rand.Rand) string {
		q := url.Values{"near": {near(r)}, "radius_m": {"25000"}}
		var page struct {
			NextCursor *string `json:"next_cursor"`
		}
		decodeJSON(b, get("/v1/groups?"+q.Encode()), &page)
		if page.NextCursor != nil {
			q.Set("cursor", *page.NextCursor)
		}
		return "/v1/groups?" + q.Encode()
	}
	for _, c := range []struct {
		name string
		path func(r *rand.Rand) string
	}{
		{"near-25km", func(r *rand.Rand) string { return "/v1/groups?near=" + near(r) + "&radius_m=25000" }},
		{"near-25km-sport", func(r *rand.Rand) string { return "/v1/groups?sport=run&near=" + near(r) + "&radius_m=25000" }},
		{"near-25km-page-2", second},
		{"text", func(r *rand.Rand) string { return fmt.Sprintf("/v1/groups?q=club+%d", 100+r.IntN(900)) }},
		{"newest", func(*rand.Rand) string { return "/v1/groups" }},
	} {
		b.Run(c.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			paths := make([]string, 256)
			for i := range paths {
				paths[i] = c.path(r)
			}
			for i := range 20 {
				get(paths[i]) // warm up: connections, plans
			}
			h := &loadgen.Histogram{}
			b.ResetTimer()
			for i := range b.N {
				t := time.Now()
				get(paths[i%len(paths)])
				h.Record(time.Since(t))
			}
			b.ReportMetric(float64(h.Quantile(0.5).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(h.Quantile(0.99).Microseconds())/1000, "p99-ms")
		})
	}
}
