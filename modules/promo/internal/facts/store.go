package facts

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// loadSQL reads every fact of a user in one statement (one snapshot).
// $1 user, $2 the start of the sports window, $3 the start of the
// activity window, $4 now.
const loadSQL = `SELECT u.user_id IS NOT NULL, u.registered_at, u.birth_date, coalesce(u.country, ''), coalesce(u.language, ''),
	coalesce(NOT c.personalised_offers, false),
	ARRAY(SELECT s.sport FROM promo.user_sessions s
		WHERE s.user_id = $1 AND NOT s.deleted AND s.started_at >= $2 AND s.started_at <= $4
		GROUP BY s.sport ORDER BY count(*) DESC, s.sport),
	(SELECT count(*) FROM promo.user_sessions s
		WHERE s.user_id = $1 AND NOT s.deleted AND s.started_at >= $3 AND s.started_at <= $4),
	(SELECT coalesce(json_agg(json_build_object('id', g.gear_id, 'type', g.type,
			'distance_m', CASE WHEN g.wear_at > g.changed_at THEN greatest(g.distance_m, g.wear_distance_m) ELSE g.distance_m END,
			'replacement_threshold_m', g.replacement_threshold_m) ORDER BY g.gear_id), '[]')
		FROM promo.user_gear g WHERE g.user_id = $1 AND NOT g.deleted AND NOT g.retired),
	ARRAY(SELECT ch.challenge_id FROM promo.user_challenges ch WHERE ch.user_id = $1 AND ch.joined ORDER BY ch.challenge_id)
FROM (SELECT $1::uuid AS id) k
LEFT JOIN promo.users u ON u.user_id = k.id
LEFT JOIN promo.consents c ON c.user_id = k.id`

// gearJSON is a gear item as loadSQL aggregates it.
type gearJSON struct {
	ID                    uuid.UUID `json:"id"`
	Type                  string    `json:"type"`
	DistanceM             float64   `json:"distance_m"`
	ReplacementThresholdM *float64  `json:"replacement_threshold_m"`
}

// Load reads a user's facts in one round trip (a user never seen gives
// Facts{UserID: id, Known: false}, no error; an objection is reported
// even then). q is a pool or a transaction; nothing is cached, so an
// objection counts from the next Load.
func Load(ctx context.Context, q Querier, user uuid.UUID, now time.Time) (Facts, error) {
	f := Facts{UserID: user}
	var (
		registeredAt *time.Time
		birth        *time.Time
		sessions     int64
		gearRaw      []byte
	)
	err := q.QueryRow(ctx, loadSQL, user, now.Add(-SportsWindow), now.Add(-ActivityWindow), now).Scan(
		&f.Known, &registeredAt, &birth, &f.Country, &f.Language, &f.Objected, &f.Sports, &sessions, &gearRaw, &f.Challenges)
	if err != nil {
		return Facts{}, fmt.Errorf("facts: load user %s: %w", user, err)
	}
	if registeredAt != nil {
		f.RegisteredAt = registeredAt.UTC()
	}
	if birth != nil {
		b := time.Date(birth.Year(), birth.Month(), birth.Day(), 0, 0, 0, 0, time.UTC)
		f.BirthDate = &b
	}
	f.SessionsPerWeek = float64(sessions) / 4
	if len(f.Sports) == 0 {
		f.Sports = nil
	}
	if len(f.Challenges) == 0 {
		f.Challenges = nil
	}
	var gear []gearJSON
	if err := json.Unmarshal(gearRaw, &gear); err != nil {
		return Facts{}, fmt.Errorf("facts: load user %s: gear: %w", user, err)
	}
	for _, g := range gear {
		f.Gear = append(f.Gear, Gear(g))
	}
	return f, nil
}

