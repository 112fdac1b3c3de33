package activity

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/athlos/athlos/storage"
)

// UUIDs are ids as pgx sends uuids in binary (it sends google/uuid's as
// text, parsed again by the server): for the large arrays of a batch.
func UUIDs(list []uuid.UUID) []pgtype.UUID {
	out := make([]pgtype.UUID, len(list))
	for i, id := range list {
		out[i] = pgtype.UUID{Bytes: id, Valid: true}
	}
	return out
}

func sortByID(events []Event) {
	slices.SortFunc(events, func(a, b Event) int { return bytes.Compare(a.SessionID[:], b.SessionID[:]) })
}

// Apply applies a batch of training events in tx and calls every applier
// with the changes they made (none is called without). Events of erased
// users and events not newer than their session's last applied revision
// change nothing.
func Apply(ctx context.Context, tx pgx.Tx, events []Event, appliers []Applier) ([]Change, error) {
	events = newest(events)
	if len(events) == 0 {
		return nil, nil
	}
	ids := make([]uuid.UUID, len(events))
	users := make([]uuid.UUID, len(events))
	revs := make([]int64, len(events))
	for i, e := range events {
		ids[i], users[i], revs[i] = e.SessionID, e.UserID, e.Revision
	}
	if err := lockUsers(ctx, tx, users); err != nil {
		return nil, err
	}
	// The gate and the lock: a session's revision row is raised only by a
	// newer event, and stays locked by this transaction until it ends; in
	// id order, so two batches never wait for each other in a circle.
	rows, err := tx.Query(ctx, `INSERT INTO gamification.session_revisions AS r (session_id, user_id, revision)
		SELECT e.id, e.user_id, e.revision FROM unnest($1::uuid[], $2::uuid[], $3::bigint[]) AS e (id, user_id, revision)
		WHERE NOT EXISTS (SELECT 1 FROM gamification.erased_users x WHERE x.user_id = e.user_id)
		ORDER BY e.id
		ON CONFLICT (session_id) DO UPDATE SET revision = excluded.revision WHERE r.revision < excluded.revision
		RETURNING session_id`, UUIDs(ids), UUIDs(users), revs)
	if err != nil {
		return nil, fmt.Errorf("activity: gate session revisions: %w", err)
	}
	applied, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("activity: gate session revisions: %w", err)
	}
	if len(applied) == 0 {
		return nil, nil
	}
	old, err := sessionsByID(ctx, tx, `id = ANY($1)`, UUIDs(applied))
	if err != nil {
		return nil, err
	}
	gated := make(map[uuid.UUID]bool, len(applied))
	for _, id := range applied {
		gated[id] = true
	}
	var changes []Change
	var gone []uuid.UUID
	var saved []*Session
	for _, e := range events {
		if !gated[e.SessionID] {
			continue
		}
		c := Change{Old: old[e.SessionID], New: e.Session}
		if c.New == nil {
			gone = append(gone, e.SessionID)
		} else {
			c.New.Revision = e.Revision
			saved = append(saved, c.New)
		}
		if c.Old != nil || c.New != nil {
			changes = append(changes, c)
		}
	}
	if err := deleteSessions(ctx, tx, gone); err != nil {
		return nil, err
	}
	if err := saveSessions(ctx, tx, saved); err != nil {
		return nil, err
	}
	if len(changes) == 0 {
		return nil, nil
	}
	batch := &Batch{}
	ctx = context.WithValue(ctx, batchKey{}, batch)
	for _, a := range appliers {
		if err := a.ApplySessions(ctx, tx, changes); err != nil {
			return nil, err
		}
	}
	if len(batch.Points) > 0 {
		return nil, fmt.Errorf("activity: %d unlocks' points left by the appliers (the leaderboards must come after the achievements)", len(batch.Points))
	}
	return changes, nil
}

