package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/athlos/athlos/modules/training/internal/stats"
	"github.com/athlos/athlos/storage"
)

// NewSession is a session to insert.
type NewSession struct {
	ID, User   uuid.UUID
	Sport      string
	Device     *uuid.UUID
	Visibility string
	Title      string
	StartedAt  time.Time
	Gear       []uuid.UUID
	// An imported session is finished at once, and keeps its file's
	// format and digest (a user imports a file once).
	FinishedAt   *time.Time
	SourceFormat string
	SourceSHA256 []byte
}

// ErrDuplicateFile means the user imported the same file before.
var ErrDuplicateFile = errors.New("store: file imported already")

// InsertSession stores a new session (active, or finished when FinishedAt
// is set) and its gear links.
func InsertSession(ctx context.Context, tx pgx.Tx, s NewSession) error {
	state := "active"
	if s.FinishedAt != nil {
		state = "finished"
	}
	_, err := tx.Exec(ctx, `INSERT INTO training.sessions (id, user_id, sport, state, device_id, visibility, title, started_at,
		finished_at, last_point_at, source_format, source_sha256)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::timestamptz, CASE WHEN $10::text = 'manual' THEN NULL ELSE $9::timestamptz END, NULLIF($10::text, ''), $11)`, s.ID, s.User, s.Sport, state, s.Device, s.Visibility,
		s.Title, s.StartedAt, s.FinishedAt, s.SourceFormat, s.SourceSHA256)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.ConstraintName == "sessions_source" {
		return ErrDuplicateFile
	}
	if err != nil {
		return fmt.Errorf("store: insert session: %w", err)
	}
	for _, g := range s.Gear {
		if _, err := tx.Exec(ctx, `INSERT INTO training.session_gear (session_id, gear_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, s.ID, g); err != nil {
			return fmt.Errorf("store: insert session gear: %w", err)
		}
	}
	return nil
}

// SessionRow is a stored session.
type SessionRow struct {
	ID, UserID uuid.UUID
	Sport      string
	State      string
	DeviceID   *uuid.UUID
	GearIDs    []string
	Visibility string
	Title      string
	Notes      string
	// Parameters are named values (perceived effort, ...), JSON each.
	Parameters  map[string]json.RawMessage
	Source      string // live, or the imported file's format
	StartedAt   time.Time
	FinishedAt  *time.Time
	LastPointAt *time.Time
	// PointsStored counts the points while the session is open (its
	// running figures), then those of its figures.
	PointsStored int
	// Summary is a finished session's figures (nil before).
	Summary *Summary
	// Plausible and ImplausibleReason are a finished session's verdict
	// (internal/plausible).
	Plausible         bool
	ImplausibleReason string
	// Exercises are the session's exercises and sets, in order.
	Exercises []SessionExercise
}

const sessionColumns = `s.id, s.user_id, s.sport, s.state, s.device_id, s.visibility, s.title, s.notes, COALESCE(s.source_format, 'live'),
	s.started_at, s.finished_at, s.last_point_at, s.summary, s.live,
	COALESCE((SELECT array_agg(g.gear_id::text ORDER BY g.gear_id) FROM training.session_gear g WHERE g.session_id = s.id), '{}'),
	COALESCE((SELECT jsonb_object_agg(p.name, p.value) FROM training.session_parameters p WHERE p.session_id = s.id), '{}'),
	s.plausible, COALESCE(s.implausible_reason, ''), ` + sessionExercisesColumn

func scanSession(row pgx.Row) (SessionRow, error) {
	var r SessionRow
	var summary, live, params, exercises []byte
	err := row.Scan(&r.ID, &r.UserID, &r.Sport, &r.State, &r.DeviceID, &r.Visibility, &r.Title, &r.Notes, &r.Source, &r.StartedAt, &r.FinishedAt,
		&r.LastPointAt, &summary, &live, &r.GearIDs, &params, &r.Plausible, &r.ImplausibleReason, &exercises)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("store: read session: %w", err)
	}
	if err := json.Unmarshal(params, &r.Parameters); err != nil {
		return r, fmt.Errorf("store: session parameters: %w", err)
	}
	if err := json.Unmarshal(exercises, &r.Exercises); err != nil {
		return r, fmt.Errorf("store: session exercises: %w", err)
	}
	if summary != nil {
		r.Summary = &Summary{}
		if err := json.Unmarshal(summary, r.Summary); err != nil {
			return r, fmt.Errorf("store: session summary: %w", err)
		}
		r.PointsStored = r.Summary.Points
	}
	if live != nil {
		var l stats.Live
		if err := l.UnmarshalBinary(live); err != nil {
			return r, fmt.Errorf("store: live figures: %w", err)
		}
		r.PointsStored = l.Points
	}
	return r, nil
}

// ErrNotFound means no row matched (or it belongs to another user).
var ErrNotFound = errors.New("store: not found")

// Session reads a user's session; ErrNotFound for another user's.
func Session(ctx context.Context, q storage.Querier, user, id uuid.UUID) (SessionRow, error) {
	return scanSession(q.QueryRow(ctx, `SELECT `+sessionColumns+` FROM training.sessions s WHERE s.id = $1 AND s.user_id = $2`, id, user))
}

// LockSession reads a user's session and locks it for the transaction.
func LockSession(ctx context.Context, tx pgx.Tx, user, id uuid.UUID) (SessionRow, error) {
	return scanSession(tx.QueryRow(ctx, `SELECT `+sessionColumns+` FROM training.sessions s WHERE s.id = $1 AND s.user_id = $2 FOR UPDATE`, id, user))
}

// SetState changes a session's state, with its finish time when it has one.
func SetState(ctx context.Context, tx pgx.Tx, id uuid.UUID, state string, finishedAt *time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE training.sessions SET state = $2, finished_at = COALESCE($3, finished_at),
		updated_at = now() WHERE id = $1`, id, state, finishedAt)
	if err != nil {
		return fmt.Errorf("store: set session state: %w", err)
	}
	return nil
}

// DeviceOwned reports whether the user has this device.
func DeviceOwned(ctx context.Context, q storage.Querier, user, id uuid.UUID) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM training.devices WHERE id = $1 AND user_id = $2)`, id, user).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("store: device owned: %w", err)
	}
	return ok, nil
}

// Sessions lists a user's sessions, newest first, with ids below after
// (uuid.Nil: from the newest), optionally of one sport and started within
// [from, to).
func Sessions(ctx context.Context, q storage.Querier, user, after uuid.UUID, sport string, from, to *time.Time, limit int) ([]SessionRow, error) {
	return VisibleSessions(ctx, q, user, after, sport, from, to, nil, limit)
}

// VisibleSessions is Sessions for another user: only those of the given
// visibility levels (nil: every session, as Sessions), never discarded
// ones.
func VisibleSessions(ctx context.Context, q storage.Querier, user, after uuid.UUID, sport string, from, to *time.Time,
	visible []string, limit int) ([]SessionRow, error) {
	rows, err := q.Query(ctx, `SELECT `+sessionColumns+` FROM training.sessions s
		WHERE s.user_id = $1 AND ($2 = '00000000-0000-0000-0000-000000000000'::uuid OR s.id < $2)
		AND ($3 = '' OR s.sport = $3) AND ($4::timestamptz IS NULL OR s.started_at >= $4)
		AND ($5::timestamptz IS NULL OR s.started_at < $5)
		AND ($7::text[] IS NULL OR (s.visibility = ANY($7) AND s.state <> 'discarded'))
		ORDER BY s.id DESC LIMIT $6`, user, after, sport, from, to, limit, visible)
	if err != nil {
		return nil, fmt.Errorf("store: sessions: %w", err)
	}
	defer rows.Close()
	var out []SessionRow
	for rows.Next() {
		r, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// WatchedSessions lists the open sessions of others a user was let watch
// live (its own need no grant).
func WatchedSessions(ctx context.Context, q storage.Querier, user uuid.UUID, limit int) ([]uuid.UUID, error) {
	rows, err := q.Query(ctx, `SELECT s.id FROM training.watchers w JOIN training.sessions s ON s.id = w.session_id
		WHERE w.user_id = $1 AND s.user_id <> $1 AND s.state IN ('active', 'paused') LIMIT $2`, user, limit)
	if err != nil {
		return nil, fmt.Errorf("store: watched sessions: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}

// SetShareToken stores (or, with nil, removes) the hash of a session's
// share token; the key of the previous link's watch credentials goes with
// it (LinkKey makes the new link's).
func SetShareToken(ctx context.Context, tx pgx.Tx, id uuid.UUID, hash []byte) error {
	if _, err := tx.Exec(ctx, `UPDATE training.sessions SET share_token_hash = $2, share_key = NULL, updated_at = now() WHERE id = $1`, id, hash); err != nil {
		return fmt.Errorf("store: set share token: %w", err)
	}
	return nil
}

// WatchSession is what deciding who may watch a session needs.
type WatchSession struct {
	User           uuid.UUID
	State          string
	Visibility     string
	ShareTokenHash []byte
}

// SessionForWatch reads a session of any user, to decide whether the
// caller may watch it, and keeps it from changing (share link,
// visibility) until tx ends.
func SessionForWatch(ctx context.Context, q storage.Querier, id uuid.UUID) (WatchSession, error) {
	var w WatchSession
	err := q.QueryRow(ctx, `SELECT user_id, state, visibility, share_token_hash FROM training.sessions WHERE id = $1 FOR SHARE`, id).
		Scan(&w.User, &w.State, &w.Visibility, &w.ShareTokenHash)
	if errors.Is(err, pgx.ErrNoRows) {
		return w, ErrNotFound
	}
	if err != nil {
		return w, fmt.Errorf("store: session for watch: %w", err)
	}
	return w, nil
}

// How a watcher was let in. (The owner is not kept as a watcher: it
// watches on its own subject. Rows of earlier versions say "owner".)
const (
	WatchOwner  = "owner"
	WatchPublic = "public"
	WatchLink   = "link"
)

// AddWatcher lets user watch a session, let in as via; false when it
// already could (its way in is then updated).
func AddWatcher(ctx context.Context, tx pgx.Tx, session, user uuid.UUID, via string) (bool, error) {
	var inserted bool
	err := tx.QueryRow(ctx, `INSERT INTO training.watchers (session_id, user_id, via) VALUES ($1, $2, $3)
		ON CONFLICT (session_id, user_id) DO UPDATE SET via = EXCLUDED.via RETURNING (xmax = 0)`, session, user, via).Scan(&inserted)
	if err != nil {
		return false, fmt.Errorf("store: add watcher: %w", err)
	}
	return inserted, nil
}

// RemoveWatchers removes the watchers of a session let in as via, and
// returns them.
func RemoveWatchers(ctx context.Context, tx pgx.Tx, session uuid.UUID, via string) ([]uuid.UUID, error) {
	rows, err := tx.Query(ctx, `DELETE FROM training.watchers WHERE session_id = $1 AND via = $2 RETURNING user_id`, session, via)
	if err != nil {
		return nil, fmt.Errorf("store: remove watchers: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}

// SetSummary stores a finished session's figures.
func SetSummary(ctx context.Context, tx pgx.Tx, id uuid.UUID, summary Summary) error {
	sum, err := json.Marshal(summary)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE training.sessions SET summary = $2, live = NULL, updated_at = now() WHERE id = $1`, id, sum); err != nil {
		return fmt.Errorf("store: set summary: %w", err)
	}
	return nil
}

