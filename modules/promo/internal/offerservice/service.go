// Package offerservice is the promo offers' use cases: the admin API
// (create, list, read, merge-patch, delete, figures), serving a user the
// offers they are eligible for now with exact budgets and caps (a
// reservation per offer served, taken in one SQL step, held until the app
// reports the impression or ReservationTTL passes), why an offer is shown,
// impressions, clicks and dismissals. It keeps the active offers and the
// pacing curve in memory per process (cache.go).
package offerservice

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/promo/api"
	"github.com/athlos/athlos/modules/promo/internal/facts"
	"github.com/athlos/athlos/modules/promo/internal/offers"
	"github.com/athlos/athlos/modules/promo/internal/offerstore"
)

// Serving's parameters.
const (
	// ReservationTTL is how long a list served holds its reservations: an
	// impression reported within it is counted for sure; after it the
	// units go back to the budget and cap (the sweep), and a late
	// impression counts only while the budget and cap have room.
	ReservationTTL = 5 * time.Minute
	// SweepEvery is how often each process gives back expired
	// reservations (SweepBatch at a time, until none is left).
	SweepEvery = 10 * time.Second
	SweepBatch = 1000
	// CurveReload is how often each process reads the pacing curve again;
	// FlushEvery how often it adds its count of requests to the hour's.
	CurveReload = 5 * time.Minute
	FlushEvery  = 5 * time.Second
	// DefaultServed and MaxServed are the list's sizes.
	DefaultServed = 5
	MaxServed     = 20
	// reserveRounds bounds the rounds of reservations of one request
	// (each round tries the next best offers for the places left).
	reserveRounds = 4
	// reserveLookahead: candidates handed to a round per place left.
	reserveLookahead = 4
)

// Service is the offers' use cases.
type Service struct {
	db    *pgxpool.Pool
	keys  *bus.Idempotency
	store *offerstore.Store
	log   *slog.Logger
	now   func() time.Time
	cache *cache

	curveMu sync.RWMutex
	curve   *offers.Curve // replaced whole, never changed

	requests atomic.Int64
}

// New returns the service on db, keeping creations' idempotency keys in
// keys (nil: none taken); now is the clock (time.Now when nil).
func New(db *pgxpool.Pool, keys *bus.Idempotency, log *slog.Logger, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	st := offerstore.New(db)
	return &Service{db: db, keys: keys, store: st, log: log, now: now, cache: &cache{store: st}, curve: flat()}
}

// Reload reads the active offers again (every CacheReload, and at once
// after a change in this process).
func (s *Service) Reload(ctx context.Context) error { return s.cache.reload(ctx, s.now()) }

// ReloadCurve reads the pacing curve again (every CurveReload).
func (s *Service) ReloadCurve(ctx context.Context) error {
	req, err := s.store.RequestCurve(ctx, s.now())
	if err != nil {
		return err
	}
	c := new(offers.Curve)
	*c = offers.NewCurve(req)
	s.curveMu.Lock()
	s.curve = c
	s.curveMu.Unlock()
	return nil
}

func flat() *offers.Curve {
	c := offers.Flat()
	return &c
}

func (s *Service) pacing() *offers.Curve {
	s.curveMu.RLock()
	defer s.curveMu.RUnlock()
	return s.curve
}

// FlushRequests adds the requests counted since the last flush to the
// current hour's.
func (s *Service) FlushRequests(ctx context.Context) error {
	n := s.requests.Swap(0)
	if n == 0 {
		return nil
	}
	if err := s.store.AddRequests(ctx, s.now(), n); err != nil {
		s.requests.Add(n)
		return err
	}
	return nil
}

// Sweep gives back the expired reservations and says how many.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := s.store.Sweep(ctx, s.now(), SweepBatch)
		total += n
		if err != nil || n < SweepBatch {
			return total, err
		}
	}
}

// PruneCaps deletes cap windows that ended a day ago or more.
func (s *Service) PruneCaps(ctx context.Context) error {
	return s.store.PruneCaps(ctx, s.now().Add(-24*time.Hour))
}

// Eraser is the facts.Eraser of the offers: it erases a deleted user's
// reservations (given back), caps, impressions, clicks and dismissals.
func Eraser() facts.Eraser { return offerstore.Erase }

