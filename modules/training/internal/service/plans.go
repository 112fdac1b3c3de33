package service

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/athlos/athlos/internal/kit/page"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/performance"
	"github.com/athlos/athlos/modules/training/internal/plan"
	"github.com/athlos/athlos/modules/training/internal/plancal"
	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/storage"
)

var errNoPlan = &bus.Error{Code: bus.CodeNotFound, Message: "no such plan"}

// historyDays is how far back the plans read the user's sessions: VDOT
// from the best effort of the last 90 days, weekly volume and the longest
// session from the last four weeks and 30 days, adaptation from the last
// 60 days (plan.Adapt).
const historyDays = 90

// CreatePlan builds a training plan for user from req and the user's own
// data (plan.Build): the profile's time zone and heart rates (the request's
// resting heart rate first) and, from the finished sessions, the VDOT of
// the best effort of the last 90 days (performance.BestVDOT), the largest
// of the last four weeks and the longest session of the last 30 days of the
// plan's sport. The new plan becomes the user's active plan; an active plan
// before it is replaced (kept, no longer adapted). With an idempotency key,
// a retry gets the first answer (bus.Once). Errors: invalid (the field
// under body.), infeasible (the goal cannot be reached safely: the reason
// and options in the error's details, api.PlanInfeasible), unauthorized
// (the account was deleted).
func (s *Service) CreatePlan(ctx context.Context, user uuid.UUID, req plan.Request) (api.Plan, error) {
	return bus.Once(ctx, s.pool, s.keys, func(tx pgx.Tx) (api.Plan, error) {
		if err := s.refuseDeleted(ctx, tx, user); err != nil {
			return api.Plan{}, err
		}
		if err := store.LockUserPlans(ctx, tx, user); err != nil {
			return api.Plan{}, err
		}
		prof, err := store.GetAthleteFacts(ctx, tx, user)
		if err != nil {
			return api.Plan{}, err
		}
		loc := zoneNamed(prof.TimeZone)
		now := time.Now()
		today := plan.DateOf(now, loc)
		sessions, err := store.FinishedSessions(ctx, tx, user, today.AddDays(-historyDays).In(loc), now.Add(time.Minute))
		if err != nil {
			return api.Plan{}, err
		}
		a := planAthlete(req, prof, sessions, today, loc)
		p, err := plan.Build(req, a, today, loc)
		if err != nil {
			return api.Plan{}, planError("body.", err)
		}
		if err := store.ReplaceActivePlan(ctx, tx, user); err != nil {
			return api.Plan{}, err
		}
		id, err := uuid.NewV7()
		if err != nil {
			return api.Plan{}, err
		}
		row := planRow(p)
		row.ID, row.User, row.TimeZone = id, user, loc.String()
		row, err = store.InsertPlan(ctx, tx, row)
		if err != nil {
			return api.Plan{}, err
		}
		if err := store.ReplaceWorkouts(ctx, tx, id, workoutRows(p)); err != nil {
			return api.Plan{}, err
		}
		return s.planOut(ctx, tx, row, plan.Date{}, plan.Date{})
	})
}

