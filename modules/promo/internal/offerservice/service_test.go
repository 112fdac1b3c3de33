package offerservice_test

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/promo/api"
	"github.com/athlos/athlos/modules/promo/internal/offerservice"
	"github.com/athlos/athlos/storage/pgtest"
)

var start = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// world is a service on a fresh database with a clock the test moves.
type world struct {
	t    *testing.T
	ctx  context.Context
	pool *pgxpool.Pool
	s    *offerservice.Service
	now  atomic.Int64
}

func newWorld(t *testing.T) *world {
	t.Parallel()
	w := &world{t: t, ctx: context.Background(), pool: pgtest.NewPool(t)}
	w.now.Store(start.Add(time.Hour).UnixNano())
	w.s = offerservice.New(w.pool, nil, nil, func() time.Time { return time.Unix(0, w.now.Load()).UTC() })
	return w
}

func (w *world) at(t time.Time) { w.now.Store(t.UnixNano()) }

func (w *world) clock() time.Time { return time.Unix(0, w.now.Load()).UTC() }

// adult seeds an adult user of the read model (DE, de, born 1990).
func (w *world) adult(country string) uuid.UUID {
	id := uuid.New()
	_, err := w.pool.Exec(w.ctx, `INSERT INTO promo.users (user_id, registered_at, birth_date, country, language) VALUES ($1, $2, '1990-05-01', $3, 'de')`,
		id, start.Add(-30*24*time.Hour), country)
	require.NoError(w.t, err)
	return id
}

func (w *world) create(edit func(d map[string]any)) api.AdminOffer {
	w.t.Helper()
	d := map[string]any{
		"name": "shoes", "content": map[string]any{"en": map[string]any{"title": "Shoes"}, "de": map[string]any{"title": "Schuhe"}},
		"default_language": "en", "cta_url": "https://shop.example/", "starts_at": start, "ends_at": start.Add(24 * time.Hour),
		"budget": map[string]any{"impressions": 1000},
	}
	if edit != nil {
		edit(d)
	}
	raw, err := json.Marshal(d)
	require.NoError(w.t, err)
	o, err := w.s.Create(w.ctx, raw)
	require.NoError(w.t, err)
	return o
}

func (w *world) serve(user uuid.UUID) []string {
	w.t.Helper()
	return w.serveN(user, 20)
}

// serveN lists at most n offers for the user and answers their ids.
func (w *world) serveN(user uuid.UUID, n int) []string {
	w.t.Helper()
	l, err := w.s.Serve(w.ctx, user, n)
	require.NoError(w.t, err)
	ids := make([]string, len(l.Items))
	for i, o := range l.Items {
		ids[i] = o.ID
	}
	return ids
}

func (w *world) spend(id string) (used, reserved int64) {
	w.t.Helper()
	require.NoError(w.t, w.pool.QueryRow(w.ctx, `SELECT used_impressions, reserved FROM promo.offers WHERE id = $1`, id).Scan(&used, &reserved))
	return used, reserved
}

func TestBudgetHoldsUnderConcurrency(t *testing.T) {
	w := newWorld(t)
	o := w.create(func(d map[string]any) { d["budget"] = map[string]any{"impressions": 50} })
	w.at(start.Add(24*time.Hour - time.Second)) // pacing allows the whole budget
	var served atomic.Int64
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			l, err := w.s.Serve(w.ctx, uuid.New(), 5)
			assert.NoError(t, err)
			served.Add(int64(len(l.Items)))
		})
	}
	wg.Wait()
	assert.Equal(t, int64(50), served.Load())
	used, reserved := w.spend(o.ID)
	assert.Equal(t, int64(0), used)
	assert.Equal(t, int64(50), reserved)
}