// lockUsers takes users' shared locks in tx, in one order: a user's
// erasure (EraseUser) waits for the transactions holding them, and a
// statement after them sees the user erased (the locks end with the
// transactions).
func lockUsers(ctx context.Context, tx pgx.Tx, users []uuid.UUID) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared(k) FROM (SELECT DISTINCT hashtextextended('gamification.user:' || u::text, 0) AS k
		FROM unnest($1::uuid[]) AS u ORDER BY 1) AS l`, UUIDs(users)); err != nil {
		return fmt.Errorf("activity: lock users: %w", err)
	}
	return nil
}

// lockUserExclusive takes a user's lock exclusive in tx: it waits for
// the transactions holding it shared (Apply, LockLive) to end, and they
// for tx. SaveUser takes it so: a user's row and their totals come
// through separate consumers, and the listing trigger on the row (which
// tells the leaderboards of a new user only when it sees their totals)
// must see the totals of a session applied at the same time, as the
// session's commit must see the row. With shared locks both ran at once,
// neither seeing the other, and the user stayed off the boards in memory.
func lockUserExclusive(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('gamification.user:' || $1::text, 0))`, user); err != nil {
		return fmt.Errorf("activity: lock user: %w", err)
	}
	return nil
}

// LockLive takes users' shared locks in tx (as Apply does) and returns
// those not erased: a change for them made in tx cannot outlive an
// erasure, which waits for tx. Every writer of a user's rows outside
// Apply (points, records, challenges counted) calls it first, so a late
// event of an erased user changes nothing.
func LockLive(ctx context.Context, tx pgx.Tx, users []uuid.UUID) ([]uuid.UUID, error) {
	if len(users) == 0 {
		return nil, nil
	}
	if err := lockUsers(ctx, tx, users); err != nil {
		return nil, err
	}
	// A statement of its own: its snapshot is taken after the locks, so
	// an erasure committed while this waited is seen.
	rows, err := tx.Query(ctx, `SELECT u FROM unnest($1::uuid[]) AS u
		WHERE NOT EXISTS (SELECT 1 FROM gamification.erased_users x WHERE x.user_id = u)`, UUIDs(users))
	if err != nil {
		return nil, fmt.Errorf("activity: users not erased: %w", err)
	}
	live, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("activity: users not erased: %w", err)
	}
	return live, nil
}

func deleteSessions(ctx context.Context, tx pgx.Tx, ids []uuid.UUID) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `DELETE FROM gamification.sessions WHERE id = ANY($1)`, UUIDs(ids)); err != nil {
		return fmt.Errorf("activity: delete sessions: %w", err)
	}
	return nil
}

func saveSessions(ctx context.Context, tx pgx.Tx, list []*Session) error {
	if len(list) == 0 {
		return nil
	}
	n := len(list)
	ids, users := make([]uuid.UUID, n), make([]uuid.UUID, n)
	sports := make([]string, n)
	started, completed := make([]time.Time, n), make([]time.Time, n)
	dist, moving, elapsed, elev, vol := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	plausible := make([]bool, n)
	efforts := make([]string, n)
	revs := make([]int64, n)
	for i, s := range list {
		ids[i], users[i], sports[i], started[i], completed[i] = s.ID, s.UserID, s.Sport, s.StartedAt, s.CompletedAt
		dist[i], moving[i], elapsed[i], elev[i], vol[i] = s.DistanceM, s.MovingTimeS, s.ElapsedTimeS, s.ElevationGainM, s.StrengthVolumeKg
		plausible[i], revs[i] = s.Plausible, s.Revision
		b, err := json.Marshal(s.BestEfforts)
		if err != nil {
			return fmt.Errorf("activity: encode best efforts: %w", err)
		}
		if s.BestEfforts == nil {
			b = []byte("{}")
		}
		efforts[i] = string(b)
	}
	_, err := tx.Exec(ctx, `INSERT INTO gamification.sessions (id, user_id, sport, started_at, completed_at, distance_m,
			moving_time_s, elapsed_time_s, elevation_gain_m, strength_volume_kg, plausible, best_efforts, revision)
		SELECT id, user_id, sport, started_at, completed_at, distance_m, moving_time_s, elapsed_time_s, elevation_gain_m,
			strength_volume_kg, plausible, best_efforts::jsonb, revision
		FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::float8[], $7::float8[],
			$8::float8[], $9::float8[], $10::float8[], $11::bool[], $12::text[], $13::bigint[])
			AS s (id, user_id, sport, started_at, completed_at, distance_m, moving_time_s, elapsed_time_s, elevation_gain_m,
			strength_volume_kg, plausible, best_efforts, revision)
		ON CONFLICT (id) DO UPDATE SET sport = excluded.sport, started_at = excluded.started_at,
			completed_at = excluded.completed_at, distance_m = excluded.distance_m, moving_time_s = excluded.moving_time_s,
			elapsed_time_s = excluded.elapsed_time_s, elevation_gain_m = excluded.elevation_gain_m,
			strength_volume_kg = excluded.strength_volume_kg, plausible = excluded.plausible,
			best_efforts = excluded.best_efforts, revision = excluded.revision`,
		UUIDs(ids), UUIDs(users), sports, started, completed, dist, moving, elapsed, elev, vol, plausible, efforts, revs)
	if err != nil {
		return fmt.Errorf("activity: save sessions: %w", err)
	}
	return nil
}