// ListPlans returns a page of user's plans, newest first. Errors: invalid
// (query.limit, query.cursor).
func (s *Service) ListPlans(ctx context.Context, user uuid.UUID, limit int, cursor string) (api.PlanList, error) {
	limit, after, err := pageOf(limit, cursor)
	if err != nil {
		return api.PlanList{}, err
	}
	rows, err := store.Plans(ctx, s.pool, user, after, limit+1)
	if err != nil {
		return api.PlanList{}, err
	}
	rows, next := page.Cut(rows, limit, func(p store.Plan) [16]byte { return p.ID })
	out := api.PlanList{Items: make([]api.PlanSummary, len(rows)), NextCursor: next}
	for i, p := range rows {
		out.Items[i] = api.PlanSummary{ID: p.ID.String(), State: planState(p), Sport: p.Sport, Goal: goalOut(p.Request.Goal),
			Start: dateString(p.Start), End: dateString(p.End), CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	}
	return out, nil
}

// GetPlan returns one of user's plans with the weeks overlapping [from,
// to] (zero dates: unbounded), each week's adherence and each workout's
// matched session (plan.Match over the finished sessions as they are now).
// Errors: not_found (another user's plan, or an unknown one), invalid
// (query.from after query.to).
func (s *Service) GetPlan(ctx context.Context, user, id uuid.UUID, from, to plan.Date) (api.Plan, error) {
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return api.Plan{}, bus.Invalid("query.to", "is before query.from")
	}
	var out api.Plan
	err := snapshot(ctx, s.pool, func(tx pgx.Tx) error {
		row, ok, err := store.GetPlan(ctx, tx, user, id, false)
		if err != nil {
			return err
		}
		if !ok {
			return errNoPlan
		}
		out, err = s.planOut(ctx, tx, row, from, to)
		return err
	})
	return out, err
}

