// Package leaderboard is the leaderboards' use cases: keeping every user's
// totals from session changes (Service is an activity.Applier and Eraser)
// and from achievement points, and answering a board — from this
// process's boards in memory (Live), from SQL while a board loads, and
// from SQL for a group's board (its members' rows).
package leaderboard

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/gamification/api"
	"github.com/athlos/athlos/modules/gamification/internal/activity"
	"github.com/athlos/athlos/modules/gamification/internal/board"
	"github.com/athlos/athlos/modules/gamification/internal/boardstore"
)

// Limits of a request.
const (
	DefaultLimit      = 50
	MaxLimit          = 100
	DefaultNeighbours = 2
	MaxNeighbours     = 10
)

// LoadWait is how long a read waits for its board to load in memory
// before it is answered from SQL (a million users load in a few seconds;
// the SQL answer of a board that size takes as long, and slows the load).
const LoadWait = 3 * time.Second

// Service keeps and answers the leaderboards.
type Service struct {
	store *boardstore.Store
	live  *Live
	now   func() time.Time
}

// New makes a Service on store, its boards in live (nil: every read goes
// to SQL).
func New(store *boardstore.Store, live *Live) *Service {
	return &Service{store: store, live: live, now: time.Now}
}

// ApplySessions adds the changes' contributions to the totals (taking an
// edited or deleted session's old ones back), with the points of the
// batch's unlocks (activity.Batch), in one write, in the consumer's
// transaction (activity.Applier).
func (s *Service) ApplySessions(ctx context.Context, tx pgx.Tx, changes []activity.Change) error {
	var old, new []board.Session
	for _, c := range changes {
		if c.Old != nil {
			old = append(old, boardSession(c.Old))
		}
		if c.New != nil {
			new = append(new, boardSession(c.New))
		}
	}
	delta := board.Delta(old, new)
	if b := activity.BatchOf(ctx); b != nil {
		if err := addPoints(delta, b.Points); err != nil {
			return err
		}
		b.Points = nil
	}
	return s.store.Apply(ctx, tx, delta)
}

// Prepare makes the slots the sessions' boards need (activity.Preparer),
// each committed on its own before the batch's transaction.
func (s *Service) Prepare(ctx context.Context, sessions []*activity.Session) error {
	seen := make(map[board.Slot]bool)
	var slots []board.Slot
	for _, a := range sessions {
		for _, c := range board.SessionContributions(boardSession(a)) {
			if !seen[c.Slot] {
				seen[c.Slot] = true
				slots = append(slots, c.Slot)
			}
		}
	}
	return s.store.MakeSlots(ctx, slots)
}

func boardSession(a *activity.Session) board.Session {
	return board.Session{UserID: a.UserID, Sport: a.Sport, StartedAt: a.StartedAt, DistanceM: a.DistanceM,
		MovingTimeS: a.MovingTimeS, ElevationM: a.ElevationGainM, Plausible: a.Plausible}
}

// EraseUser erases a deleted user's totals (activity.Eraser).
func (s *Service) EraseUser(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	return s.store.EraseUser(ctx, tx, user)
}

// ApplyPoints adds new unlocks' points to the points boards of the
// periods of their time, in the transaction that stores the unlocks
// (achievements' service.PointsSink). Inside a batch of session changes
// it leaves them to the batch's write (ApplySessions, after the
// achievements); elsewhere (records, challenges, backfills) it writes
// them at once, for the users not erased.
func (s *Service) ApplyPoints(ctx context.Context, tx pgx.Tx, unlocks []api.AchievementUnlocked) error {
	if b := activity.BatchOf(ctx); b != nil {
		b.Points = append(b.Points, unlocks...)
		return nil
	}
	users := make([]uuid.UUID, 0, len(unlocks))
	for _, ev := range unlocks {
		u, err := uuid.Parse(ev.UserID)
		if err != nil {
			return bus.Invalid("user_id", "must be a UUID")
		}
		users = append(users, u)
	}
	live, err := activity.LockLive(ctx, tx, users)
	if err != nil || len(live) == 0 {
		return err
	}
	alive := make(map[string]bool, len(live))
	for _, u := range live {
		alive[u.String()] = true
	}
	keep := make([]api.AchievementUnlocked, 0, len(unlocks))
	for _, ev := range unlocks {
		if alive[ev.UserID] {
			keep = append(keep, ev)
		}
	}
	delta := map[board.SlotUser]board.Amounts{}
	if err := addPoints(delta, keep); err != nil {
		return err
	}
	return s.store.Apply(ctx, tx, delta)
}