const sessionColumns = `id, user_id, sport, started_at, completed_at, distance_m, moving_time_s, elapsed_time_s,
	elevation_gain_m, strength_volume_kg, plausible, best_efforts, revision`

func scanSession(row pgx.CollectableRow) (*Session, error) {
	var s Session
	err := row.Scan(&s.ID, &s.UserID, &s.Sport, &s.StartedAt, &s.CompletedAt, &s.DistanceM, &s.MovingTimeS, &s.ElapsedTimeS,
		&s.ElevationGainM, &s.StrengthVolumeKg, &s.Plausible, &s.BestEfforts, &s.Revision)
	return &s, err
}

// sessionsByID reads the sessions where cond (on $1) holds, by id.
func sessionsByID(ctx context.Context, q storage.Querier, cond string, arg any) (map[uuid.UUID]*Session, error) {
	rows, err := q.Query(ctx, `SELECT `+sessionColumns+` FROM gamification.sessions WHERE `+cond, arg)
	if err != nil {
		return nil, fmt.Errorf("activity: read sessions: %w", err)
	}
	list, err := pgx.CollectRows(rows, scanSession)
	if err != nil {
		return nil, fmt.Errorf("activity: read sessions: %w", err)
	}
	out := make(map[uuid.UUID]*Session, len(list))
	for _, s := range list {
		out[s.ID] = s
	}
	return out, nil
}

// UserSessions returns a user's finished sessions (plausible or not), by
// start time: a feature's recomputation reads them.
func UserSessions(ctx context.Context, q storage.Querier, user uuid.UUID) ([]Session, error) {
	m, err := SessionsOf(ctx, q, []uuid.UUID{user})
	return m[user], err
}

// SessionsOf returns the finished sessions (plausible or not) of users, by
// user, by start time: a backfill reads a batch of users' at once.
func SessionsOf(ctx context.Context, q storage.Querier, users []uuid.UUID) (map[uuid.UUID][]Session, error) {
	rows, err := q.Query(ctx, `SELECT `+sessionColumns+` FROM gamification.sessions WHERE user_id = ANY($1) ORDER BY user_id, started_at, id`, UUIDs(users))
	if err != nil {
		return nil, fmt.Errorf("activity: read users' sessions: %w", err)
	}
	out := make(map[uuid.UUID][]Session, len(users))
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("activity: read users' sessions: %w", err)
		}
		out[s.UserID] = append(out[s.UserID], *s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("activity: read users' sessions: %w", err)
	}
	return out, nil
}

// Locations returns the time zones of users (UTC for one gamification has
// not heard of, or whose zone is unknown to this machine's database).
func Locations(ctx context.Context, q storage.Querier, users []uuid.UUID) (map[uuid.UUID]*time.Location, error) {
	rows, err := q.Query(ctx, `SELECT user_id, time_zone FROM gamification.users WHERE user_id = ANY($1)`, UUIDs(users))
	if err != nil {
		return nil, fmt.Errorf("activity: read time zones: %w", err)
	}
	type zone struct {
		User uuid.UUID
		Name string
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[zone])
	if err != nil {
		return nil, fmt.Errorf("activity: read time zones: %w", err)
	}
	out := make(map[uuid.UUID]*time.Location, len(users))
	for _, u := range users {
		out[u] = time.UTC
	}
	for _, z := range list {
		if loc := location(z.Name); loc != nil {
			out[z.User] = loc
		}
	}
	return out, nil
}

// zones caches time.LoadLocation, which reads the zone's file each time.
var zones sync.Map // name → *time.Location (nil: unknown)