// snapshot runs fn in a read-only transaction that sees one snapshot of
// the database (REPEATABLE READ), so that a plan, its workouts and its
// changes read in several statements belong together while an adaptation
// commits.
func snapshot(ctx context.Context, pool *pgxpool.Pool, fn func(tx pgx.Tx) error) error {
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("begin snapshot: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// DeletePlan deletes one of user's plans. Errors: not_found.
func (s *Service) DeletePlan(ctx context.Context, user, id uuid.UUID) error {
	ok, err := store.DeletePlan(ctx, s.pool, user, id)
	if err != nil {
		return err
	}
	if !ok {
		return errNoPlan
	}
	return nil
}

// PlanCalendar writes one of user's plans as an iCalendar document
// (plancal). Errors: not_found.
func (s *Service) PlanCalendar(ctx context.Context, user, id uuid.UUID) ([]byte, error) {
	var row store.Plan
	var p plan.Plan
	err := snapshot(ctx, s.pool, func(tx pgx.Tx) error {
		var ok bool
		var err error
		row, ok, err = store.GetPlan(ctx, tx, user, id, false)
		if err != nil {
			return err
		}
		if !ok {
			return errNoPlan
		}
		p, err = loadPlan(ctx, tx, row)
		return err
	})
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := plancal.Write(&b, p, row.ID.String(), time.Now()); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ReschedulePlan lays the rest of one of user's plans again from today
// for a new schedule (plan.Reschedule), the days before today kept, and
// records the change with its explanations. Errors: not_found, invalid
// (the field under body.schedule.; a plan that has ended or was replaced),
// infeasible (the schedule cannot hold the goal: the reason and options in
// the details).
func (s *Service) ReschedulePlan(ctx context.Context, user, id uuid.UUID, sched plan.Schedule) (api.Plan, error) {
	var out api.Plan
	err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		row, ok, err := store.GetPlan(ctx, tx, user, id, true)
		if err != nil {
			return err
		}
		if !ok {
			return errNoPlan
		}
		if row.State != "active" {
			return bus.Invalid("path.id", "the plan was replaced by a newer one; only the active plan can change")
		}
		p, err := loadPlan(ctx, tx, row)
		if err != nil {
			return err
		}
		now := time.Now()
		today := plan.DateOf(now, p.Location)
		if today.After(p.End) {
			return bus.Invalid("path.id", "the plan ended on "+p.End.String())
		}
		sessions, err := planSessions(ctx, tx, user, p, today, now)
		if err != nil {
			return err
		}
		q, changes, err := plan.Reschedule(p, sched, sessions, today)
		if err != nil {
			var fe *fielderr.Error
			if errors.As(err, &fe) && fe.Field != "today" {
				return planError("body.", err)
			}
			return planError("", err)
		}
		if err := s.savePlanShape(ctx, tx, row, q, changes, sessions); err != nil {
			return err
		}
		row, _, err = store.GetPlan(ctx, tx, user, id, false)
		if err != nil {
			return err
		}
		out, err = s.planOut(ctx, tx, row, plan.Date{}, plan.Date{})
		return err
	})
	return out, err
}

// AdaptPlan brings user's active plan up to date with the finished
// sessions, in tx: it matches them to the planned workouts (the matches are
// kept with the workouts) and reshapes the remaining weeks when three or
// more workouts were missed or a load spike happened (plan.Adapt),
// recording the change with its explanations. An adaptation recorded
// before for the same cause (the same explanations) is not made again, so
// an event handled twice, or the events of the days after, change the plan
// once for it. The service calls it for every session event of the user.
func (s *Service) AdaptPlan(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	row, ok, err := store.ActivePlan(ctx, tx, user)
	if err != nil || !ok {
		return err
	}
	p, err := loadPlan(ctx, tx, row)
	if err != nil {
		return err
	}
	now := time.Now()
	today := plan.DateOf(now, p.Location)
	sessions, err := planSessions(ctx, tx, user, p, today, now)
	if err != nil {
		return err
	}
	if today.Before(p.Created) || today.After(p.End) {
		return store.SetWorkoutSessions(ctx, tx, row.ID, pairsOf(plan.Match(p, sessions)))
	}
	q, changes, err := plan.Adapt(p, sessions, today)
	if err != nil {
		return fmt.Errorf("adapt plan %s: %w", row.ID, err)
	}
	if len(changes) > 0 {
		seen, err := changeRecorded(ctx, tx, row.ID, changes)
		if err != nil {
			return err
		}
		if !seen {
			return s.savePlanShape(ctx, tx, row, q, changes, sessions)
		}
	}
	return store.SetWorkoutSessions(ctx, tx, row.ID, pairsOf(plan.Match(p, sessions)))
}

// changeRecorded reports whether a change with the same explanations was
// recorded for the plan before (the same missed workouts, the same spike):
// the cause of an adaptation stays in the sessions for days, and must
// reshape the plan once.
func changeRecorded(ctx context.Context, tx pgx.Tx, id uuid.UUID, changes []plan.Explanation) (bool, error) {
	past, err := store.PlanChanges(ctx, tx, id)
	if err != nil || len(past) == 0 {
		return false, err
	}
	want, err := canonical(explanationRows(changes))
	if err != nil {
		return false, err
	}
	for _, c := range past {
		got, err := canonical(c.Explanations)
		if err != nil {
			return false, err
		}
		if bytes.Equal(got, want) {
			return true, nil
		}
	}
	return false, nil
}

// canonical is ex as JSON after a round trip through JSON, so that
// explanations just made (ints, string slices) and stored ones (float64s,
// []any) compare alike.
func canonical(ex []store.Explanation) ([]byte, error) {
	data, err := json.Marshal(ex)
	if err != nil {
		return nil, fmt.Errorf("encode explanations: %w", err)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("decode explanations: %w", err)
	}
	return json.Marshal(v)
}

// savePlanShape stores a plan's new shape q, its workouts matched to the
// sessions, and the change with its explanations.
func (s *Service) savePlanShape(ctx context.Context, tx pgx.Tx, row store.Plan, q plan.Plan, changes []plan.Explanation, sessions []plan.Session) error {
	next := planRow(q)
	next.ID, next.User, next.TimeZone, next.Start = row.ID, row.User, row.TimeZone, row.Start
	if err := store.UpdatePlanShape(ctx, tx, next); err != nil {
		return err
	}
	ws := workoutRows(q)
	pairs := pairsOf(plan.Match(q, sessions))
	for i := range ws {
		if sid, ok := pairs[ws[i].ID]; ok {
			ws[i].SessionID = &sid
		}
	}
	if err := store.ReplaceWorkouts(ctx, tx, row.ID, ws); err != nil {
		return err
	}
	return store.AddPlanChange(ctx, tx, row.ID, explanationRows(changes))
}

func pairsOf(m plan.Matching) map[string]uuid.UUID {
	out := make(map[string]uuid.UUID, len(m.Pairs))
	for _, p := range m.Pairs {
		if id, err := uuid.Parse(p.SessionID); err == nil {
			out[p.WorkoutID] = id
		}
	}
	return out
}

// planSessions reads the user's finished sessions a plan is matched and
// adapted with: from 60 days before today or the day before the plan's
// first day, whichever is earlier, to now.
func planSessions(ctx context.Context, q storage.Querier, user uuid.UUID, p plan.Plan, today plan.Date, now time.Time) ([]plan.Session, error) {
	from := today.AddDays(-60)
	if first := p.Created.AddDays(-1); first.Before(from) {
		from = first
	}
	rows, err := store.FinishedSessions(ctx, q, user, from.In(p.Location), now.Add(time.Minute))
	if err != nil {
		return nil, err
	}
	return planSessionsOf(rows), nil
}

func planSessionsOf(rows []store.FinishedSession) []plan.Session {
	out := make([]plan.Session, len(rows))
	for i, r := range rows {
		out[i] = plan.Session{ID: r.ID.String(), Sport: r.Sport, Start: r.StartedAt, Minutes: sessionMinutes(r), DistanceKm: r.DistanceM / 1000}
	}
	return out
}

func sessionMinutes(r store.FinishedSession) float64 {
	if r.MovingS > 0 {
		return r.MovingS / 60
	}
	return r.ElapsedS / 60
}

// frielZones are the plan's five heart-rate zones from the threshold heart
// rate, as the records show them (performance.HRZones, Friel's %LTHR):
// Friel's Z1 to Z4, and Z5a to Z5c as one Z5; nil when the heart rates
// don't fit them. Z1 starts at the resting heart rate (60 bpm when
// unknown).
func frielZones(rest, max, threshold int) []plan.HRRange {
	if rest == 0 {
		rest = 60
	}
	zones, model, err := performance.HRZones(float64(rest), float64(max), float64(threshold))
	if err != nil || model != performance.ZonesFriel || len(zones) != 7 {
		return nil
	}
	out := make([]plan.HRRange, 5)
	for i := range 4 {
		out[i] = plan.HRRange{Low: int(math.Round(zones[i].Low)), High: int(math.Round(zones[i].High))}
	}
	out[4] = plan.HRRange{Low: int(math.Round(zones[4].Low)), High: int(math.Round(zones[6].High))}
	return out
}

// planAthlete is what the planner needs of the user's state: the profile's
// heart rates (the request's resting heart rate first; zones from its
// threshold heart rate, the same as the records answer) and, from the
// sessions, VDOT (the best effort of the last 90 days of running), the
// largest of the last four 7-day weeks and the longest session of the 30
// days before today, of the plan's sport.
func planAthlete(req plan.Request, prof store.AthleteFacts, sessions []store.FinishedSession, today plan.Date, loc *time.Location) plan.Athlete {
	var a plan.Athlete
	if prof.MaxHRBpm != nil && *prof.MaxHRBpm >= 100 && *prof.MaxHRBpm <= 230 {
		a.MaxHR = *prof.MaxHRBpm
	}
	if req.Health.RestingHR != 0 {
		a.RestingHR = req.Health.RestingHR
	} else if prof.RestingHRBpm != nil && *prof.RestingHRBpm >= 25 && *prof.RestingHRBpm <= 120 {
		a.RestingHR = *prof.RestingHRBpm
	}
	if prof.ThresholdHRBpm != nil {
		a.Zones = frielZones(a.RestingHR, a.MaxHR, *prof.ThresholdHRBpm)
	}
	var efforts []performance.Effort
	weeks := make([]float64, 4)
	for _, s := range sessions {
		day := plan.DateOf(s.StartedAt, loc)
		if !day.Before(today) {
			continue
		}
		if plan.Family(s.Sport) == "run" {
			for _, e := range s.BestEfforts {
				efforts = append(efforts, performance.Effort{DistanceM: e.DistanceM, TimeS: e.ElapsedS})
			}
		}
		if plan.Family(s.Sport) != plan.Family(req.Sport) {
			continue
		}
		ago := today.DaysSince(day)
		mins := sessionMinutes(s)
		if ago <= 30 && mins > a.LongestMinutes {
			a.LongestMinutes, a.LongestDate = mins, day
		}
		if k := (ago - 1) / 7; k < len(weeks) {
			weeks[k] += mins
		}
	}
	a.WeeklyMinutes = math.Min(slices.Max(weeks), 50*60)
	a.LongestMinutes = math.Min(a.LongestMinutes, 24*60)
	if v, _, ok := performance.BestVDOT(efforts); ok && v >= 20 && v <= 90 {
		a.VDOT = math.Round(v*10) / 10
	}
	return a
}

// planError maps the planner's errors: a *fielderr.Error is invalid with
// its field under prefix, an *plan.InfeasibleError is infeasible with the
// reason and options in the details.
func planError(prefix string, err error) error {
	var inf *plan.InfeasibleError
	if errors.As(err, &inf) {
		d := api.PlanInfeasible{Key: inf.Key, Reason: inf.Reason, Params: inf.Params, Options: make([]api.PlanOption, len(inf.Options))}
		if d.Params == nil {
			d.Params = map[string]any{}
		}
		for i, o := range inf.Options {
			d.Options[i] = optionOut(o)
		}
		data, jerr := json.Marshal(d)
		if jerr != nil {
			return fmt.Errorf("encode infeasible goal: %w", jerr)
		}
		return &bus.Error{Code: bus.CodeInfeasible, Message: inf.Reason, Details: data}
	}
	var fe *fielderr.Error
	if errors.As(err, &fe) {
		if name, ok := apiFields[fe.Field]; ok {
			renamed := *fe
			renamed.Field = name
			return bus.FieldInvalid(prefix, &renamed)
		}
		return bus.FieldInvalid(prefix, err)
	}
	return err
}

// apiFields are the API's names of the planner's fields where they differ.
var apiFields = map[string]string{
	"health.resting_hr": "health.resting_hr_bpm",
	"goal.target_time":  "goal.target_time_s",
}

// zoneNamed is the profile's time zone, UTC when it has none or an unknown one.
func zoneNamed(name string) *time.Location {
	if name == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// planState is a plan's state for the API: active, replaced, or ended
// (active, past its last day in its zone).
func planState(p store.Plan) string {
	if p.State == "active" && plan.DateOf(time.Now(), zoneNamed(p.TimeZone)).After(dateOf(p.End)) {
		return "ended"
	}
	return p.State
}

// plansPerSweep bounds the plans one run of the daily adaptation looks at.
const plansPerSweep = 1000

// AdaptPlans is the daily adaptation: it brings every active plan not yet
// looked at today (UTC) up to date (AdaptPlan), one transaction per plan,
// so that workouts missed without any session recorded also reshape the
// plan. It returns how many plans it looked at. Several processes may run
// it at once: each plan is taken once (store.NextDuePlan skips locked ones).
func (s *Service) AdaptPlans(ctx context.Context) (int, error) {
	day := dayTime(plan.DateOf(time.Now(), time.UTC))
	n := 0
	for n < plansPerSweep {
		var found bool
		err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
			due, ok, err := store.NextDuePlan(ctx, tx, day)
			if err != nil || !ok {
				return err
			}
			found = true
			if err := s.AdaptPlan(ctx, tx, due.User); err != nil {
				return err
			}
			return store.MarkPlanChecked(ctx, tx, due.ID, day)
		})
		if err != nil {
			return n, err
		}
		if !found {
			return n, nil
		}
		n++
	}
	return n, nil
}

// PlanSweep runs AdaptPlans, logging what it did; for platform.Runtime.Every.
func (s *Service) PlanSweep(log *slog.Logger) func(ctx context.Context) {
	return func(ctx context.Context) {
		n, err := s.AdaptPlans(ctx)
		if err != nil && ctx.Err() == nil {
			log.Warn("adapting plans", "err", err)
		}
		if n > 0 {
			log.Info("looked at plans", "plans", n)
		}
	}
}