// addPoints adds unlocks' points to delta.
func addPoints(delta map[board.SlotUser]board.Amounts, unlocks []api.AchievementUnlocked) error {
	for _, ev := range unlocks {
		user, err := uuid.Parse(ev.UserID)
		if err != nil {
			return bus.Invalid("user_id", "must be a UUID")
		}
		for _, c := range board.PointsContributions(user, int64(ev.Points), ev.UnlockedAt) {
			k := board.SlotUser{Slot: c.Slot, UserID: c.UserID}
			delta[k] = delta[k].Add(c.Amounts, 1)
		}
	}
	for k, a := range delta {
		if a.Zero() {
			delete(delta, k)
		}
	}
	return nil
}

// Query is a validated request.
type Query struct {
	Metric     board.Metric
	Period     board.Period
	At         time.Time
	Sport      string
	Country    bool      // the caller's country
	Group      uuid.UUID // a group's board (uuid.Nil: none)
	Limit      int
	Neighbours int
}

var sportName = regexp.MustCompile(`^[a-z][a-z_]{0,31}$`)

// ParseQuery validates a request (field names are the HTTP query's),
// with now the current time.
func ParseQuery(in api.LeaderboardRequest, now time.Time) (Query, error) {
	q := Query{Metric: board.Distance, Period: board.Week, At: now, Limit: DefaultLimit, Neighbours: DefaultNeighbours}
	if in.Metric != "" {
		q.Metric = board.Metric(in.Metric)
		if !q.Metric.Valid() {
			return Query{}, bus.Invalid("query.metric", "must be one of distance, time, sessions, elevation, points")
		}
	}
	if in.Period != "" {
		q.Period = board.Period(in.Period)
		if !q.Period.Valid() {
			return Query{}, bus.Invalid("query.period", "must be one of week, month, year, all")
		}
	}
	switch scope := in.Scope; {
	case scope == "" || scope == "global":
	case scope == "country":
		q.Country = true
	case strings.HasPrefix(scope, "group:"):
		id, err := uuid.Parse(strings.TrimPrefix(scope, "group:"))
		if err != nil || id == uuid.Nil {
			return Query{}, bus.Invalid("query.scope", "group:<id> needs a group's UUID")
		}
		q.Group = id
	default:
		return Query{}, bus.Invalid("query.scope", "must be global, country or group:<id>")
	}
	if in.Sport != "" {
		if !sportName.MatchString(in.Sport) {
			return Query{}, bus.Invalid("query.sport", "must be a sport's name, e.g. run")
		}
		if q.Metric == board.Points {
			return Query{}, bus.Invalid("query.sport", "points are not a sport's: leave sport out")
		}
		q.Sport = in.Sport
	}
	switch {
	case in.Limit < 0 || in.Limit > MaxLimit:
		return Query{}, bus.Invalid("query.limit", fmt.Sprintf("must be from 1 to %d", MaxLimit))
	case in.Limit > 0:
		q.Limit = in.Limit
	}
	if in.Neighbours != nil {
		if *in.Neighbours < 0 || *in.Neighbours > MaxNeighbours {
			return Query{}, bus.Invalid("query.neighbours", fmt.Sprintf("must be from 0 to %d", MaxNeighbours))
		}
		q.Neighbours = *in.Neighbours
	}
	if in.At != "" {
		at, err := time.Parse(time.RFC3339, in.At)
		switch {
		case err != nil:
			return Query{}, bus.Invalid("query.at", "must be an RFC 3339 time, e.g. 2026-11-30T12:00:00Z")
		case at.After(now.Add(24 * time.Hour)):
			return Query{}, bus.Invalid("query.at", "must not be in the future")
		case at.Year() < 2000:
			return Query{}, bus.Invalid("query.at", "must be in 2000 or later")
		}
		q.At = at.UTC()
	}
	return q, nil
}