// location is the time zone of an IANA name (nil when this machine does
// not know it).
func location(name string) *time.Location {
	if v, ok := zones.Load(name); ok {
		return v.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = nil
	}
	zones.Store(name, loc)
	return loc
}

// User is a user's row of the read model.
type User struct {
	ID                 uuid.UUID
	DisplayName        string
	Country            *string
	TimeZone           string
	ShowInLeaderboards bool
	UpdatedAt          time.Time
}

// SaveUser keeps a user's facts if at is newer than those kept (and the
// user was not erased). It reports whether it changed anything. A name
// only (registration) keeps the other facts.
func SaveUser(ctx context.Context, tx pgx.Tx, u User, nameOnly bool) (bool, error) {
	set := `display_name = excluded.display_name, country = excluded.country, time_zone = excluded.time_zone,
		show_in_leaderboards = excluded.show_in_leaderboards, updated_at = excluded.updated_at`
	if nameOnly {
		set = `display_name = excluded.display_name, updated_at = excluded.updated_at`
	}
	if u.TimeZone == "" {
		u.TimeZone = "UTC"
	}
	// The user's lock, exclusive (lockUserExclusive): an erasure or a
	// session committed while this waits is seen.
	if err := lockUserExclusive(ctx, tx, u.ID); err != nil {
		return false, err
	}
	tag, err := tx.Exec(ctx, `INSERT INTO gamification.users AS u (user_id, display_name, country, time_zone, show_in_leaderboards, updated_at)
		SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM gamification.erased_users WHERE user_id = $1)
		ON CONFLICT (user_id) DO UPDATE SET `+set+` WHERE u.updated_at < excluded.updated_at`,
		u.ID, u.DisplayName, u.Country, u.TimeZone, u.ShowInLeaderboards, u.UpdatedAt)
	if err != nil {
		return false, fmt.Errorf("activity: save user: %w", err)
	}
	return tag.RowsAffected() > 0, nil
}

// SaveProfile keeps a user's profile (SaveUser) and, when it changes their
// time zone, tells the watchers.
func SaveProfile(ctx context.Context, tx pgx.Tx, u User, watchers []ZoneWatcher) error {
	// The user's lock before the row's, in the order EraseUser takes them.
	if err := lockUserExclusive(ctx, tx, u.ID); err != nil {
		return err
	}
	var before string
	err := tx.QueryRow(ctx, `SELECT time_zone FROM gamification.users WHERE user_id = $1 FOR UPDATE`, u.ID).Scan(&before)
	switch {
	case err == pgx.ErrNoRows:
		before = "UTC" // what Locations gave until now
	case err != nil:
		return wrap("read time zone", err)
	}
	changed, err := SaveUser(ctx, tx, u, false)
	if err != nil || !changed || before == u.TimeZone || u.TimeZone == "" {
		return err
	}
	for _, w := range watchers {
		if err := w.TimeZoneChanged(ctx, tx, u.ID); err != nil {
			return err
		}
	}
	return nil
}

// EraseUser erases a deleted user: every eraser's rows first, then the
// read models' (user, memberships, sessions and their revisions), and
// remembers the id so late events are not applied again.
func EraseUser(ctx context.Context, tx pgx.Tx, user uuid.UUID, at time.Time, erasers []Eraser) error {
	if err := lockUserExclusive(ctx, tx, user); err != nil {
		return err
	}
	for _, e := range erasers {
		if err := e.EraseUser(ctx, tx, user); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, `WITH
		e AS (INSERT INTO gamification.erased_users (user_id, erased_at) VALUES ($1, $2) ON CONFLICT DO NOTHING),
		u AS (DELETE FROM gamification.users WHERE user_id = $1),
		g AS (DELETE FROM gamification.group_members WHERE user_id = $1),
		l AS (DELETE FROM gamification.left_members WHERE user_id = $1),
		s AS (DELETE FROM gamification.sessions WHERE user_id = $1)
		DELETE FROM gamification.session_revisions WHERE user_id = $1`, user, at)
	if err != nil {
		return fmt.Errorf("activity: erase user: %w", err)
	}
	return nil
}

// Membership is one membership fact of social's events: a member with a
// role, or no longer one (Role empty).
type Membership struct {
	Group, User uuid.UUID
	Role        string // owner, admin, member; "" when the membership ended
	Seq         int64
}

