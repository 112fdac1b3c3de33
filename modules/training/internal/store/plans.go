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

// PlanRequest is a plan's request as stored in training.plans.request
// (JSON): its field names must not change.
type PlanRequest struct {
	Sport    string       `json:"sport"`
	Goal     PlanGoal     `json:"goal"`
	Health   PlanHealth   `json:"health"`
	Schedule PlanSchedule `json:"schedule"`
}

// PlanGoal is a stored goal. Date is YYYY-MM-DD.
type PlanGoal struct {
	Kind          string `json:"kind"`
	Distance      string `json:"distance,omitempty"`
	Date          string `json:"date,omitempty"`
	TargetTimeS   int    `json:"target_time_s,omitempty"`
	WeeklyMinutes int    `json:"weekly_minutes,omitempty"`
	Weeks         int    `json:"weeks,omitempty"`
}

// PlanHealth is stored health.
type PlanHealth struct {
	RestingHR   int      `json:"resting_hr,omitempty"`
	Limitations []string `json:"limitations,omitempty"`
	Feeling     string   `json:"feeling,omitempty"`
}

// PlanSchedule is a stored schedule; days are time.Weekday numbers
// (Sunday 0).
type PlanSchedule struct {
	Days       []int `json:"days"`
	MaxMinutes int   `json:"max_minutes"`
	LongDay    *int  `json:"long_day,omitempty"`
}

// PlanAthlete is the stored athlete's state a plan was laid from.
type PlanAthlete struct {
	VDOT           float64  `json:"vdot,omitempty"`
	Zones          [][2]int `json:"zones,omitempty"`
	MaxHR          int      `json:"max_hr,omitempty"`
	RestingHR      int      `json:"resting_hr,omitempty"`
	WeeklyMinutes  float64  `json:"weekly_minutes"`
	LongestMinutes float64  `json:"longest_minutes"`
	LongestDate    string   `json:"longest_date,omitempty"`
}

// PlanWeek is a stored week (its workouts are rows of plan_workouts).
type PlanWeek struct {
	Year     int    `json:"year"`
	Number   int    `json:"number"`
	Monday   string `json:"monday"`
	Phase    string `json:"phase"`
	Recovery bool   `json:"recovery,omitempty"`
	Minutes  int    `json:"minutes"`
}

// Explanation is a stored message key with its parameters.
type Explanation struct {
	Key    string         `json:"key"`
	Params map[string]any `json:"params,omitempty"`
}

// Plan is a stored plan.
type Plan struct {
	ID        uuid.UUID
	User      uuid.UUID
	State     string // active or replaced
	Sport     string
	Request   PlanRequest
	Athlete   PlanAthlete
	TimeZone  string
	Start     time.Time // dates (midnight UTC)
	From      time.Time
	End       time.Time
	Weeks     []PlanWeek
	Notes     []Explanation
	CreatedAt time.Time
	UpdatedAt time.Time
}

// WorkoutTargets are a stored workout's targets (training.plan_workouts.targets).
type WorkoutTargets struct {
	WorkMinutes int     `json:"work_minutes,omitempty"`
	Reps        int     `json:"reps,omitempty"`
	RepMinutes  int     `json:"rep_minutes,omitempty"`
	Intensity   string  `json:"intensity,omitempty"`
	DistanceKm  float64 `json:"distance_km,omitempty"`
	PaceFastS   float64 `json:"pace_fast_s,omitempty"`
	PaceSlowS   float64 `json:"pace_slow_s,omitempty"`
	HRLow       int     `json:"hr_low,omitempty"`
	HRHigh      int     `json:"hr_high,omitempty"`
}

// PlanWorkout is a stored planned workout.
type PlanWorkout struct {
	ID        string
	Day       time.Time
	Kind      string
	Sport     string
	Minutes   int
	Targets   WorkoutTargets
	SessionID *uuid.UUID
}

// PlanChange is a stored change of a plan.
type PlanChange struct {
	Seq          int
	At           time.Time
	Explanations []Explanation
}

const planColumns = `id, user_id, state, sport, request, athlete, time_zone, start_day, from_day, end_day, weeks, notes, created_at, updated_at`

func scanPlan(row pgx.Row) (Plan, error) {
	var p Plan
	var req, ath, weeks, notes []byte
	if err := row.Scan(&p.ID, &p.User, &p.State, &p.Sport, &req, &ath, &p.TimeZone, &p.Start, &p.From, &p.End,
		&weeks, &notes, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return p, err
	}
	for _, x := range []struct {
		data []byte
		into any
	}{{req, &p.Request}, {ath, &p.Athlete}, {weeks, &p.Weeks}, {notes, &p.Notes}} {
		if err := json.Unmarshal(x.data, x.into); err != nil {
			return p, fmt.Errorf("store: read plan %s: %w", p.ID, err)
		}
	}
	return p, nil
}

