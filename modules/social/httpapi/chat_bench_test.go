package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/internal/loadgen"
)

// historySize is how many messages BenchmarkChatHistory's group holds.
const historySize = 1_000_000

// BenchmarkChatHistory is a page of 50 messages of a group's history at
// any depth, as the app asks for it: GET /v1/groups/{id}/messages over HTTP
// through the front, the RPC, the membership check and the page with its
// reactions read in one snapshot, until the 200. The group has 1,000,000
// messages of 20 members (seeded with COPY; one in a hundred has
// reactions). Each sub-benchmark reports the 50th and 99th percentiles of
// the answers: before= and after= a uniformly random message, around= one,
// and the newest page.
//
//	go test ./modules/social/httpapi -run '^$' -bench ChatHistory -benchtime 2000x
func BenchmarkChatHistory(b *testing.B) {
	a := apptest.Start(b, "client", "social")
	ana := a.SignUp("ana@example.com")
	ctx := context.Background()
	db, err := pgx.Connect(ctx, a.DBURL)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close(ctx)
	group := uuid.Must(uuid.NewV7())
	senders := []uuid.UUID{uuid.MustParse(ana.UserID)}
	for len(senders) < 20 {
		senders = append(senders, uuid.Must(uuid.NewV7()))
	}
	if _, err := db.Exec(ctx, `INSERT INTO social.groups (id, owner_id, name, visibility, member_limit, member_count)
VALUES ($1, $2, 'A big club', 'public', 100000, 20)`, group, senders[0]); err != nil {
		b.Fatal(err)
	}
	for _, s := range senders {
		if _, err := db.Exec(ctx, `INSERT INTO social.members (group_id, user_id, role) VALUES ($1, $2, 'member')`, group, s); err != nil {
			b.Fatal(err)
		}
	}
	start := time.Now()
	t0 := time.Now().Add(-365 * 24 * time.Hour)
	n, err := db.CopyFrom(ctx, pgx.Identifier{"social", "messages"}, []string{"group_id", "id", "sender_id", "body", "reply_to", "created_at"},
		pgx.CopyFromFunc(func() func() ([]any, error) {
			i := int64(0)
			return func() ([]any, error) {
				if i == historySize {
					return nil, nil
				}
				i++
				var reply any
				if i%10 == 0 {
					reply = i - 3
				}
				return []any{group, i, senders[i%int64(len(senders))], fmt.Sprintf("Message %d: who is in for intervals on Tuesday? 6 x 800 m at 5k pace.", i),
					reply, t0.Add(time.Duration(i) * 30 * time.Second)}, nil
			}
		}()))
	if err != nil || n != historySize {
		b.Fatalf("seeding: %d rows, %v", n, err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO social.chat_groups (group_id, last_id) VALUES ($1, $2)`, group, historySize); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO social.message_reactions (group_id, message_id, emoji, user_id)
SELECT $1, k * 100, e, u FROM generate_series(1, $2::int / 100) k, unnest(ARRAY['👍','🔥','🎉']) e, unnest($3::uuid[]) u`,
		group, historySize, senders[:5]); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(ctx, `ANALYZE social.messages; ANALYZE social.message_reactions`); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d messages in %s", historySize, time.Since(start).Round(time.Millisecond))

	path := "/v1/groups/" + group.String() + "/messages?limit=50"
	for _, c := range []struct {
		name  string
		query func() string
	}{
		{"before", func() string { return fmt.Sprintf("&before=%d", 51+rand.Int64N(historySize-50)) }},
		{"after", func() string { return fmt.Sprintf("&after=%d", rand.Int64N(historySize-50)+1) }},
		{"around", func() string { return fmt.Sprintf("&around=%d", rand.Int64N(historySize)+1) }},
		{"newest", func() string { return "" }},
	} {
		b.Run(c.name, func(b *testing.B) {
			h := &loadgen.Histogram{}
			for b.Loop() {
				req, err := http.NewRequest(http.MethodGet, a.BaseURL+path+c.query(), nil)
				if err != nil {
					b.Fatal(err)
				}
				req.Header.Set("Authorization", "Bearer "+ana.AccessToken)
				began := time.Now()
				resp, err := a.Client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				h.Record(time.Since(began))
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
			b.ReportMetric(float64(h.Quantile(0.5).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(h.Quantile(0.99).Microseconds())/1000, "p99-ms")
		})
	}
}
