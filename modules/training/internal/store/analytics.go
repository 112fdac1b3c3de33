package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/storage"
)

// AthleteFacts are what analytics need of a user's profile. Zero values
// and nils are unknowns.
type AthleteFacts struct {
	Sex          string
	BirthDate    *time.Time
	TimeZone     string // IANA; "" when unknown
	RestingHRBpm *int
	MaxHRBpm     *int
	// ThresholdHRBpm is the lactate threshold heart rate (hrTSS), kept by
	// SaveAthlete.
	ThresholdHRBpm *int
}

// SaveAthleteFacts stores the profile's time zone and heart rates beside
// what SaveAthlete keeps, unless a newer profile is stored already (run it
// after SaveAthlete, in the same transaction).
func SaveAthleteFacts(ctx context.Context, q storage.Querier, user uuid.UUID, tz string, rest, max *int, updatedAt time.Time) error {
	if _, err := q.Exec(ctx, `UPDATE training.athletes SET time_zone = NULLIF($2, ''), resting_hr_bpm = $3, max_hr_bpm = $4
		WHERE user_id = $1 AND updated_at <= $5`, user, tz, rest, max, updatedAt); err != nil {
		return fmt.Errorf("store: save athlete facts: %w", err)
	}
	return nil
}

// GetAthleteFacts reads what analytics need of a user's profile; zero
// facts when no profile came.
func GetAthleteFacts(ctx context.Context, q storage.Querier, user uuid.UUID) (AthleteFacts, error) {
	return scanAthleteFacts(q.QueryRow(ctx, sqlAthleteFacts, user))
}

const sqlAthleteFacts = `SELECT sex, birth_date, time_zone, resting_hr_bpm, max_hr_bpm, threshold_hr
	FROM training.athletes WHERE user_id = $1`

func scanAthleteFacts(row pgx.Row) (AthleteFacts, error) {
	var a AthleteFacts
	var sex, tz *string
	err := row.Scan(&sex, &a.BirthDate, &tz, &a.RestingHRBpm, &a.MaxHRBpm, &a.ThresholdHRBpm)
	if errors.Is(err, pgx.ErrNoRows) {
		return AthleteFacts{}, nil
	}
	if err != nil {
		return a, fmt.Errorf("store: athlete facts: %w", err)
	}
	if sex != nil {
		a.Sex = *sex
	}
	if tz != nil {
		a.TimeZone = *tz
	}
	return a, nil
}

// StrengthBest is an exercise's bests in one session, as stored.
type StrengthBest struct {
	Exercise    string  `json:"exercise"`
	Sets        int     `json:"sets"`
	VolumeKg    float64 `json:"volume_kg"`
	OneRMKg     float64 `json:"e1rm_kg"`
	Formula     string  `json:"formula"`
	MaxWeightKg float64 `json:"max_weight_kg"`
	MaxReps     int     `json:"max_reps"`
}

// SessionFigures are a finished session's analytics figures.
type SessionFigures struct {
	SessionID        uuid.UUID
	UserID           uuid.UUID
	Sport            string
	StartedAt        time.Time
	DistanceM        float64
	MovingTimeS      float64
	ElapsedTimeS     float64
	ElevationGainM   float64
	Load             float64
	LoadModel        string
	TRIMP            *float64
	Assumed          []string
	StrengthVolumeKg float64
	Strength         []StrengthBest
	Revision         int64
}

// Effort is a session's best effort over a distance.
type Effort struct {
	SessionID uuid.UUID
	StartedAt time.Time // the session's start
	DistanceM float64
	TimeS     float64
	StartS    float64
	EndS      float64
	// LoadModel is the session's load model (read with records).
	LoadModel string
}

// FiguresRevision returns the revision a session's figures were computed
// for; ok is false when none are stored.
func FiguresRevision(ctx context.Context, q storage.Querier, session uuid.UUID) (rev int64, ok bool, err error) {
	rev, ok, _, err = scanFigureState(q.QueryRow(ctx, sqlFigureState, session))
	return rev, ok, err
}

const sqlFigureState = `SELECT revision, strength FROM training.session_figures WHERE session_id = $1`