// SaveMembership keeps a membership fact if its seq is newer than the
// one kept and the group is open. It reports whether it changed anything.
func SaveMembership(ctx context.Context, tx pgx.Tx, m Membership) (bool, error) {
	// The user's lock: an erasure committed while this waits is seen.
	if err := lockUsers(ctx, tx, []uuid.UUID{m.User}); err != nil {
		return false, err
	}
	// The group's lock, shared: its closing (CloseGroup, exclusive) and a
	// fact of one of its members come through separate consumers, maybe
	// at once; without it, the fact could find the group open while the
	// closing deletes the members it sees, and one would outlive it.
	if err := lockGroup(ctx, tx, m.Group, "pg_advisory_xact_lock_shared"); err != nil {
		return false, err
	}
	// Two processes may apply two facts of one membership at once: the
	// lock makes the second see the first.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('gamification.membership:' || $1::text || $2::text, 0))`,
		m.Group, m.User); err != nil {
		return false, wrap("lock membership", err)
	}
	var newer bool
	err := tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM gamification.closed_groups WHERE group_id = $1)
		AND NOT EXISTS (SELECT 1 FROM gamification.erased_users WHERE user_id = $2)
		AND coalesce((SELECT seq FROM gamification.group_members WHERE group_id = $1 AND user_id = $2), 0) < $3
		AND coalesce((SELECT seq FROM gamification.left_members WHERE group_id = $1 AND user_id = $2), 0) < $3`,
		m.Group, m.User, m.Seq).Scan(&newer)
	if err != nil || !newer {
		return false, wrap("check membership", err)
	}
	if m.Role == "" {
		_, err = tx.Exec(ctx, `WITH d AS (DELETE FROM gamification.group_members WHERE group_id = $1 AND user_id = $2)
			INSERT INTO gamification.left_members (group_id, user_id, seq) VALUES ($1, $2, $3)
			ON CONFLICT (group_id, user_id) DO UPDATE SET seq = excluded.seq`, m.Group, m.User, m.Seq)
	} else {
		_, err = tx.Exec(ctx, `WITH d AS (DELETE FROM gamification.left_members WHERE group_id = $1 AND user_id = $2)
			INSERT INTO gamification.group_members (group_id, user_id, role, seq) VALUES ($1, $2, $3, $4)
			ON CONFLICT (group_id, user_id) DO UPDATE SET role = excluded.role, seq = excluded.seq`, m.Group, m.User, m.Role, m.Seq)
	}
	return err == nil, wrap("save membership", err)
}

// lockGroup takes a group's lock in tx with fn, pg_advisory_xact_lock
// (exclusive: the closing) or pg_advisory_xact_lock_shared (a member's
// fact).
func lockGroup(ctx context.Context, tx pgx.Tx, group uuid.UUID, fn string) error {
	if _, err := tx.Exec(ctx, `SELECT `+fn+`(hashtextextended('gamification.group:' || $1::text, 0))`, group); err != nil {
		return wrap("lock group", err)
	}
	return nil
}

// CloseGroup forgets a deleted group's memberships for good. It takes
// the group's lock exclusive (SaveMembership takes it shared), then
// deletes in a statement of its own, whose snapshot sees every member a
// fact applied before.
func CloseGroup(ctx context.Context, tx pgx.Tx, group uuid.UUID, seq int64) error {
	if err := lockGroup(ctx, tx, group, "pg_advisory_xact_lock"); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `WITH
		c AS (INSERT INTO gamification.closed_groups (group_id, seq) VALUES ($1, $2) ON CONFLICT DO NOTHING),
		l AS (DELETE FROM gamification.left_members WHERE group_id = $1)
		DELETE FROM gamification.group_members WHERE group_id = $1`, group, seq)
	return wrap("close group", err)
}

// GroupRole is a user's role in a group ("" when not a member).
func GroupRole(ctx context.Context, q storage.Querier, group, user uuid.UUID) (string, error) {
	var role string
	err := q.QueryRow(ctx, `SELECT role FROM gamification.group_members WHERE group_id = $1 AND user_id = $2`, group, user).Scan(&role)
	if err == pgx.ErrNoRows {
		return "", nil
	}
	return role, wrap("read group role", err)
}

func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("activity: %s: %w", what, err)
}