// SetVerdict stores a finished session's plausibility verdict (reason ""
// when plausible).
func SetVerdict(ctx context.Context, tx pgx.Tx, id uuid.UUID, plausible bool, reason string) error {
	if _, err := tx.Exec(ctx, `UPDATE training.sessions SET plausible = $2, implausible_reason = NULLIF($3, '') WHERE id = $1`,
		id, plausible, reason); err != nil {
		return fmt.Errorf("store: set verdict: %w", err)
	}
	return nil
}

// NextRevision raises a session's revision counter and returns the new
// value, for the event about to be enqueued in tx (migration 00035). The
// UPDATE holds the row lock until tx ends, so the revisions of one
// session's events rise in the order their transactions commit, whatever
// the clocks of the processes writing them. The value is never below the
// database's clock in nanoseconds: events written before the counter
// existed carried their writer's clock, and stay older than every new one.
func NextRevision(ctx context.Context, tx pgx.Tx, id uuid.UUID) (int64, error) {
	var rev int64
	err := tx.QueryRow(ctx, `UPDATE training.sessions
		SET revision = GREATEST(revision + 1, (extract(epoch FROM clock_timestamp()) * 1e9)::bigint)
		WHERE id = $1 RETURNING revision`, id).Scan(&rev)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("store: next revision: %w", err)
	}
	return rev, nil
}