// lockUser takes the user's lock for the rest of tx (shared by the
// consumers, exclusive for the erasure) and says whether the user was
// erased: an erased user's late events are not applied. The lock orders
// an erasure with the events of the user being applied at the same time,
// so nothing written by them survives it.
func lockUser(ctx context.Context, tx pgx.Tx, user uuid.UUID, exclusive bool) (erased bool, err error) {
	fn := "pg_advisory_xact_lock_shared"
	if exclusive {
		fn = "pg_advisory_xact_lock"
	}
	if _, err := tx.Exec(ctx, `SELECT `+fn+`(hashtextextended('promo.user:' || $1::text, 0))`, user); err != nil {
		return false, fmt.Errorf("facts: lock user %s: %w", user, err)
	}
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM promo.erased_users WHERE user_id = $1)`, user).Scan(&erased); err != nil {
		return false, fmt.Errorf("facts: is user %s erased: %w", user, err)
	}
	return erased, nil
}

// Registration is what promo keeps of a registration.
type Registration struct {
	UserID       uuid.UUID
	Language     string
	RegisteredAt time.Time
}

// ApplyRegistration records a registration (again: no change). The
// language is the registration's only while no profile event came.
func ApplyRegistration(ctx context.Context, tx pgx.Tx, r Registration) error {
	if erased, err := lockUser(ctx, tx, r.UserID, false); err != nil || erased {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO promo.users AS u (user_id, registered_at, language) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET registered_at = excluded.registered_at,
			language = CASE WHEN u.profile_updated_at IS NULL THEN excluded.language ELSE u.language END`,
		r.UserID, r.RegisteredAt, r.Language)
	if err != nil {
		return fmt.Errorf("facts: save registration of %s: %w", r.UserID, err)
	}
	return nil
}

// Profile is what promo keeps of a profile: no health data.
type Profile struct {
	UserID    uuid.UUID
	BirthDate *time.Time // a date; nil unknown
	Country   string     // ISO 3166-1 alpha-2 upper case, "" unknown
	Language  string
	UpdatedAt time.Time
}

