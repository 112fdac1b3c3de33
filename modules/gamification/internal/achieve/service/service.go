// Package service is the achievements' use cases: the applier that keeps
// each user's state and unlocks from session changes (in the session
// consumer's transaction), records and challenges, the catalogue and its
// admin operations, the backfill of a rule over history, and what a user
// sees.
package service

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/athlos/athlos/modules/gamification/api"
	"github.com/athlos/athlos/modules/gamification/internal/achieve"
	"github.com/athlos/athlos/modules/gamification/internal/achieve/store"
	"github.com/athlos/athlos/storage"
)

// Service is the achievements' use cases.
type Service struct {
	pool *pgxpool.Pool
	log  *slog.Logger
	now  func() time.Time

	// The catalogue, read again when its stamp changes (store.Stamp).
	mu      sync.Mutex
	seeded  bool
	stamp   string
	entries []store.Entry
	active  []*achieve.Achievement
	byID    map[string]*store.Entry

	// wake starts the backfill worker at once (a request).
	wake chan struct{}
	// backfillBatch is BackfillBatch (tests make it smaller).
	backfillBatch int

	// points hears of every new unlock in the transaction that stores it
	// (OnPoints).
	points PointsSink
}

// PointsSink takes new unlocks' points in the transaction that stores
// them (the leaderboards' points boards), so that no unlock's points are
// counted twice or lost.
type PointsSink func(ctx context.Context, tx pgx.Tx, unlocks []api.AchievementUnlocked) error

// OnPoints makes sink hear of every new unlock; set it before the service
// is used.
func (s *Service) OnPoints(sink PointsSink) { s.points = sink }

// New returns the service on the module's pool.
func New(pool *pgxpool.Pool, log *slog.Logger) *Service {
	return &Service{pool: pool, log: log, now: time.Now, wake: make(chan struct{}, 1), backfillBatch: BackfillBatch}
}

// catalogue is the catalogue as of q: every entry by id, and the active
// (not retired) achievements. The default catalogue is seeded first, once
// per process (an achievement there already is left as it is).
func (s *Service) catalogue(ctx context.Context, q storage.Querier) ([]*achieve.Achievement, map[string]*store.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.seeded {
		list, err := achieve.DefaultCatalogue()
		if err != nil {
			return nil, nil, err
		}
		n, err := store.Seed(ctx, s.pool, list)
		if err != nil {
			return nil, nil, err
		}
		if n > 0 {
			s.log.Info("achievements seeded from the default catalogue", "added", n)
		}
		s.seeded = true
	}
	stamp, err := store.Stamp(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	if stamp != s.stamp || s.byID == nil {
		entries, err := store.Catalogue(ctx, q)
		if err != nil {
			return nil, nil, err
		}
		s.entries, s.stamp = entries, stamp
		s.byID = make(map[string]*store.Entry, len(entries))
		// New slices: a batch on another worker may hold the old ones.
		s.active = make([]*achieve.Achievement, 0, len(entries))
		for i := range s.entries {
			e := &s.entries[i]
			s.byID[e.ID] = e
			if e.RetiredAt == nil {
				s.active = append(s.active, &e.Achievement)
			}
		}
	}
	return s.active, s.byID, nil
}

// Seed seeds the default catalogue now (the module's start; the first
// use would do it otherwise).
func (s *Service) Seed(ctx context.Context) error {
	if _, _, err := s.catalogue(ctx, s.pool); err != nil {
		return fmt.Errorf("achievements: seed the catalogue: %w", err)
	}
	return nil
}