// SaveRoute stores a session's route (EWKB LineStrings, SRID 4326) and its
// encoded polyline, replacing any.
func SaveRoute(ctx context.Context, tx pgx.Tx, id uuid.UUID, path, simplified []byte, polyline string) error {
	_, err := tx.Exec(ctx, `INSERT INTO training.routes (session_id, path, simplified, polyline)
		VALUES ($1, ST_GeomFromEWKB($2::bytea)::geography, ST_GeomFromEWKB($3::bytea)::geography, $4)
		ON CONFLICT (session_id) DO UPDATE SET path = EXCLUDED.path, simplified = EXCLUDED.simplified, polyline = EXCLUDED.polyline`,
		id, path, simplified, polyline)
	if err != nil {
		return fmt.Errorf("store: save route: %w", err)
	}
	return nil
}

// RouteGeoJSON returns a session's route as a GeoJSON geometry, the
// simplified line or every point; ErrNotFound when it has none.
func RouteGeoJSON(ctx context.Context, q storage.Querier, id uuid.UUID, simplified bool) (json.RawMessage, float64, error) {
	var geo []byte
	var length float64
	err := q.QueryRow(ctx, `SELECT ST_AsGeoJSON(CASE WHEN $2 THEN simplified ELSE path END, 7), ST_Length(path)
		FROM training.routes WHERE session_id = $1`, id, simplified).Scan(&geo, &length)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, ErrNotFound
	}
	if err != nil {
		return nil, 0, fmt.Errorf("store: route: %w", err)
	}
	return geo, length, nil
}