// ReplaceActivePlan marks the user's active plan, if any, replaced (a
// user has one active plan).
func ReplaceActivePlan(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	if _, err := tx.Exec(ctx, `UPDATE training.plans SET state = 'replaced', updated_at = now()
		WHERE user_id = $1 AND state = 'active'`, user); err != nil {
		return fmt.Errorf("store: replace active plan: %w", err)
	}
	return nil
}

// InsertPlan stores a new active plan (its workouts with ReplaceWorkouts)
// and returns it as stored.
func InsertPlan(ctx context.Context, tx pgx.Tx, p Plan) (Plan, error) {
	req, ath, weeks, notes, err := planJSON(p)
	if err != nil {
		return Plan{}, err
	}
	row := tx.QueryRow(ctx, `INSERT INTO training.plans (id, user_id, state, sport, request, athlete, time_zone,
		start_day, from_day, end_day, weeks, notes) VALUES ($1, $2, 'active', $3, $4, $5, $6, $7, $8, $9, $10, $11)
		RETURNING `+planColumns, p.ID, p.User, p.Sport, req, ath, p.TimeZone, p.Start, p.From, p.End, weeks, notes)
	out, err := scanPlan(row)
	if err != nil {
		return Plan{}, fmt.Errorf("store: insert plan: %w", err)
	}
	return out, nil
}