// UserOf reduces a user's facts to what targeting reads.
func UserOf(f facts.Facts, now time.Time) offers.User {
	u := offers.User{ID: f.UserID, Personalisable: f.Personalisable(now), Objected: f.Objected, Country: f.Country,
		Language: f.Language, Sports: f.Sports, SessionsPerWeek: f.SessionsPerWeek, Challenges: f.Challenges,
		RegistrationKnown: f.Known && !f.RegisteredAt.IsZero()}
	u.Age, u.AgeKnown = f.Age(now)
	if u.RegistrationKnown {
		u.DaysSinceRegistration = int(now.Sub(f.RegisteredAt) / (24 * time.Hour))
	}
	for _, g := range f.Gear {
		w, ok := g.WornFraction()
		u.Gear = append(u.Gear, offers.Gear{Type: g.Type, WornFraction: w, HasThreshold: ok})
	}
	return u
}

// window is the start of the frequency cap's window holding now (fixed
// windows of the cap's period from the offer's start); zero without a
// cap.
func window(o *offers.Offer, now time.Time) (int, time.Time) {
	c := o.Def.FrequencyCap
	if c == nil {
		return 0, time.Time{}
	}
	period := time.Duration(c.PeriodS) * time.Second
	start := o.Def.StartsAt
	if now.Before(start) {
		return c.Count, start
	}
	return c.Count, start.Add(now.Sub(start) / period * period)
}

// Serve answers GET /v1/offers: the offers the user is eligible for now,
// best first, at most limit, each reserved (budget, pacing and the user's
// cap) until ReservationTTL from now.
func (s *Service) Serve(ctx context.Context, user uuid.UUID, limit int) (api.OfferList, error) {
	switch {
	case limit == 0:
		limit = DefaultServed
	case limit < 1 || limit > MaxServed:
		return api.OfferList{}, bus.Invalid("query.limit", "must be 1 to 20")
	}
	now := s.now()
	s.requests.Add(1)
	f, err := facts.Load(ctx, s.db, user, now)
	if err != nil {
		return api.OfferList{}, err
	}
	u := UserOf(f, now)
	curve := s.pacing()
	// Only the best that reserve can reach are kept: it hands the store at
	// most reserveLookahead candidates per place, reserveRounds times.
	ranker := offers.NewRanker(limit * reserveLookahead * reserveRounds)
	for _, c := range s.cache.snapshot() {
		if !c.offer.Matches(&u, now) {
			continue
		}
		d := c.offer.Def
		allow := offers.Allowance(d.Budget.Impressions, curve, d.StartsAt, d.EndsAt, now)
		if c.spent >= allow {
			continue // at its pace or budget at the last reload (the reservation decides exactly)
		}
		ranker.Add(offers.Candidate{Offer: c.offer, Fit: offers.Fit(d.Targeting), Allowance: allow, Spent: c.spent})
	}
	ranked := ranker.AppendRanked(nil)
	expires := now.Add(ReservationTTL)
	reserved, err := s.reserve(ctx, user, ranked, limit, now, expires)
	if err != nil {
		return api.OfferList{}, err
	}
	out := api.OfferList{Items: make([]api.Offer, 0, len(reserved)), ReservedUntil: expires}
	for _, c := range ranked {
		if !reserved[c.Offer.ID] {
			continue
		}
		_, why := c.Offer.Eligible(u, now)
		out.Items = append(out.Items, offerView(c.Offer, u.Language, why))
	}
	return out, nil
}

// reserve reserves up to want of the ranked offers, best first. Each
// round hands the store the next candidates (a few times the places left:
// it skips, without a write, those the user dismissed or capped) and
// carries on after the last one it tried.
func (s *Service) reserve(ctx context.Context, user uuid.UUID, ranked []offers.Candidate, want int, now, expires time.Time) (map[uuid.UUID]bool, error) {
	got := make(map[uuid.UUID]bool, want)
	next := 0
	for round := 0; round < reserveRounds && len(got) < want && next < len(ranked); round++ {
		need := want - len(got)
		cands := ranked[next : next+min(need*reserveLookahead, len(ranked)-next)]
		batch := make([]offerstore.Candidate, len(cands))
		for i, c := range cands {
			cnt, w := window(c.Offer, now)
			batch[i] = offerstore.Candidate{Offer: c.Offer.ID, Limit: c.Allowance, CapCount: cnt, Window: w}
		}
		tried, err := s.store.Reserve(ctx, user, batch, need, expires)
		if err != nil {
			return nil, err
		}
		last := -1
		for _, t := range tried {
			// its place among the candidates (a few dozen at most)
			last = max(last, slices.IndexFunc(batch, func(c offerstore.Candidate) bool { return c.Offer == t.Offer }))
			if t.Reservation != uuid.Nil {
				got[t.Offer] = true
			}
		}
		if len(tried) < need {
			last = len(cands) - 1 // every other candidate was skipped
		}
		next += last + 1
	}
	return got, nil
}

