// Package offerstore is the promo offers' SQL (migration promo/00010):
// offers and their budgets, frequency caps, reservations, impressions,
// clicks, dismissals, figures per day and requests per hour. Reserving,
// reporting and sweeping are SQL functions of the migration, each one
// call: a limit is checked and taken in one conditional UPDATE.
package offerstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Errors of the store.
var (
	// ErrNotFound: no such offer.
	ErrNotFound = errors.New("offerstore: offer not found")
	// ErrBelowSpent: a budget lower than what is counted and reserved.
	ErrBelowSpent = errors.New("offerstore: budget below what is spent and reserved")
	// ErrNotShown: a click on an offer the user was never shown.
	ErrNotShown = errors.New("offerstore: offer never shown to the user")
)

// Store reads and writes the offers' tables.
type Store struct {
	db *pgxpool.Pool
}

// New returns the store on db.
func New(db *pgxpool.Pool) *Store { return &Store{db: db} }

// Spec is what the store keeps of an offer's definition: the definition
// as JSON (the service's to read) and the columns SQL reads.
type Spec struct {
	Definition        []byte
	StartsAt, EndsAt  time.Time
	BudgetImpressions int64
	BudgetClicks      int64
}

// Row is a stored offer.
type Row struct {
	ID uuid.UUID
	// Definition is the definition as JSON.
	Definition      []byte
	UsedImpressions int64
	UsedClicks      int64
	Reserved        int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
	DeletedAt       *time.Time
	Rev             int64
}

const rowColumns = `id, definition, used_impressions, used_clicks, reserved, created_at, updated_at, deleted_at, rev`

func scanRow(r pgx.Row) (Row, error) {
	var o Row
	err := r.Scan(&o.ID, &o.Definition, &o.UsedImpressions, &o.UsedClicks, &o.Reserved, &o.CreatedAt, &o.UpdatedAt, &o.DeletedAt, &o.Rev)
	return o, err
}

// Create stores a new offer (a validated, canonical definition) in tx.
func Create(ctx context.Context, tx pgx.Tx, id uuid.UUID, sp Spec, now time.Time) (Row, error) {
	row, err := scanRow(tx.QueryRow(ctx, `
		INSERT INTO promo.offers (id, definition, starts_at, ends_at, budget_impressions, budget_clicks, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
		RETURNING `+rowColumns, id, sp.Definition, sp.StartsAt, sp.EndsAt, sp.BudgetImpressions, sp.BudgetClicks, now))
	if err != nil {
		return Row{}, fmt.Errorf("create offer: %w", err)
	}
	return row, nil
}

