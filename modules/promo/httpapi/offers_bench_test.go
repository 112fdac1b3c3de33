package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/internal/loadgen"
	loadoffers "github.com/athlos/athlos/internal/loadgen/offers"
	"github.com/athlos/athlos/modules/promo/api"
	"github.com/athlos/athlos/modules/promo/internal/facts/factstest"
)

// BenchmarkOffers measures GET /v1/offers over HTTP through the front with
// 1,000 active offers (a third untargeted, the others with one to three
// rules of every kind) and 100,000 users in the read model; 20 readers
// registered over HTTP take the facts of seeded users. It reports the
// p50 and p99, one request at a time and four at a time.
//
//	go test ./modules/promo/httpapi -run '^$' -bench Offers -benchtime 2000x
func BenchmarkOffers(b *testing.B) {
	a := apptest.Start(b, "client", "promo")
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, a.DBURL)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	seeded, err := factstest.Seed(ctx, pool, 100_000, 1)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := loadoffers.InsertOffers(ctx, pool, loadoffers.Definitions(1000, 1, time.Now())); err != nil {
		b.Fatal(err)
	}
	tokens := make([]string, 20)
	ids := make([]uuid.UUID, len(tokens))
	for i := range tokens {
		tok := a.SignUp(fmt.Sprintf("reader%d@example.com", i))
		tokens[i] = tok.AccessToken
		r := a.Do(http.MethodGet, "/v1/me", tok.AccessToken, nil)
		var me struct {
			UserID uuid.UUID `json:"user_id"`
		}
		r.JSON(b, &me)
		ids[i] = me.UserID
	}
	if err := loadoffers.AwaitKnown(ctx, pool, ids); err != nil {
		b.Fatal(err)
	}
	if err := loadoffers.Impersonate(ctx, pool, ids, seeded); err != nil {
		b.Fatal(err)
	}
	// Measure the steady state, not the aftermath of the bulk load: the
	// seeded tables vacuumed and analysed, their pages written out.
	for _, q := range []string{
		`VACUUM (ANALYZE) promo.users, promo.consents, promo.user_sessions, promo.user_gear, promo.user_challenges, promo.offers`,
		`CHECKPOINT`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	time.Sleep(2 * time.Second) // the cache reloads (CacheReload)
	get := func(k int) int {
		q, err := http.NewRequest(http.MethodGet, a.BaseURL+"/v1/offers", nil)
		if err != nil {
			b.Fatal(err)
		}
		q.Header.Set("Authorization", "Bearer "+tokens[k%len(tokens)])
		resp, err := a.Client.Do(q)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatal(resp.StatusCode, string(body))
		}
		var l api.OfferList
		if err := json.Unmarshal(body, &l); err != nil {
			b.Fatal(err)
		}
		return len(l.Items)
	}
	served := 0
	for k := range 100 {
		served += get(k) // warm up: connections, plans
	}
	if served == 0 {
		b.Fatal("no offer served")
	}
	for _, workers := range []int{1, 4} {
		b.Run(fmt.Sprintf("concurrency-%d", workers), func(b *testing.B) {
			hs := make([]loadgen.Histogram, workers)
			b.ResetTimer()
			var wg sync.WaitGroup
			per := max(1, b.N/workers)
			for w := range workers {
				wg.Go(func() {
					for i := range per {
						t := time.Now()
						get(w + i*workers)
						hs[w].Record(time.Since(t))
					}
				})
			}
			wg.Wait()
			h := &loadgen.Histogram{}
			for i := range hs {
				h.Merge(&hs[i])
			}
			b.ReportMetric(float64(h.Quantile(0.5).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(h.Quantile(0.99).Microseconds())/1000, "p99-ms")
		})
	}
}