// UpdatePlanShape stores a plan's new shape (after an adaptation or a new
// schedule): request, athlete, from, end, weeks and notes.
func UpdatePlanShape(ctx context.Context, tx pgx.Tx, p Plan) error {
	req, ath, weeks, notes, err := planJSON(p)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE training.plans SET request = $2, athlete = $3, from_day = $4, end_day = $5,
		weeks = $6, notes = $7, updated_at = now() WHERE id = $1`, p.ID, req, ath, p.From, p.End, weeks, notes); err != nil {
		return fmt.Errorf("store: update plan: %w", err)
	}
	return nil
}

func planJSON(p Plan) (req, ath, weeks, notes []byte, err error) {
	if req, err = json.Marshal(p.Request); err == nil {
		if ath, err = json.Marshal(p.Athlete); err == nil {
			if p.Weeks == nil {
				p.Weeks = []PlanWeek{}
			}
			if weeks, err = json.Marshal(p.Weeks); err == nil {
				if p.Notes == nil {
					p.Notes = []Explanation{}
				}
				notes, err = json.Marshal(p.Notes)
			}
		}
	}
	if err != nil {
		err = fmt.Errorf("store: encode plan: %w", err)
	}
	return req, ath, weeks, notes, err
}

// GetPlan reads one of user's plans; ok is false when user has no such
// plan (another user's is "no such plan" too). forUpdate locks its row
// (q must be a transaction then).
func GetPlan(ctx context.Context, q storage.Querier, user, id uuid.UUID, forUpdate bool) (Plan, bool, error) {
	sql := `SELECT ` + planColumns + ` FROM training.plans WHERE user_id = $1 AND id = $2`
	if forUpdate {
		sql += ` FOR UPDATE`
	}
	p, err := scanPlan(q.QueryRow(ctx, sql, user, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Plan{}, false, nil
	}
	if err != nil {
		return Plan{}, false, fmt.Errorf("store: plan: %w", err)
	}
	return p, true, nil
}

// ActivePlan reads and locks user's active plan in tx; ok is false when
// the user has none.
func ActivePlan(ctx context.Context, tx pgx.Tx, user uuid.UUID) (Plan, bool, error) {
	p, err := scanPlan(tx.QueryRow(ctx, `SELECT `+planColumns+` FROM training.plans
		WHERE user_id = $1 AND state = 'active' FOR UPDATE`, user))
	if errors.Is(err, pgx.ErrNoRows) {
		return Plan{}, false, nil
	}
	if err != nil {
		return Plan{}, false, fmt.Errorf("store: active plan: %w", err)
	}
	return p, true, nil
}

// Plans returns up to limit of user's plans with ids below after
// (uuid.Nil: from the newest), newest first.
func Plans(ctx context.Context, q storage.Querier, user, after uuid.UUID, limit int) ([]Plan, error) {
	rows, err := q.Query(ctx, `SELECT `+planColumns+` FROM training.plans
		WHERE user_id = $1 AND ($2 = '00000000-0000-0000-0000-000000000000'::uuid OR id < $2)
		ORDER BY id DESC LIMIT $3`, user, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: plans: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Plan, error) { return scanPlan(r) })
	if err != nil {
		return nil, fmt.Errorf("store: plans: %w", err)
	}
	return out, nil
}

// DeletePlan deletes one of user's plans with its workouts and changes;
// false when user has no such plan.
func DeletePlan(ctx context.Context, q storage.Querier, user, id uuid.UUID) (bool, error) {
	tag, err := q.Exec(ctx, `DELETE FROM training.plans WHERE user_id = $1 AND id = $2`, user, id)
	if err != nil {
		return false, fmt.Errorf("store: delete plan: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// DeleteUserPlans erases every plan of a user (the account was deleted).
func DeleteUserPlans(ctx context.Context, q storage.Querier, user uuid.UUID) error {
	if _, err := q.Exec(ctx, `DELETE FROM training.plans WHERE user_id = $1`, user); err != nil {
		return fmt.Errorf("store: delete user plans: %w", err)
	}
	return nil
}

// ReplaceWorkouts stores ws as the plan's workouts, in place of those it had.
func ReplaceWorkouts(ctx context.Context, tx pgx.Tx, plan uuid.UUID, ws []PlanWorkout) error {
	if _, err := tx.Exec(ctx, `DELETE FROM training.plan_workouts WHERE plan_id = $1`, plan); err != nil {
		return fmt.Errorf("store: clear plan workouts: %w", err)
	}
	rows := make([][]any, len(ws))
	for i, w := range ws {
		t, err := json.Marshal(w.Targets)
		if err != nil {
			return fmt.Errorf("store: encode workout targets: %w", err)
		}
		rows[i] = []any{plan, w.ID, w.Day, w.Kind, w.Sport, w.Minutes, t, w.SessionID}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"training", "plan_workouts"},
		[]string{"plan_id", "id", "day", "kind", "sport", "minutes", "targets", "session_id"}, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("store: insert plan workouts: %w", err)
	}
	return nil
}

// PlanWorkouts reads a plan's workouts in [from, to] (zero times:
// unbounded), by day and id.
func PlanWorkouts(ctx context.Context, q storage.Querier, plan uuid.UUID, from, to time.Time) ([]PlanWorkout, error) {
	rows, err := q.Query(ctx, `SELECT id, day, kind, sport, minutes, targets, session_id FROM training.plan_workouts
		WHERE plan_id = $1 AND ($2::date IS NULL OR day >= $2) AND ($3::date IS NULL OR day <= $3) ORDER BY day, id`,
		plan, nullDate(from), nullDate(to))
	if err != nil {
		return nil, fmt.Errorf("store: plan workouts: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (PlanWorkout, error) {
		var w PlanWorkout
		var t []byte
		if err := r.Scan(&w.ID, &w.Day, &w.Kind, &w.Sport, &w.Minutes, &t, &w.SessionID); err != nil {
			return w, err
		}
		return w, json.Unmarshal(t, &w.Targets)
	})
	if err != nil {
		return nil, fmt.Errorf("store: plan workouts: %w", err)
	}
	return out, nil
}

func nullDate(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// SetWorkoutSessions records which session each of the plan's workouts
// was matched to (workout id → session id); the others are unmatched.
func SetWorkoutSessions(ctx context.Context, tx pgx.Tx, plan uuid.UUID, pairs map[string]uuid.UUID) error {
	ids, sessions := make([]string, 0, len(pairs)), make([]uuid.UUID, 0, len(pairs))
	for w, s := range pairs {
		ids, sessions = append(ids, w), append(sessions, s)
	}
	if _, err := tx.Exec(ctx, `UPDATE training.plan_workouts w SET session_id = m.session_id
		FROM (SELECT w.id, s.session_id FROM training.plan_workouts w
		      LEFT JOIN unnest($2::text[], $3::uuid[]) AS s(id, session_id) ON s.id = w.id WHERE w.plan_id = $1) m
		WHERE w.plan_id = $1 AND w.id = m.id AND w.session_id IS DISTINCT FROM m.session_id`, plan, ids, sessions); err != nil {
		return fmt.Errorf("store: match plan workouts: %w", err)
	}
	return nil
}

// AddPlanChange records a change of a plan with its explanations.
func AddPlanChange(ctx context.Context, tx pgx.Tx, plan uuid.UUID, ex []Explanation) error {
	data, err := json.Marshal(ex)
	if err != nil {
		return fmt.Errorf("store: encode plan change: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO training.plan_changes (plan_id, seq, explanations)
		SELECT $1, coalesce(max(seq), 0) + 1, $2 FROM training.plan_changes WHERE plan_id = $1`, plan, data); err != nil {
		return fmt.Errorf("store: add plan change: %w", err)
	}
	return nil
}