func offerView(o *offers.Offer, lang string, why api.Why) api.Offer {
	l, text := o.Text(lang)
	return api.Offer{ID: o.ID.String(), Language: l, Title: text.Title, Body: text.Body, ImageURL: o.Def.ImageURL,
		CTAURL: o.Def.CTAURL, EndsAt: o.Def.EndsAt, Why: why}
}

// offer reads an offer a user names: from the cache, else the store; a
// deleted or unknown one is not found.
func (s *Service) offer(ctx context.Context, id uuid.UUID) (*offers.Offer, error) {
	if c, ok := s.cache.get(id); ok {
		return c.offer, nil
	}
	r, err := s.store.Get(ctx, id)
	if errors.Is(err, offerstore.ErrNotFound) || err == nil && r.DeletedAt != nil {
		return nil, bus.Errorf(bus.CodeNotFound, "no such offer")
	}
	if err != nil {
		return nil, err
	}
	def, err := definitionOf(r)
	if err != nil {
		return nil, err
	}
	return offers.Validate(r.ID, def, r.CreatedAt)
}

// Why answers "why am I seeing this": whether the user is eligible for the
// offer now, and the rules and facts that matched.
func (s *Service) Why(ctx context.Context, user, id uuid.UUID) (api.OfferWhy, error) {
	o, err := s.offer(ctx, id)
	if err != nil {
		return api.OfferWhy{}, err
	}
	now := s.now()
	f, err := facts.Load(ctx, s.db, user, now)
	if err != nil {
		return api.OfferWhy{}, err
	}
	ok, why := o.Eligible(UserOf(f, now), now)
	if ok {
		dismissed, err := s.store.Dismissed(ctx, user, id)
		if err != nil {
			return api.OfferWhy{}, err
		}
		if dismissed {
			ok, why.Summary = false, "you dismissed it: it is not shown to you again"
		}
	}
	return api.OfferWhy{ID: id.String(), Eligible: ok, Why: why}, nil
}

// Impression records an impression the app reported: counted from the
// user's reservation, or, without one, while the budget and cap have
// room.
func (s *Service) Impression(ctx context.Context, user, id uuid.UUID) (api.OfferEventAnswer, error) {
	o, err := s.offer(ctx, id)
	if err != nil {
		return api.OfferEventAnswer{}, err
	}
	now := s.now()
	cnt, w := window(o, now)
	counted, err := s.store.Impression(ctx, user, id, cnt, w, now)
	if err != nil {
		return api.OfferEventAnswer{}, err
	}
	if !counted {
		return api.OfferEventAnswer{Reason: "no reservation of yours was left and the budget or your frequency cap had no room: recorded, not counted"}, nil
	}
	return api.OfferEventAnswer{Counted: true}, nil
}

// Click records a click: counted while the click budget has room; a
// conflict when the user was never shown the offer.
func (s *Service) Click(ctx context.Context, user, id uuid.UUID) (api.OfferEventAnswer, error) {
	if _, err := s.offer(ctx, id); err != nil {
		return api.OfferEventAnswer{}, err
	}
	counted, err := s.store.Click(ctx, user, id, s.now())
	if errors.Is(err, offerstore.ErrNotShown) {
		return api.OfferEventAnswer{}, bus.Errorf(bus.CodeConflict, "you were not shown this offer: report its impression first")
	}
	if err != nil {
		return api.OfferEventAnswer{}, err
	}
	if !counted {
		return api.OfferEventAnswer{Reason: "the offer's click budget was spent: recorded, not counted"}, nil
	}
	return api.OfferEventAnswer{Counted: true}, nil
}

// Dismiss records that the user does not want the offer: it is not served
// to them again.
func (s *Service) Dismiss(ctx context.Context, user, id uuid.UUID) error {
	if _, err := s.offer(ctx, id); err != nil {
		return err
	}
	return s.store.Dismiss(ctx, user, id, s.now())
}