// ApplyProfile records a profile if it is newer (UpdatedAt) than the one
// kept; an older one, or the same again, changes nothing.
func ApplyProfile(ctx context.Context, tx pgx.Tx, p Profile) error {
	if erased, err := lockUser(ctx, tx, p.UserID, false); err != nil || erased {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO promo.users AS u (user_id, birth_date, country, language, profile_updated_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (user_id) DO UPDATE SET birth_date = excluded.birth_date, country = excluded.country,
			language = excluded.language, profile_updated_at = excluded.profile_updated_at
		WHERE u.profile_updated_at IS NULL OR u.profile_updated_at < excluded.profile_updated_at`,
		p.UserID, p.BirthDate, p.Country, p.Language, p.UpdatedAt)
	if err != nil {
		return fmt.Errorf("facts: save profile of %s: %w", p.UserID, err)
	}
	return nil
}

// Session is a finished session as promo keeps it.
type Session struct {
	ID        uuid.UUID
	UserID    uuid.UUID
	Sport     string
	StartedAt time.Time
	Revision  int64
	// Deleted: the session was deleted (a tombstone of its revision).
	Deleted bool
}

// ApplySession records a session's completion, change or deletion if its
// revision is higher than the one kept; an older or repeated event
// changes nothing. The consumer applies them in batches
// (ApplySessionsOnce); this is one event's work in tx.
func ApplySession(ctx context.Context, tx pgx.Tx, s Session) error {
	if erased, err := lockUser(ctx, tx, s.UserID, false); err != nil || erased {
		return err
	}
	return saveSessions(ctx, tx, []uuid.UUID{s.ID}, []uuid.UUID{s.UserID}, []string{s.Sport}, []time.Time{s.StartedAt},
		[]int64{s.Revision}, []bool{s.Deleted})
}

// GearItem is an item of gear as promo keeps it.
type GearItem struct {
	Gear
	UserID  uuid.UUID
	Retired bool
	// Deleted: the item was deleted (a tombstone).
	Deleted bool
	// ChangedAt is the event's time: it orders an item's events.
	ChangedAt time.Time
}

// ApplyGear records an item's creation, change or deletion if it is newer
// (ChangedAt) than what is kept; an older or repeated event changes
// nothing, and a deleted item is not brought back (a deletion wins over a
// change of the same instant).
func ApplyGear(ctx context.Context, tx pgx.Tx, g GearItem) error {
	if erased, err := lockUser(ctx, tx, g.UserID, false); err != nil || erased {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO promo.user_gear AS g (gear_id, user_id, type, distance_m, replacement_threshold_m, retired, deleted, changed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (gear_id) DO UPDATE SET type = CASE WHEN excluded.deleted THEN g.type ELSE excluded.type END,
			distance_m = CASE WHEN excluded.deleted THEN g.distance_m ELSE excluded.distance_m END,
			replacement_threshold_m = CASE WHEN excluded.deleted THEN g.replacement_threshold_m ELSE excluded.replacement_threshold_m END,
			retired = CASE WHEN excluded.deleted THEN g.retired ELSE excluded.retired END,
			deleted = excluded.deleted, changed_at = excluded.changed_at
		WHERE NOT g.deleted AND g.user_id = excluded.user_id
			AND (g.changed_at < excluded.changed_at OR (excluded.deleted AND g.changed_at <= excluded.changed_at))`,
		g.ID, g.UserID, g.Type, g.DistanceM, g.ReplacementThresholdM, g.Retired, g.Deleted, g.ChangedAt)
	if err != nil {
		return fmt.Errorf("facts: save gear %s: %w", g.ID, err)
	}
	return nil
}

// GearWear is an item's crossing of its replacement threshold
// (evt.client.gear.wear_limit_reached): its distance then.
type GearWear struct {
	GearID                uuid.UUID
	UserID                uuid.UUID
	DistanceM             float64
	ReplacementThresholdM float64
	ReachedAt             time.Time
}

// ApplyGearWear records an item's distance at the crossing of its
// replacement threshold, used until a newer gear event (which has the
// distance of its own time): only for an item kept, not deleted, with the
// same threshold. An item promo has not heard of yet is left alone (its
// creation, far older, brings it).
func ApplyGearWear(ctx context.Context, tx pgx.Tx, w GearWear) error {
	if erased, err := lockUser(ctx, tx, w.UserID, false); err != nil || erased {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE promo.user_gear SET wear_distance_m = $3, wear_at = $4
		WHERE gear_id = $1 AND user_id = $2 AND NOT deleted AND replacement_threshold_m = $5
			AND (wear_at IS NULL OR wear_at < $4)`, w.GearID, w.UserID, w.DistanceM, w.ReachedAt, w.ReplacementThresholdM)
	if err != nil {
		return fmt.Errorf("facts: save wear of gear %s: %w", w.GearID, err)
	}
	return nil
}

// ApplyChallenge records that a user joined (or left) a challenge at at,
// if it is newer than what is kept.
func ApplyChallenge(ctx context.Context, tx pgx.Tx, user, challenge uuid.UUID, joined bool, at time.Time) error {
	if erased, err := lockUser(ctx, tx, user, false); err != nil || erased {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO promo.user_challenges AS c (user_id, challenge_id, joined, changed_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id, challenge_id) DO UPDATE SET joined = excluded.joined, changed_at = excluded.changed_at
		WHERE c.changed_at < excluded.changed_at`, user, challenge, joined, at)
	if err != nil {
		return fmt.Errorf("facts: save challenge %s of %s: %w", challenge, user, err)
	}
	return nil
}

// Erase erases everything promo's facts keep of a user, calls every eraser
// in tx, and remembers the user as erased so their late events are not
// applied. Erasing again changes nothing.
func Erase(ctx context.Context, tx pgx.Tx, user uuid.UUID, at time.Time, erasers ...Eraser) error {
	if _, err := lockUser(ctx, tx, user, true); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `WITH u AS (DELETE FROM promo.users WHERE user_id = $1),
		c AS (DELETE FROM promo.consents WHERE user_id = $1),
		s AS (DELETE FROM promo.user_sessions WHERE user_id = $1),
		g AS (DELETE FROM promo.user_gear WHERE user_id = $1),
		ch AS (DELETE FROM promo.user_challenges WHERE user_id = $1)
		INSERT INTO promo.erased_users (user_id, erased_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`, user, at)
	if err != nil {
		return fmt.Errorf("facts: erase user %s: %w", user, err)
	}
	for _, e := range erasers {
		if err := e(ctx, tx, user); err != nil {
			return fmt.Errorf("facts: erase user %s: %w", user, err)
		}
	}
	return nil
}

// Prune deletes the sessions (and tombstones) started before the sports
// window: cheap with its index, harmless to run twice or in several
// processes at once. It returns how many rows went.
func Prune(ctx context.Context, q Querier, now time.Time) (int64, error) {
	tag, err := q.Exec(ctx, `DELETE FROM promo.user_sessions WHERE started_at < $1`, now.Add(-SportsWindow))
	if err != nil {
		return 0, fmt.Errorf("facts: prune sessions: %w", err)
	}
	return tag.RowsAffected(), nil
}