// SetParameter stores (or, with nil, removes) a named value of a session.
func SetParameter(ctx context.Context, tx pgx.Tx, id uuid.UUID, name string, value any) error {
	var err error
	if value == nil {
		_, err = tx.Exec(ctx, `DELETE FROM training.session_parameters WHERE session_id = $1 AND name = $2`, id, name)
	} else {
		_, err = tx.Exec(ctx, `INSERT INTO training.session_parameters (session_id, name, value) VALUES ($1, $2, $3)
			ON CONFLICT (session_id, name) DO UPDATE SET value = EXCLUDED.value`, id, name, value)
	}
	if err != nil {
		return fmt.Errorf("store: set parameter %s: %w", name, err)
	}
	return nil
}

// SessionChange is what PATCH may change of a session; nil fields stay.
type SessionChange struct {
	Title, Notes, Sport, Visibility *string
	// Gear, when not nil, replaces the session's gear.
	Gear []uuid.UUID
	// StartedAt and FinishedAt, when not nil, move a session entered by
	// hand.
	StartedAt, FinishedAt *time.Time
}

// UpdateSession applies a change to a session.
func UpdateSession(ctx context.Context, tx pgx.Tx, id uuid.UUID, c SessionChange) error {
	_, err := tx.Exec(ctx, `UPDATE training.sessions SET title = COALESCE($2, title), notes = COALESCE($3, notes),
		sport = COALESCE($4, sport), visibility = COALESCE($5, visibility), started_at = COALESCE($6, started_at),
		finished_at = COALESCE($7, finished_at), updated_at = now() WHERE id = $1`,
		id, c.Title, c.Notes, c.Sport, c.Visibility, c.StartedAt, c.FinishedAt)
	if err != nil {
		return fmt.Errorf("store: update session: %w", err)
	}
	if c.Gear == nil {
		return nil
	}
	if _, err := tx.Exec(ctx, `DELETE FROM training.session_gear WHERE session_id = $1`, id); err != nil {
		return fmt.Errorf("store: replace session gear: %w", err)
	}
	for _, g := range c.Gear {
		if _, err := tx.Exec(ctx, `INSERT INTO training.session_gear (session_id, gear_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, id, g); err != nil {
			return fmt.Errorf("store: replace session gear: %w", err)
		}
	}
	return nil
}

// DeleteSession deletes a session with its points; its gear links,
// parameters, route and watchers go with it.
func DeleteSession(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	if _, err := tx.Exec(ctx, `DELETE FROM training.points WHERE session_id = $1`, id); err != nil {
		return fmt.Errorf("store: delete points: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM training.sessions WHERE id = $1`, id); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// ImportedSession finds the session a user made from a file with this
// digest (uuid.Nil when none).
func ImportedSession(ctx context.Context, q storage.Querier, user uuid.UUID, sha []byte) (uuid.UUID, error) {
	var id uuid.UUID
	err := q.QueryRow(ctx, `SELECT id FROM training.sessions WHERE user_id = $1 AND source_sha256 = $2`, user, sha).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, nil
	}
	if err != nil {
		return uuid.Nil, fmt.Errorf("store: imported session: %w", err)
	}
	return id, nil
}

// IdleSession is an open session with no point since some time.
type IdleSession struct {
	ID, User    uuid.UUID
	LastPointAt *time.Time
}

// IdleSessions lists open sessions whose latest point (or start, when they
// have none) is before since, oldest first.
func IdleSessions(ctx context.Context, q storage.Querier, since time.Time, limit int) ([]IdleSession, error) {
	rows, err := q.Query(ctx, `SELECT id, user_id, last_point_at FROM training.sessions
		WHERE state IN ('active', 'paused') AND COALESCE(last_point_at, started_at) < $1
		ORDER BY COALESCE(last_point_at, started_at) LIMIT $2`, since, limit)
	if err != nil {
		return nil, fmt.Errorf("store: idle sessions: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (IdleSession, error) {
		var s IdleSession
		err := r.Scan(&s.ID, &s.User, &s.LastPointAt)
		return s, err
	})
}

// DeleteUserSessions erases a user's sessions with their points,
// parameters and gear links.
func DeleteUserSessions(ctx context.Context, q storage.Querier, user uuid.UUID) error {
	if _, err := q.Exec(ctx, `DELETE FROM training.points WHERE session_id IN
		(SELECT id FROM training.sessions WHERE user_id = $1)`, user); err != nil {
		return fmt.Errorf("store: delete user points: %w", err)
	}
	if _, err := q.Exec(ctx, `DELETE FROM training.sessions WHERE user_id = $1`, user); err != nil {
		return fmt.Errorf("store: delete user sessions: %w", err)
	}
	if _, err := q.Exec(ctx, `DELETE FROM training.watchers WHERE user_id = $1`, user); err != nil {
		return fmt.Errorf("store: delete user's watching: %w", err)
	}
	return nil
}