func TestCapHoldsUnderConcurrency(t *testing.T) {
	w := newWorld(t)
	o := w.create(func(d map[string]any) {
		d["frequency_cap"] = map[string]any{"count": 3, "period_s": 3600}
		d["ends_at"] = start.Add(48 * time.Hour)
	})
	w.at(start.Add(46 * time.Hour))
	user := uuid.New()
	var served atomic.Int64
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			l, err := w.s.Serve(w.ctx, user, 5)
			assert.NoError(t, err)
			served.Add(int64(len(l.Items)))
		})
	}
	wg.Wait()
	assert.Equal(t, int64(3), served.Load())
	// The impressions of the three come in: counted; a fourth is not.
	for range 3 {
		a, err := w.s.Impression(w.ctx, user, uuid.MustParse(o.ID))
		require.NoError(t, err)
		assert.True(t, a.Counted)
	}
	a, err := w.s.Impression(w.ctx, user, uuid.MustParse(o.ID))
	require.NoError(t, err)
	assert.False(t, a.Counted)
	// The next window serves it again.
	w.at(start.Add(46*time.Hour + 59*time.Minute)) // still the same window
	assert.Empty(t, w.serve(user))
	w.at(start.Add(47 * time.Hour)) // the next window
	assert.Equal(t, []string{o.ID}, w.serve(user))
}