// Get reads an offer, deleted ones too.
func (s *Store) Get(ctx context.Context, id uuid.UUID) (Row, error) {
	row, err := scanRow(s.db.QueryRow(ctx, `SELECT `+rowColumns+` FROM promo.offers WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Row{}, ErrNotFound
	}
	if err != nil {
		return Row{}, fmt.Errorf("read offer %s: %w", id, err)
	}
	return row, nil
}

// List reads up to limit offers, newest first, after the offer after (nil:
// from the newest); deleted ones with includeDeleted.
func (s *Store) List(ctx context.Context, after *uuid.UUID, limit int, includeDeleted bool) ([]Row, error) {
	rows, err := s.db.Query(ctx, `
		SELECT `+rowColumns+` FROM promo.offers o
		 WHERE ($1::uuid IS NULL OR (o.created_at, o.id) < (SELECT created_at, id FROM promo.offers WHERE id = $1))
		   AND ($2 OR o.deleted_at IS NULL)
		 ORDER BY o.created_at DESC, o.id DESC LIMIT $3`, after, includeDeleted, limit)
	if err != nil {
		return nil, fmt.Errorf("list offers: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Row, error) { return scanRow(r) })
	if err != nil {
		return nil, fmt.Errorf("list offers: %w", err)
	}
	return out, nil
}

// Update replaces a live offer's definition: ErrNotFound for an unknown or
// deleted offer, ErrBelowSpent when a budget would be below what is
// counted and reserved (the CHECK constraints decide, under the row's
// lock).
func (s *Store) Update(ctx context.Context, id uuid.UUID, sp Spec, now time.Time) (Row, error) {
	row, err := scanRow(s.db.QueryRow(ctx, `
		UPDATE promo.offers SET definition = $2, starts_at = $3, ends_at = $4, budget_impressions = $5, budget_clicks = $6,
		       updated_at = $7, rev = nextval('promo.offer_rev')
		 WHERE id = $1 AND deleted_at IS NULL
		RETURNING `+rowColumns, id, sp.Definition, sp.StartsAt, sp.EndsAt, sp.BudgetImpressions, sp.BudgetClicks, now))
	var pgErr *pgconn.PgError
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Row{}, ErrNotFound
	case errors.As(err, &pgErr) && pgErr.Code == "23514": // check_violation
		return Row{}, ErrBelowSpent
	case err != nil:
		return Row{}, fmt.Errorf("update offer %s: %w", id, err)
	}
	return row, nil
}

// Delete marks an offer deleted (it is no longer served; its figures
// stay). Deleting it again changes nothing; ErrNotFound for an unknown id.
func (s *Store) Delete(ctx context.Context, id uuid.UUID, now time.Time) error {
	tag, err := s.db.Exec(ctx, `
		UPDATE promo.offers SET deleted_at = coalesce(deleted_at, $2), rev = CASE WHEN deleted_at IS NULL THEN nextval('promo.offer_rev') ELSE rev END
		 WHERE id = $1`, id, now)
	if err != nil {
		return fmt.Errorf("delete offer %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// Live is an offer of the active set: not deleted, not ended.
type Live struct {
	ID        uuid.UUID
	Rev       int64
	Spent     int64 // counted and reserved impressions
	CreatedAt time.Time
	// Definition (JSON) is set only for offers changed since the
	// revision asked for.
	Definition []byte
}

// Active reads the offers not deleted and not ended at now, with what
// they spent; the definitions only of those with a revision above
// sinceRev (the caller has the others).
func (s *Store) Active(ctx context.Context, now time.Time, sinceRev int64) ([]Live, error) {
	rows, err := s.db.Query(ctx, `
		SELECT id, rev, used_impressions + reserved, created_at, CASE WHEN rev > $2 THEN definition END
		  FROM promo.offers WHERE deleted_at IS NULL AND ends_at > $1`, now, sinceRev)
	if err != nil {
		return nil, fmt.Errorf("read active offers: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Live, error) {
		var l Live
		return l, r.Scan(&l.ID, &l.Rev, &l.Spent, &l.CreatedAt, &l.Definition)
	})
}

// Candidate is an offer to reserve for a user: its pacing limit and, with
// a frequency cap, the cap and its current window.
type Candidate struct {
	Offer    uuid.UUID
	Limit    int64
	CapCount int
	Window   time.Time
}

// Tried is an offer a reservation tried: Reservation is uuid.Nil when
// the offer had no room (budget, pacing or cap).
type Tried struct {
	Offer       uuid.UUID
	Reservation uuid.UUID
}

// Reserve reserves, for the user, one impression of each of the best want
// candidates (cs in rank order) the user did not dismiss and whose cap
// window is not full, in one call of promo.reserve_best_offers. It
// answers every candidate it tried, in id order: those with room (their
// budget, pacing limit and the user's cap) are reserved until expires;
// the candidates ranked after the last one tried were not looked at.
func (s *Store) Reserve(ctx context.Context, user uuid.UUID, cs []Candidate, want int, expires time.Time) ([]Tried, error) {
	ids := make([]uuid.UUID, len(cs))
	limits := make([]int64, len(cs))
	caps := make([]int32, len(cs))
	windows := make([]time.Time, len(cs))
	for i, c := range cs {
		ids[i], limits[i], caps[i], windows[i] = c.Offer, c.Limit, int32(c.CapCount), c.Window
	}
	// One round trip, one transaction: a reservation is committed
	// without waiting for the WAL flush (SET LOCAL: this transaction
	// only; a crash loses the reservation and its units together, and
	// the impression then counts only while there is room), which keeps
	// the offers' rows locked for less time. Should a statement fail,
	// the transaction is left open and the pool closes the connection.
	batch := &pgx.Batch{}
	batch.Queue(`BEGIN`)
	batch.Queue(`SET LOCAL synchronous_commit = off`)
	var out []Tried
	batch.Queue(`SELECT offer_id, reservation_id FROM promo.reserve_best_offers($1, $2, $3, $4, $5, $6, $7)`,
		user, ids, limits, caps, windows, want, expires).Query(func(rows pgx.Rows) error {
		var err error
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Tried, error) {
			var x Tried
			var rid *uuid.UUID
			if err := r.Scan(&x.Offer, &rid); err != nil {
				return x, err
			}
			if rid != nil {
				x.Reservation = *rid
			}
			return x, nil
		})
		return err
	})
	batch.Queue(`COMMIT`)
	if err := s.db.SendBatch(ctx, batch).Close(); err != nil {
		return nil, fmt.Errorf("reserve offers: %w", err)
	}
	return out, nil
}

// Impression records an impression the app reported and says whether it
// was counted (promo.record_offer_impression).
func (s *Store) Impression(ctx context.Context, user, offer uuid.UUID, capCount int, window, now time.Time) (bool, error) {
	var counted bool
	err := s.db.QueryRow(ctx, `SELECT promo.record_offer_impression($1, $2, $3, $4, $5)`, user, offer, capCount, window, now).Scan(&counted)
	if err != nil {
		return false, fmt.Errorf("record impression: %w", err)
	}
	return counted, nil
}

// Click records a click and says whether it was counted; ErrNotShown when
// the user was never shown the offer (nothing recorded).
func (s *Store) Click(ctx context.Context, user, offer uuid.UUID, now time.Time) (bool, error) {
	var counted *bool
	if err := s.db.QueryRow(ctx, `SELECT promo.record_offer_click($1, $2, $3)`, user, offer, now).Scan(&counted); err != nil {
		return false, fmt.Errorf("record click: %w", err)
	}
	if counted == nil {
		return false, ErrNotShown
	}
	return *counted, nil
}

// Dismiss records that the user dismissed the offer (again: no change).
func (s *Store) Dismiss(ctx context.Context, user, offer uuid.UUID, now time.Time) error {
	_, err := s.db.Exec(ctx, `INSERT INTO promo.offer_dismissals (user_id, offer_id, dismissed_at) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, user, offer, now)
	if err != nil {
		return fmt.Errorf("dismiss offer: %w", err)
	}
	return nil
}

// Dismissed says whether the user dismissed the offer.
func (s *Store) Dismissed(ctx context.Context, user, offer uuid.UUID) (bool, error) {
	var yes bool
	err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM promo.offer_dismissals WHERE user_id = $1 AND offer_id = $2)`, user, offer).Scan(&yes)
	if err != nil {
		return false, fmt.Errorf("read dismissal: %w", err)
	}
	return yes, nil
}

// Sweep gives back up to limit reservations expired at now and says how
// many; safe in every process at once (SKIP LOCKED).
func (s *Store) Sweep(ctx context.Context, now time.Time, limit int) (int, error) {
	var n int
	if err := s.db.QueryRow(ctx, `SELECT promo.sweep_offer_reservations($1, $2)`, now, limit).Scan(&n); err != nil {
		return 0, fmt.Errorf("sweep reservations: %w", err)
	}
	return n, nil
}

// PruneCaps deletes cap windows that ended before cutoff and hold no
// reservation.
func (s *Store) PruneCaps(ctx context.Context, cutoff time.Time) error {
	_, err := s.db.Exec(ctx, `
		DELETE FROM promo.offer_caps c USING promo.offers o
		 WHERE o.id = c.offer_id AND c.reserved = 0
		   AND c.window_start + make_interval(secs => (o.definition->'frequency_cap'->>'period_s')::bigint) < $1`, cutoff)
	if err != nil {
		return fmt.Errorf("prune cap windows: %w", err)
	}
	return nil
}

// Erase erases what the offers keep of a user in tx (a facts.Eraser):
// reservations (given back), caps, impressions, clicks and dismissals.
func Erase(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	if _, err := tx.Exec(ctx, `SELECT promo.erase_offer_user($1)`, user); err != nil {
		return fmt.Errorf("erase the offers of user %s: %w", user, err)
	}
	return nil
}

// AddRequests adds n requests for offers to the hour.
func (s *Store) AddRequests(ctx context.Context, hour time.Time, n int64) error {
	_, err := s.db.Exec(ctx, `INSERT INTO promo.offer_request_hours AS h (hour, requests) VALUES ($1, $2)
		ON CONFLICT (hour) DO UPDATE SET requests = h.requests + EXCLUDED.requests`, hour.UTC().Truncate(time.Hour), n)
	if err != nil {
		return fmt.Errorf("count requests: %w", err)
	}
	return nil
}

// RequestCurve sums the requests of the 7 days before now's hour by UTC
// hour of the day, and deletes older hours.
func (s *Store) RequestCurve(ctx context.Context, now time.Time) ([24]float64, error) {
	var curve [24]float64
	end := now.UTC().Truncate(time.Hour)
	start := end.Add(-7 * 24 * time.Hour)
	if _, err := s.db.Exec(ctx, `DELETE FROM promo.offer_request_hours WHERE hour < $1`, start.Add(-24*time.Hour)); err != nil {
		return curve, fmt.Errorf("prune request hours: %w", err)
	}
	rows, err := s.db.Query(ctx, `
		SELECT extract(hour FROM hour AT TIME ZONE 'UTC')::int, sum(requests)::float8
		  FROM promo.offer_request_hours WHERE hour >= $1 AND hour < $2 GROUP BY 1`, start, end)
	if err != nil {
		return curve, fmt.Errorf("read request curve: %w", err)
	}
	var h int
	var n float64
	_, err = pgx.ForEachRow(rows, []any{&h, &n}, func() error {
		curve[h] = n
		return nil
	})
	if err != nil {
		return curve, fmt.Errorf("read request curve: %w", err)
	}
	return curve, nil
}

// Day is an offer's figures of a UTC day.
type Day struct {
	Day                            time.Time
	Impressions, Clicks, Uncounted int64
}

// Days reads an offer's figures per day, oldest first.
func (s *Store) Days(ctx context.Context, id uuid.UUID) ([]Day, error) {
	rows, err := s.db.Query(ctx, `SELECT day, impressions, clicks, uncounted FROM promo.offer_daily WHERE offer_id = $1 ORDER BY day`, id)
	if err != nil {
		return nil, fmt.Errorf("read offer figures: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Day, error) {
		var d Day
		return d, r.Scan(&d.Day, &d.Impressions, &d.Clicks, &d.Uncounted)
	})
	if err != nil {
		return nil, fmt.Errorf("read offer figures: %w", err)
	}
	return out, nil
}