// PlanChanges reads a plan's changes, oldest first.
func PlanChanges(ctx context.Context, q storage.Querier, plan uuid.UUID) ([]PlanChange, error) {
	rows, err := q.Query(ctx, `SELECT seq, at, explanations FROM training.plan_changes WHERE plan_id = $1 ORDER BY seq`, plan)
	if err != nil {
		return nil, fmt.Errorf("store: plan changes: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (PlanChange, error) {
		var c PlanChange
		var ex []byte
		if err := r.Scan(&c.Seq, &c.At, &ex); err != nil {
			return c, err
		}
		return c, json.Unmarshal(ex, &c.Explanations)
	})
	if err != nil {
		return nil, fmt.Errorf("store: plan changes: %w", err)
	}
	return out, nil
}

// FinishedSession is a finished session as plans read it.
type FinishedSession struct {
	ID          uuid.UUID
	Sport       string
	StartedAt   time.Time
	MovingS     float64
	ElapsedS    float64
	DistanceM   float64
	BestEfforts []BestEffort
}

// FinishedSessions reads user's finished, plausible sessions started in
// [from, to), oldest first: a session flagged implausible (a car ride
// recorded as a run) counts in no plan, neither in the athlete's state
// nor in the longest session the safety rules measure from.
func FinishedSessions(ctx context.Context, q storage.Querier, user uuid.UUID, from, to time.Time) ([]FinishedSession, error) {
	rows, err := q.Query(ctx, `SELECT id, sport, started_at,
		coalesce((summary->>'moving_time_s')::float8, 0), coalesce((summary->>'elapsed_time_s')::float8, 0),
		coalesce((summary->>'distance_m')::float8, 0), coalesce(summary->'best_efforts', '[]')
		FROM training.sessions WHERE user_id = $1 AND state = 'finished' AND plausible AND started_at >= $2 AND started_at < $3
		ORDER BY started_at, id`, user, from, to)
	if err != nil {
		return nil, fmt.Errorf("store: finished sessions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (FinishedSession, error) {
		var s FinishedSession
		var be []byte
		if err := r.Scan(&s.ID, &s.Sport, &s.StartedAt, &s.MovingS, &s.ElapsedS, &s.DistanceM, &be); err != nil {
			return s, err
		}
		return s, json.Unmarshal(be, &s.BestEfforts)
	})
	if err != nil {
		return nil, fmt.Errorf("store: finished sessions: %w", err)
	}
	return out, nil
}

// LockUserPlans serialises the creation of one user's plans in tx (a user
// has one active plan).
func LockUserPlans(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('training.plans:' || $1::text, 0))`, user); err != nil {
		return fmt.Errorf("store: lock user plans: %w", err)
	}
	return nil
}

// DuePlan is an active plan the daily adaptation has not looked at on a day.
type DuePlan struct {
	ID, User uuid.UUID
}

// NextDuePlan takes, in tx, one active plan not looked at on day (a UTC
// date) and not past its last day, locking it (others running the same
// sweep skip it); ok is false when none is left.
func NextDuePlan(ctx context.Context, tx pgx.Tx, day time.Time) (DuePlan, bool, error) {
	var p DuePlan
	err := tx.QueryRow(ctx, `SELECT id, user_id FROM training.plans
		WHERE state = 'active' AND (checked_on IS NULL OR checked_on < $1) AND end_day >= $1::date - 1
		ORDER BY checked_on NULLS FIRST LIMIT 1 FOR UPDATE SKIP LOCKED`, day).Scan(&p.ID, &p.User)
	if errors.Is(err, pgx.ErrNoRows) {
		return DuePlan{}, false, nil
	}
	if err != nil {
		return DuePlan{}, false, fmt.Errorf("store: next due plan: %w", err)
	}
	return p, true, nil
}

// MarkPlanChecked records that the daily adaptation looked at a plan on day.
func MarkPlanChecked(ctx context.Context, tx pgx.Tx, id uuid.UUID, day time.Time) error {
	if _, err := tx.Exec(ctx, `UPDATE training.plans SET checked_on = $2 WHERE id = $1`, id, day); err != nil {
		return fmt.Errorf("store: mark plan checked: %w", err)
	}
	return nil
}