func TestReservationsExpireAndImpressionsCount(t *testing.T) {
	w := newWorld(t)
	o := w.create(func(d map[string]any) { d["budget"] = map[string]any{"impressions": 2} })
	w.at(start.Add(23 * time.Hour))
	a, b, c := uuid.New(), uuid.New(), uuid.New()
	assert.Len(t, w.serve(a), 1)
	assert.Len(t, w.serve(b), 1)
	assert.Empty(t, w.serve(c), "two reservations hold the budget of two")
	// a reports its impression; b's reservation expires.
	ans, err := w.s.Impression(w.ctx, a, uuid.MustParse(o.ID))
	require.NoError(t, err)
	assert.True(t, ans.Counted)
	w.at(w.clock().Add(offerservice.ReservationTTL + time.Second))
	n, err := w.s.Sweep(w.ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	n, err = w.s.Sweep(w.ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "a second sweep finds nothing")
	used, reserved := w.spend(o.ID)
	assert.Equal(t, int64(1), used)
	assert.Zero(t, reserved)
	// b's late impression counts while there is room; c's next one not.
	ans, err = w.s.Impression(w.ctx, b, uuid.MustParse(o.ID))
	require.NoError(t, err)
	assert.True(t, ans.Counted)
	ans, err = w.s.Impression(w.ctx, c, uuid.MustParse(o.ID))
	require.NoError(t, err)
	assert.False(t, ans.Counted)
	require.NoError(t, w.s.Reload(w.ctx))
	assert.Empty(t, w.serve(c), "the budget is spent")
	st, err := w.s.Stats(w.ctx, uuid.MustParse(o.ID))
	require.NoError(t, err)
	assert.Equal(t, int64(2), st.Impressions)
	assert.Equal(t, 1.0, st.SpentFraction)
	require.Len(t, st.Days, 1)
	assert.Equal(t, int64(1), st.Days[0].Uncounted)
}

func TestClicksAndTheClickBudget(t *testing.T) {
	w := newWorld(t)
	o := w.create(func(d map[string]any) { d["budget"] = map[string]any{"impressions": 100, "clicks": 1} })
	id := uuid.MustParse(o.ID)
	a, b := uuid.New(), uuid.New()
	_, err := w.s.Click(w.ctx, a, id)
	assert.Equal(t, bus.CodeConflict, bus.CodeOf(err), "a click before any impression")
	for _, u := range []uuid.UUID{a, b} {
		require.Len(t, w.serve(u), 1)
		_, err := w.s.Impression(w.ctx, u, id)
		require.NoError(t, err)
	}
	ans, err := w.s.Click(w.ctx, a, id)
	require.NoError(t, err)
	assert.True(t, ans.Counted)
	ans, err = w.s.Click(w.ctx, b, id)
	require.NoError(t, err)
	assert.False(t, ans.Counted, "the click budget is spent")
	assert.Empty(t, w.serve(uuid.New()), "an offer whose click budget is spent is not served")
	st, err := w.s.Stats(w.ctx, id)
	require.NoError(t, err)
	assert.Equal(t, int64(1), st.Clicks)
	assert.InDelta(t, 0.5, st.CTR, 1e-9)
	assert.Equal(t, 1.0, st.SpentFraction)
}

func TestDismissedOffersAreNotServedAgain(t *testing.T) {
	w := newWorld(t)
	o := w.create(nil)
	u := w.adult("DE")
	assert.Equal(t, []string{o.ID}, w.serve(u))
	require.NoError(t, w.s.Dismiss(w.ctx, u, uuid.MustParse(o.ID)))
	require.NoError(t, w.s.Dismiss(w.ctx, u, uuid.MustParse(o.ID)), "again: no change")
	assert.Empty(t, w.serve(u))
	why, err := w.s.Why(w.ctx, u, uuid.MustParse(o.ID))
	require.NoError(t, err)
	assert.False(t, why.Eligible)
	assert.Equal(t, []string{o.ID}, w.serve(uuid.New()), "others still get it")
	assert.Equal(t, bus.CodeNotFound, bus.CodeOf(w.s.Dismiss(w.ctx, u, uuid.New())))
}

func TestTargetingAndObjection(t *testing.T) {
	w := newWorld(t)
	targeted := w.create(func(d map[string]any) {
		d["targeting"] = map[string]any{"countries": []string{"DE"}, "age": map[string]any{"min": 30}}
		d["priority"] = 1
	})
	untargeted := w.create(func(d map[string]any) { d["priority"] = 100 })
	de, fr := w.adult("DE"), w.adult("FR")
	assert.Equal(t, []string{targeted.ID, untargeted.ID}, w.serve(de), "targeting fit before priority")
	assert.Equal(t, []string{untargeted.ID}, w.serve(fr))
	why, err := w.s.Why(w.ctx, de, uuid.MustParse(targeted.ID))
	require.NoError(t, err)
	assert.True(t, why.Eligible)
	assert.Equal(t, []api.WhyRule{{Rule: "countries", Fact: "country DE"}, {Rule: "age", Fact: "age 36"}}, why.Why.Rules)
	// The objection takes effect on the next request.
	_, err = w.pool.Exec(w.ctx, `INSERT INTO promo.consents (user_id, personalised_offers, updated_at) VALUES ($1, false, now())`, de)
	require.NoError(t, err)
	assert.Equal(t, []string{untargeted.ID}, w.serve(de))
	// A minor gets untargeted offers only.
	minor := w.adult("DE")
	_, err = w.pool.Exec(w.ctx, `UPDATE promo.users SET birth_date = '2010-01-01' WHERE user_id = $1`, minor)
	require.NoError(t, err)
	assert.Equal(t, []string{untargeted.ID}, w.serve(minor))
}

func TestAdminChangesAreServedAtOnce(t *testing.T) {
	w := newWorld(t)
	o := w.create(nil)
	other := offerservice.New(w.pool, nil, nil, w.clock) // another process
	require.NoError(t, other.Reload(w.ctx))
	patch := json.RawMessage(`{"targeting":{"countries":["FR"]},"content":{"de":null}}`)
	p, err := w.s.Patch(w.ctx, uuid.MustParse(o.ID), patch)
	require.NoError(t, err)
	assert.NotContains(t, p.Content, "de")
	assert.Equal(t, []string{"FR"}, p.Targeting.Countries)
	assert.Empty(t, w.serve(w.adult("DE")), "this process serves the change at once")
	require.NoError(t, other.Reload(w.ctx)) // every CacheReload in a running process
	l, err := other.Serve(w.ctx, w.adult("DE"), 5)
	require.NoError(t, err)
	assert.Empty(t, l.Items)
	require.NoError(t, w.s.Delete(w.ctx, uuid.MustParse(o.ID)))
	assert.Empty(t, w.serve(w.adult("FR")))
	_, err = w.s.Patch(w.ctx, uuid.MustParse(o.ID), json.RawMessage(`{"priority":3}`))
	assert.Equal(t, bus.CodeConflict, bus.CodeOf(err))
}

func TestPatchCannotLowerTheBudgetBelowSpent(t *testing.T) {
	w := newWorld(t)
	o := w.create(func(d map[string]any) { d["budget"] = map[string]any{"impressions": 10} })
	w.at(start.Add(23 * time.Hour))
	for range 3 {
		require.Len(t, w.serve(uuid.New()), 1)
	}
	_, err := w.s.Patch(w.ctx, uuid.MustParse(o.ID), json.RawMessage(`{"budget":{"impressions":2}}`))
	require.Error(t, err)
	var be *bus.Error
	require.ErrorAs(t, err, &be)
	assert.Equal(t, "body.budget", be.Fields[0].Field)
	p, err := w.s.Patch(w.ctx, uuid.MustParse(o.ID), json.RawMessage(`{"budget":{"impressions":3}}`))
	require.NoError(t, err)
	assert.Equal(t, int64(3), p.Budget.Impressions)
	assert.Empty(t, w.serve(uuid.New()))
}

// TestPacingOverADay serves one request a minute over a simulated day
// with a fixed clock: impressions follow the flat curve (no history), and
// never pass the budget.
func TestPacingOverADay(t *testing.T) {
	w := newWorld(t)
	o := w.create(func(d map[string]any) { d["budget"] = map[string]any{"impressions": 240} })
	id := uuid.MustParse(o.ID)
	require.NoError(t, w.s.ReloadCurve(w.ctx))
	served := 0
	for m := range 24 * 60 {
		w.at(start.Add(time.Duration(m) * time.Minute))
		if m%10 == 0 {
			require.NoError(t, w.s.Reload(w.ctx))
		}
		u := uuid.New()
		for range w.serve(u) {
			served++
			_, err := w.s.Impression(w.ctx, u, id)
			require.NoError(t, err)
		}
		if m%60 == 59 {
			h := (m + 1) / 60
			assert.LessOrEqual(t, served, 240*h/24+1, "hour %d: not ahead of the pace", h)
			assert.GreaterOrEqual(t, served, 240*h/24-1, "hour %d: not behind it", h)
		}
	}
	assert.Equal(t, 240, served)
	// The requests were counted for the curve.
	require.NoError(t, w.s.FlushRequests(w.ctx))
	var n int64
	require.NoError(t, w.pool.QueryRow(w.ctx, `SELECT sum(requests) FROM promo.offer_request_hours`).Scan(&n))
	assert.Equal(t, int64(24*60), n)
}

func TestEraserForgetsTheUser(t *testing.T) {
	w := newWorld(t)
	o := w.create(func(d map[string]any) { d["frequency_cap"] = map[string]any{"count": 5, "period_s": 86400} })
	id := uuid.MustParse(o.ID)
	u := w.adult("DE")
	require.Len(t, w.serve(u), 1)
	_, err := w.s.Impression(w.ctx, u, id)
	require.NoError(t, err)
	require.Len(t, w.serve(u), 1) // a reservation held
	_, err = w.s.Click(w.ctx, u, id)
	require.NoError(t, err)
	require.NoError(t, w.s.Dismiss(w.ctx, u, id))
	require.NoError(t, pgx.BeginFunc(w.ctx, w.pool, func(tx pgx.Tx) error { return offerservice.Eraser()(w.ctx, tx, u) }))
	for _, table := range []string{"offer_reservations", "offer_caps", "offer_events", "offer_dismissals"} {
		var n int
		require.NoError(t, w.pool.QueryRow(w.ctx, `SELECT count(*) FROM promo.`+table+` WHERE user_id = $1`, u).Scan(&n))
		assert.Zero(t, n, table)
	}
	used, reserved := w.spend(o.ID)
	assert.Equal(t, int64(1), used, "the counted impression stays (anonymous)")
	assert.Zero(t, reserved, "the reservation was given back")
}

// TestConcurrentSweepsGiveEachReservationBackOnce: four processes sweep
// the same expired reservations at once; each is given back once.
func TestConcurrentSweepsGiveEachReservationBackOnce(t *testing.T) {
	w := newWorld(t)
	o := w.create(func(d map[string]any) { d["frequency_cap"] = map[string]any{"count": 2, "period_s": 86400} })
	w.at(start.Add(23 * time.Hour))
	for range 120 {
		require.Len(t, w.serve(uuid.New()), 1)
	}
	w.at(w.clock().Add(offerservice.ReservationTTL + time.Second))
	var total atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		other := offerservice.New(w.pool, nil, nil, w.clock)
		wg.Go(func() {
			n, err := other.Sweep(w.ctx)
			assert.NoError(t, err)
			total.Add(int64(n))
		})
	}
	wg.Wait()
	assert.Equal(t, int64(120), total.Load())
	used, reserved := w.spend(o.ID)
	assert.Zero(t, used)
	assert.Zero(t, reserved)
	var capReserved int
	require.NoError(t, w.pool.QueryRow(w.ctx, `SELECT coalesce(sum(reserved), 0) FROM promo.offer_caps`).Scan(&capReserved))
	assert.Zero(t, capReserved)
}

