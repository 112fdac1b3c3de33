package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/internal/loadgen"
	"github.com/athlos/athlos/modules/gamification/api"
	"github.com/athlos/athlos/modules/gamification/internal/challenge"
)

// seedParticipants stores n participants of the challenge id straight into
// the module's tables, as the applier leaves them: a user row each (one in
// ten opted out of leaderboards) and a distance in whole kilometres from
// 1 to 500 (so there are many ties), then the challenge's counters and
// VACUUM ANALYZE (as autovacuum would).
func seedParticipants(tb testing.TB, a *apptest.App, id string, n int) {
	tb.Helper()
	ctx := context.Background()
	db, err := pgx.Connect(ctx, a.DBURL)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close(ctx)
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE seeded ON COMMIT DROP AS
			SELECT gen_random_uuid() AS id, i, (1 + floor(random() * 500)) * 1000 AS v FROM generate_series(1, $1) AS i`, n); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO gamification.users (user_id, display_name, show_in_leaderboards, updated_at)
			SELECT id, 'Athlete ' || i, i % 10 <> 0, now() FROM seeded`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO gamification.challenge_participants (challenge_id, user_id, joined_at, value, score)
			SELECT $1, id, now() - interval '1 day', v, v FROM seeded`, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE gamification.challenges SET participants = participants + $2, ranked = ranked + $2 WHERE id = $1`, id, n)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := db.Exec(ctx, `VACUUM ANALYZE gamification.challenge_participants, gamification.users`); err != nil {
		tb.Fatal(err)
	}
}

// setValue gives the user, a participant without a value, the distance
// value in the challenge (as the applier would).
func setValue(tb testing.TB, a *apptest.App, id, user string, v float64) {
	tb.Helper()
	_, err := a.DB(tb).Exec(context.Background(), `WITH p AS (UPDATE gamification.challenge_participants SET value = $3, score = $3
		WHERE challenge_id = $1 AND user_id = $2 AND value IS NULL RETURNING challenge_id)
		UPDATE gamification.challenges c SET ranked = ranked + 1 FROM p WHERE c.id = p.challenge_id`, id, user, v)
	if err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkChallengeLeaderboard measures GET /v1/challenges/{id}/leaderboard
// over HTTP through the front, one request at a time, on a challenge of
// 100,000 participants: the top page for a participant in the middle
// (whose own rank is counted too), for the last one (the longest count),
// and a page 50,000 entries down (cursor); it reports the p50 and p99.
//
//	go test ./modules/gamification/httpapi -run '^$' -bench ChallengeLeaderboard -benchtime 2000x
func BenchmarkChallengeLeaderboard(b *testing.B) {
	a := apptest.Start(b, "client", "gamification")
	admin := platformAdmin(b, a, "admin@example.com")
	mid, last := signUp(b, a, "mid@example.com"), signUp(b, a, "last@example.com")
	from, to := window()
	c := create(b, a, admin, map[string]any{"title": "Big month", "kind": "most_activity", "metric": "distance", "starts_at": from, "ends_at": to})
	for _, u := range []user{mid, last} {
		if r := a.Do(http.MethodPost, "/v1/challenges/"+c.ID+"/join", u.token, nil); r.Status != http.StatusOK {
			b.Fatal(r.Status, string(r.Body))
		}
	}
	seedParticipants(b, a, c.ID, 100_000-2)
	setValue(b, a, c.ID, mid.id, 250_000)
	setValue(b, a, c.ID, last.id, 500)

	board := "/v1/challenges/" + c.ID + "/leaderboard"
	var deep string
	{
		var key struct {
			Score float64
			ID    uuid.UUID
		}
		err := a.DB(b).QueryRow(context.Background(), `SELECT score, user_id FROM gamification.challenge_participants
			WHERE challenge_id = $1 AND score IS NOT NULL ORDER BY score DESC, user_id DESC OFFSET 50000 LIMIT 1`, c.ID).Scan(&key.Score, &key.ID)
		if err != nil {
			b.Fatal(err)
		}
		deep = board + "?cursor=" + challenge.ScoreCursor(key.Score, key.ID)
	}
	for _, tc := range []struct {
		name, path string
		who        user
		you        bool
	}{
		{"top-page-caller-in-the-middle", board, mid, true},
		{"top-page-caller-last", board, last, true},
		{"page-at-50000", deep, admin, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			get := func() api.ChallengeLeaderboard {
				q, err := http.NewRequest(http.MethodGet, a.BaseURL+tc.path, nil)
				if err != nil {
					b.Fatal(err)
				}
				q.Header.Set("Authorization", "Bearer "+tc.who.token)
				resp, err := a.Client.Do(q)
				if err != nil {
					b.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatal(resp.StatusCode, string(body))
				}
				var out api.ChallengeLeaderboard
				if err := json.Unmarshal(body, &out); err != nil {
					b.Fatal(err)
				}
				return out
			}
			first := get()
			// 9,999 of the seeded opted out: not listed (mid and last may
			// be, as the module knows their profiles).
			if len(first.Items) != 20 || first.Ranked < 89_999 || first.Ranked > 90_001 || (tc.you && (first.You == nil || first.You.Rank == 0)) {
				b.Fatalf("unexpected answer: %d items, %d ranked, you %+v", len(first.Items), first.Ranked, first.You)
			}
			for range 20 {
				get() // warm up: connections, plans
			}
			h := &loadgen.Histogram{}
			b.ResetTimer()
			for range b.N {
				t := time.Now()
				get()
				h.Record(time.Since(t))
			}
			b.ReportMetric(float64(h.Quantile(0.5).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(h.Quantile(0.99).Microseconds())/1000, "p99-ms")
		})
	}
}