// Get answers the board q asks for, with user's place.
func (s *Service) Get(ctx context.Context, user uuid.UUID, in api.LeaderboardRequest) (api.Leaderboard, error) {
	q, err := ParseQuery(in, s.now())
	if err != nil {
		return api.Leaderboard{}, err
	}
	slot := board.SlotAt(q.Period, q.At, q.Sport)
	out := api.Leaderboard{Metric: string(q.Metric), Unit: q.Metric.Unit(), Step: q.Metric.ScoreStep(), Period: string(q.Period),
		Scope: "global", Sport: q.Sport, Items: []api.LeaderboardRow{}, Neighbours: []api.LeaderboardRow{}}
	if q.Period != board.All {
		start, end := slot.Start, slot.End()
		out.PeriodStart, out.PeriodEnd = &start, &end
	}
	if q.Group != uuid.Nil {
		// A group's board is its members' only: whoever is not a member
		// hears of no group (unknown or not theirs alike).
		ok, err := s.store.IsMember(ctx, q.Group, user)
		if err != nil {
			return api.Leaderboard{}, err
		}
		if !ok {
			return api.Leaderboard{}, bus.Errorf(bus.CodeNotFound, "no group %s of yours", q.Group)
		}
		out.Scope = "group:" + q.Group.String()
	}
	id, err := s.store.SlotID(ctx, slot)
	if err != nil {
		return api.Leaderboard{}, err
	}
	infos, err := s.users(ctx, []uuid.UUID{user})
	if err != nil {
		return api.Leaderboard{}, err
	}
	// A caller the module has not heard of yet is not listed (as
	// boardstore's listed says) until their profile reaches it.
	caller := infos[user]
	out.Me.Listed = caller.Listed
	var scope boardstore.Scope
	if q.Country {
		if caller.Country == "" {
			return api.Leaderboard{}, bus.Invalid("query.scope", "your profile has no country: set one to see your country's board")
		}
		scope.Country = caller.Country
		out.Scope = "country:" + caller.Country
	}
	if id == 0 {
		return out, nil // nobody has counted anything in this period yet
	}
	var top, around []board.Ranked
	var me board.Ranked
	var on bool
	switch {
	case q.Group != uuid.Nil:
		users, scores, err := s.store.GroupBoard(ctx, id, q.Metric, q.Group)
		if err != nil {
			return api.Leaderboard{}, err
		}
		r := board.NewRanking(len(users))
		r.SetAll(users, scores)
		top, out.Total = r.Top(q.Limit), int64(r.Len())
		me, around, on = aroundOf(r, user, q.Neighbours)
	default:
		var r *board.Ranking
		if s.live != nil {
			r = s.live.Wait(liveKey{slot: id, metric: q.Metric, country: scope.Country}, LoadWait)
		}
		if r != nil {
			top, out.Total = r.Top(q.Limit), int64(r.Len())
			me, around, on = aroundOf(r, user, q.Neighbours)
			break
		}
		var above, below []board.Ranked
		top, out.Total, me, above, below, on, err = s.store.Fallback(ctx, id, q.Metric, scope, q.Limit, user, q.Neighbours)
		if err != nil {
			return api.Leaderboard{}, err
		}
		around = join(above, me, below, on)
	}
	if on {
		out.Me.Rank = &me.Rank
		out.Me.Value = q.Metric.Value(me.Score)
	} else {
		// Not on the board: opted out (they still see their own value),
		// nothing counted yet, or under one step.
		amount, err := s.store.Amount(ctx, user, id, q.Metric)
		if err != nil {
			return api.Leaderboard{}, err
		}
		out.Me.Value = q.Metric.Value(q.Metric.Score(amount))
	}
	names, err := s.users(ctx, userIDs(top, around))
	if err != nil {
		return api.Leaderboard{}, err
	}
	out.Items = rows(top, q.Metric, names)
	out.Neighbours = rows(around, q.Metric, names)
	return out, nil
}

// users is what boards show of users: from this process's memory, or
// from PostgreSQL.
func (s *Service) users(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]boardstore.User, error) {
	if s.live != nil {
		return s.live.Users(ctx, ids)
	}
	return s.store.Users(ctx, ids)
}

// aroundOf is user's place on r and their neighbours (them included).
func aroundOf(r *board.Ranking, user uuid.UUID, k int) (board.Ranked, []board.Ranked, bool) {
	me, above, below, ok := r.Around(user, k)
	return me, join(above, me, below, ok), ok
}

func join(above []board.Ranked, me board.Ranked, below []board.Ranked, ok bool) []board.Ranked {
	if !ok {
		return nil
	}
	out := make([]board.Ranked, 0, len(above)+1+len(below))
	out = append(out, above...)
	out = append(out, me)
	return append(out, below...)
}

func userIDs(lists ...[]board.Ranked) []uuid.UUID {
	var out []uuid.UUID
	for _, l := range lists {
		for _, r := range l {
			out = append(out, r.UserID)
		}
	}
	return out
}

func rows(rs []board.Ranked, m board.Metric, users map[uuid.UUID]boardstore.User) []api.LeaderboardRow {
	out := make([]api.LeaderboardRow, len(rs))
	for i, r := range rs {
		out[i] = api.LeaderboardRow{Rank: r.Rank, UserID: r.UserID.String(), DisplayName: users[r.UserID].Name, Value: m.Value(r.Score)}
	}
	return out
}