// scanFigureState reads the revision and strength bests of a session's
// stored figures; ok is false when none are stored.
func scanFigureState(row pgx.Row) (rev int64, ok bool, bests []StrengthBest, err error) {
	var b []byte
	err = row.Scan(&rev, &b)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil, nil
	}
	if err != nil {
		return 0, false, nil, fmt.Errorf("store: stored figures: %w", err)
	}
	if err := json.Unmarshal(b, &bests); err != nil {
		return 0, false, nil, fmt.Errorf("store: stored strength bests: %w", err)
	}
	return rev, true, bests, nil
}

// SaveSessionFigures stores a session's figures and best efforts,
// replacing those stored before.
func SaveSessionFigures(ctx context.Context, tx pgx.Tx, f SessionFigures, efforts []Effort) error {
	strength := f.Strength
	if strength == nil {
		strength = []StrengthBest{}
	}
	sj, err := json.Marshal(strength)
	if err != nil {
		return fmt.Errorf("store: strength bests: %w", err)
	}
	assumed := f.Assumed
	if assumed == nil {
		assumed = []string{}
	}
	// One round trip: the figures, the old efforts out, the new ones in.
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO training.session_figures (session_id, user_id, sport, started_at, distance_m, moving_time_s,
		elapsed_time_s, elevation_gain_m, load, load_model, trimp, assumed, strength_volume_kg, strength, revision)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (session_id) DO UPDATE SET sport = EXCLUDED.sport, started_at = EXCLUDED.started_at, distance_m = EXCLUDED.distance_m,
		moving_time_s = EXCLUDED.moving_time_s, elapsed_time_s = EXCLUDED.elapsed_time_s, elevation_gain_m = EXCLUDED.elevation_gain_m,
		load = EXCLUDED.load, load_model = EXCLUDED.load_model, trimp = EXCLUDED.trimp, assumed = EXCLUDED.assumed,
		strength_volume_kg = EXCLUDED.strength_volume_kg, strength = EXCLUDED.strength, revision = EXCLUDED.revision`,
		f.SessionID, f.UserID, f.Sport, f.StartedAt, f.DistanceM, f.MovingTimeS, f.ElapsedTimeS, f.ElevationGainM, f.Load, f.LoadModel,
		f.TRIMP, assumed, f.StrengthVolumeKg, sj, f.Revision)
	b.Queue(`DELETE FROM training.session_efforts WHERE session_id = $1`, f.SessionID)
	if len(efforts) > 0 {
		dist, times, starts, ends := make([]float64, len(efforts)), make([]float64, len(efforts)), make([]float64, len(efforts)), make([]float64, len(efforts))
		for i, e := range efforts {
			dist[i], times[i], starts[i], ends[i] = e.DistanceM, e.TimeS, e.StartS, e.EndS
		}
		b.Queue(`INSERT INTO training.session_efforts (session_id, distance_m, user_id, started_at, time_s, start_s, end_s)
			SELECT $1, d, $2, $3, t, s, e FROM unnest($4::float8[], $5::float8[], $6::float8[], $7::float8[]) AS x(d, t, s, e)`,
			f.SessionID, f.UserID, f.StartedAt, dist, times, starts, ends)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("store: save session figures and efforts: %w", err)
	}
	return nil
}

// DeleteSessionFigures forgets a session's figures and efforts (nothing
// when none are stored).
func DeleteSessionFigures(ctx context.Context, q storage.Querier, session uuid.UUID) error {
	if _, err := q.Exec(ctx, `DELETE FROM training.session_figures WHERE session_id = $1`, session); err != nil {
		return fmt.Errorf("store: delete session figures: %w", err)
	}
	if _, err := q.Exec(ctx, `DELETE FROM training.session_efforts WHERE session_id = $1`, session); err != nil {
		return fmt.Errorf("store: delete session efforts: %w", err)
	}
	return nil
}

// SessionEfforts returns a session's stored best efforts, by distance.
func SessionEfforts(ctx context.Context, q storage.Querier, session uuid.UUID) ([]Effort, error) {
	return efforts(ctx, q, sqlSessionEfforts, session)
}

const sqlSessionEfforts = `SELECT e.session_id, e.started_at, e.distance_m, e.time_s, e.start_s, e.end_s, ''
	FROM training.session_efforts e WHERE e.session_id = $1 ORDER BY e.distance_m`

// Records returns a user's fastest effort of each of distances (the
// earliest on a tie), by distance, leaving out the session except
// (uuid.Nil: none), with each session's load model. One index probe per
// distance, however long the history.
func Records(ctx context.Context, q storage.Querier, user, except uuid.UUID, distances []float64) ([]Effort, error) {
	return efforts(ctx, q, sqlRecords, user, except, distances)
}

const sqlRecords = `SELECT e.session_id, e.started_at, d.m, e.time_s, e.start_s, e.end_s,
	COALESCE((SELECT f.load_model FROM training.session_figures f WHERE f.session_id = e.session_id), '')
	FROM unnest($3::float8[]) AS d(m)
	CROSS JOIN LATERAL (SELECT * FROM training.session_efforts e WHERE e.user_id = $1 AND e.distance_m = d.m AND e.session_id <> $2
	  ORDER BY e.time_s, e.started_at, e.session_id LIMIT 1) e
	ORDER BY d.m`

// BestBefore returns a user's fastest effort over a distance in sessions
// started before at; ok is false when there is none.
func BestBefore(ctx context.Context, q storage.Querier, user uuid.UUID, distanceM float64, at time.Time) (e Effort, ok bool, err error) {
	out, err := efforts(ctx, q, `SELECT e.session_id, e.started_at, e.distance_m, e.time_s, e.start_s, e.end_s, ''
		FROM training.session_efforts e WHERE e.user_id = $1 AND e.distance_m = $2 AND e.started_at < $3
		ORDER BY e.time_s, e.started_at LIMIT 1`, user, distanceM, at)
	if err != nil || len(out) == 0 {
		return Effort{}, false, err
	}
	return out[0], true, nil
}

// EffortsSince returns a user's efforts in sessions started at or after
// since.
func EffortsSince(ctx context.Context, q storage.Querier, user uuid.UUID, since time.Time) ([]Effort, error) {
	return efforts(ctx, q, `SELECT e.session_id, e.started_at, e.distance_m, e.time_s, e.start_s, e.end_s, ''
		FROM training.session_efforts e WHERE e.user_id = $1 AND e.started_at >= $2`, user, since)
}

func efforts(ctx context.Context, q storage.Querier, sql string, args ...any) ([]Effort, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("store: efforts: %w", err)
	}
	return scanEfforts(rows)
}

func scanEfforts(rows pgx.Rows) ([]Effort, error) {
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Effort, error) {
		var e Effort
		err := r.Scan(&e.SessionID, &e.StartedAt, &e.DistanceM, &e.TimeS, &e.StartS, &e.EndS, &e.LoadModel)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: efforts: %w", err)
	}
	return out, nil
}

// SessionBrief is a session of the daily series and the summaries: what
// the index holds.
type SessionBrief struct {
	ID               uuid.UUID
	StartedAt        time.Time
	Sport            string
	Load             float64
	LoadModel        string
	DistanceM        float64
	MovingTimeS      float64
	ElevationGainM   float64
	StrengthVolumeKg float64
}

// Briefs returns a user's finished sessions started in [from, to) (zero
// times: unbounded), oldest first, of one sport ("": all).
func Briefs(ctx context.Context, q storage.Querier, user uuid.UUID, from, to time.Time, sport string) ([]SessionBrief, error) {
	var fromArg, toArg *time.Time
	if !from.IsZero() {
		fromArg = &from
	}
	if !to.IsZero() {
		toArg = &to
	}
	rows, err := q.Query(ctx, `SELECT `+briefColumns+` FROM training.session_figures
		WHERE user_id = $1 AND ($2::timestamptz IS NULL OR started_at >= $2) AND ($3::timestamptz IS NULL OR started_at < $3)
		AND ($4 = '' OR sport = $4)
		ORDER BY started_at`, user, fromArg, toArg, sport)
	if err != nil {
		return nil, fmt.Errorf("store: session briefs: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[SessionBrief])
	if err != nil {
		return nil, fmt.Errorf("store: session briefs: %w", err)
	}
	return out, nil
}

// briefColumns are a SessionBrief's, in its fields' order.
const briefColumns = `session_id, started_at, sport, load, load_model, distance_m, moving_time_s, elevation_gain_m, strength_volume_kg`

// LastBriefBefore returns a user's last finished session started before
// before; ok is false when there is none.
func LastBriefBefore(ctx context.Context, q storage.Querier, user uuid.UUID, before time.Time) (b SessionBrief, ok bool, err error) {
	rows, err := q.Query(ctx, `SELECT `+briefColumns+` FROM training.session_figures
		WHERE user_id = $1 AND started_at < $2 ORDER BY started_at DESC LIMIT 1`, user, before)
	if err != nil {
		return b, false, fmt.Errorf("store: last session brief: %w", err)
	}
	b, err = pgx.CollectOneRow(rows, pgx.RowToStructByPos[SessionBrief])
	if errors.Is(err, pgx.ErrNoRows) {
		return b, false, nil
	}
	if err != nil {
		return b, false, fmt.Errorf("store: last session brief: %w", err)
	}
	return b, true, nil
}

// TotalsRow is the sums of a user's sessions of one sport and load model
// in one of two periods.
type TotalsRow struct {
	Current          bool // in [split, to), else in [from, split)
	Sport            string
	LoadModel        string
	Sessions         int
	DistanceM        float64
	MovingTimeS      float64
	ElevationGainM   float64
	Load             float64
	StrengthVolumeKg float64
}

// Totals adds up a user's sessions started in [from, to) (zero times:
// unbounded) of one sport ("": all) by period (before or from split), sport
// and load model, in the database.
func Totals(ctx context.Context, q storage.Querier, user uuid.UUID, from, split, to time.Time, sport string) ([]TotalsRow, error) {
	var fromArg, toArg *time.Time
	if !from.IsZero() {
		fromArg = &from
	}
	if !to.IsZero() {
		toArg = &to
	}
	rows, err := q.Query(ctx, `SELECT started_at >= $5, sport, load_model, count(*), sum(distance_m), sum(moving_time_s),
		sum(elevation_gain_m), sum(load), sum(strength_volume_kg)
		FROM training.session_figures
		WHERE user_id = $1 AND ($2::timestamptz IS NULL OR started_at >= $2) AND ($3::timestamptz IS NULL OR started_at < $3)
		AND ($4 = '' OR sport = $4)
		GROUP BY 1, 2, 3`, user, fromArg, toArg, sport, split)
	if err != nil {
		return nil, fmt.Errorf("store: totals: %w", err)
	}
	defer rows.Close()
	var out []TotalsRow
	for rows.Next() {
		var r TotalsRow
		if err := rows.Scan(&r.Current, &r.Sport, &r.LoadModel, &r.Sessions, &r.DistanceM, &r.MovingTimeS, &r.ElevationGainM,
			&r.Load, &r.StrengthVolumeKg); err != nil {
			return nil, fmt.Errorf("store: totals: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: totals: %w", err)
	}
	return out, nil
}

// TimedLoad is a session's load at its start.
type TimedLoad struct {
	At   time.Time
	Load float64
}

// Loads returns the loads of a user's sessions started before to, oldest
// first: the daily series' input (an index-only scan).
func Loads(ctx context.Context, q storage.Querier, user uuid.UUID, to time.Time) ([]TimedLoad, error) {
	rows, err := q.Query(ctx, `SELECT started_at, load FROM training.session_figures WHERE user_id = $1 AND started_at < $2
		ORDER BY started_at`, user, to)
	if err != nil {
		return nil, fmt.Errorf("store: loads: %w", err)
	}
	defer rows.Close()
	var out []TimedLoad
	for rows.Next() {
		var l TimedLoad
		if err := rows.Scan(&l.At, &l.Load); err != nil {
			return nil, fmt.Errorf("store: loads: %w", err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: loads: %w", err)
	}
	return out, nil
}

// StrengthMax is an exercise's highest estimated 1RM and heaviest weight
// over sessions.
type StrengthMax struct {
	Exercise    string
	OneRMKg     float64
	Formula     string
	MaxWeightKg float64
}

// StrengthMaxima returns each exercise's maxima over a user's sessions
// other than except, computed in the database.
func StrengthMaxima(ctx context.Context, q storage.Querier, user, except uuid.UUID) ([]StrengthMax, error) {
	rows, err := q.Query(ctx, sqlStrengthMaxima, user, except)
	if err != nil {
		return nil, fmt.Errorf("store: strength maxima: %w", err)
	}
	return scanStrengthMaxima(rows)
}

const sqlStrengthMaxima = `SELECT b->>'exercise', COALESCE(max((b->>'e1rm_kg')::float8), 0), COALESCE(min(b->>'formula'), ''),
	COALESCE(max((b->>'max_weight_kg')::float8), 0)
	FROM training.session_figures f, jsonb_array_elements(f.strength) b
	WHERE f.user_id = $1 AND f.session_id <> $2 AND f.strength <> '[]'::jsonb GROUP BY 1`

func scanStrengthMaxima(rows pgx.Rows) ([]StrengthMax, error) {
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[StrengthMax])
	if err != nil {
		return nil, fmt.Errorf("store: strength maxima: %w", err)
	}
	return out, nil
}

// SessionStrength returns a session's stored strength bests (none when
// no figures are stored).
func SessionStrength(ctx context.Context, q storage.Querier, session uuid.UUID) ([]StrengthBest, error) {
	_, _, bests, err := scanFigureState(q.QueryRow(ctx, sqlFigureState, session))
	return bests, err
}

// StrengthRecord is a user's best of one kind for one exercise, and the
// session that set it.
type StrengthRecord struct {
	Exercise  string
	Kind      string // strength.RecordOneRM or strength.RecordMaxWeight
	ValueKg   float64
	Formula   string // of an estimated 1RM
	SessionID uuid.UUID
	StartedAt time.Time
}

// StrengthRecords returns a user's strength records, by exercise and kind
// (kinds oneRM and maxWeight name them), computed in the database: the
// highest value of each over the sessions' bests, the earliest session on
// a tie.
func StrengthRecords(ctx context.Context, q storage.Querier, user uuid.UUID, oneRM, maxWeight string) ([]StrengthRecord, error) {
	rows, err := q.Query(ctx, `SELECT DISTINCT ON (exercise, kind) exercise, kind, value, formula, session_id, started_at
		FROM (SELECT b->>'exercise' AS exercise, k.kind, k.value, k.formula, f.session_id, f.started_at
			FROM training.session_figures f, jsonb_array_elements(f.strength) b,
			LATERAL (VALUES ($2::text, (b->>'e1rm_kg')::float8, COALESCE(b->>'formula', '')),
			                ($3::text, (b->>'max_weight_kg')::float8, '')) AS k(kind, value, formula)
			WHERE f.user_id = $1 AND f.strength <> '[]'::jsonb AND k.value > 0) x
		ORDER BY exercise, kind, value DESC, started_at, session_id`, user, oneRM, maxWeight)
	if err != nil {
		return nil, fmt.Errorf("store: strength records: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[StrengthRecord])
	if err != nil {
		return nil, fmt.Errorf("store: strength records: %w", err)
	}
	return out, nil
}

// SessionRef names a session and its owner.
type SessionRef struct {
	ID, User uuid.UUID
}

// SessionsWithoutFigures returns up to limit finished, plausible sessions
// with no analytics figures, after the session id after (uuid.Nil: from
// the first), in id order: those finished before the read model existed.
func SessionsWithoutFigures(ctx context.Context, q storage.Querier, after uuid.UUID, limit int) ([]SessionRef, error) {
	rows, err := q.Query(ctx, `SELECT s.id, s.user_id FROM training.sessions s
		WHERE s.id > $1 AND s.state = 'finished' AND s.plausible AND s.summary IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM training.session_figures f WHERE f.session_id = s.id)
		ORDER BY s.id LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: sessions without figures: %w", err)
	}
	defer rows.Close()
	var out []SessionRef
	for rows.Next() {
		var r SessionRef
		if err := rows.Scan(&r.ID, &r.User); err != nil {
			return nil, fmt.Errorf("store: sessions without figures: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