// TestImpressionsWithoutReservationsHoldTheBudget: 60 users report an
// impression of an offer with a budget of 10 at once, none holding a
// reservation: exactly 10 are counted.
func TestImpressionsWithoutReservationsHoldTheBudget(t *testing.T) {
	w := newWorld(t)
	o := w.create(func(d map[string]any) { d["budget"] = map[string]any{"impressions": 10} })
	var counted atomic.Int64
	var wg sync.WaitGroup
	for range 60 {
		wg.Go(func() {
			a, err := w.s.Impression(w.ctx, uuid.New(), uuid.MustParse(o.ID))
			assert.NoError(t, err)
			if a.Counted {
				counted.Add(1)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int64(10), counted.Load())
	used, _ := w.spend(o.ID)
	assert.Equal(t, int64(10), used)
	st, err := w.s.Stats(w.ctx, uuid.MustParse(o.ID))
	require.NoError(t, err)
	require.Len(t, st.Days, 1)
	assert.Equal(t, int64(50), st.Days[0].Uncounted)
}

// A list skips the best offers the user dismissed or capped, however
// many, and still serves the next best in rank order; the skipped offers
// keep their reservations as they were.
func TestListsSkipDismissedAndCappedOffers(t *testing.T) {
	w := newWorld(t)
	u := w.adult("DE")
	ids := make([]string, 40)
	for i := range ids {
		ids[i] = w.create(func(d map[string]any) {
			d["priority"] = 100 - i // offer i is ranked i-th
			if i < 15 {
				d["frequency_cap"] = map[string]any{"count": 1, "period_s": 86400}
			}
		}).ID
	}
	l, err := w.s.Serve(w.ctx, u, 20)
	require.NoError(t, err)
	require.Len(t, l.Items, 20)
	for _, id := range ids[15:35] {
		require.NoError(t, w.s.Dismiss(w.ctx, u, uuid.MustParse(id)))
	}
	// The 15 capped offers are held by the first list, 15..34 dismissed:
	// 35 offers, seven times the lookahead of one round of 5, are skipped.
	assert.Equal(t, ids[35:40], w.serveN(u, 5))
	for i := range 15 {
		_, reserved := w.spend(ids[i])
		assert.Equal(t, int64(1), reserved, "the capped offer %d is reserved once, by the first list", i)
	}
}
