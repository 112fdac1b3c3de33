package challengestore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/modules/gamification/internal/challenge"
)

// Participation is a user's participation in an open challenge, with
// what its progress depends on.
type Participation struct {
	ChallengeID uuid.UUID
	UserID      uuid.UUID
	TeamID      *uuid.UUID
	JoinedAt    time.Time
	Def         challenge.Def
	Target      *float64
	// Value is the participant's value before the batch; Completed
	// whether it has completed.
	Value     *float64
	Completed bool
	// TimeZone is the user's IANA time zone ("" when unknown).
	TimeZone string
}

// LockUsers takes the challenges' transaction-scoped advisory lock of each
// user, in one order (by key), so that two transactions that change the
// same users' participations (the applier's batches, joining, leaving, erasure)
// run one after the other and never deadlock. After them, the lock order
// is: each challenge's advisory lock (by key: LockOpen and
// LockChallengesOf shared, the end sweep's NextToEnd exclusive), the
// challenges' rows (by id:
// LockCounters, Lock, the end sweep's), participants, teams (by id).
func LockUsers(ctx context.Context, tx pgx.Tx, users []uuid.UUID) error {
	keys := make([]int32, len(users))
	for i, u := range users {
		keys[i] = int32(binary.BigEndian.Uint32(u[12:]))
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1::int, k) FROM unnest($2::int[]) AS k`, lockClass, keys); err != nil {
		return fmt.Errorf("challengestore: lock users: %w", err)
	}
	return nil
}

// lockClass is the first key of the challenges' advisory locks ("chlg").
const lockClass = 0x63686c67

// LockChallengesOf takes, in key order, the shared advisory lock of each
// challenge the users (locked with LockUsers) take part in; open keeps
// only those still open to progress (see ParticipationsOf). The end sweep
// takes a challenge's lock exclusive (LockToEnd) before it finalises it,
// so a batch that read a challenge open counts in it before the sweep
// closes it, and one that starts after reads it closed. Shared locks do
// not wait for each other: batches of different users in the same
// challenges run side by side until they write the challenges' counters
// (LockCounters). PostgreSQL queues lock requests fairly, so a sweep
// waiting for the lock is not starved by batches that keep coming.
func LockChallengesOf(ctx context.Context, tx pgx.Tx, users []uuid.UUID, open bool) error {
	cond := ""
	if open {
		cond = ` AND c.completed_at IS NULL AND c.ended_at IS NULL`
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($2::int, k) FROM (
		SELECT DISTINCT `+challengeKey+` AS k FROM gamification.challenges c
		WHERE c.id IN (SELECT p.challenge_id FROM unnest($1::uuid[]) AS b(user_id)
			JOIN gamification.challenge_participants p ON p.user_id = b.user_id)`+cond+`
		ORDER BY 1) AS l`, users, challengeLockClass); err != nil {
		return fmt.Errorf("challengestore: lock challenges: %w", err)
	}
	return nil
}

// LockOpen takes, in key order, the shared advisory lock of each of the
// challenges ids (as LockChallengesOf does, for ids already known) and
// returns those still open to progress once the locks are held: a
// challenge the end sweep finalised before is not among them, and none
// can be finalised until the transaction ends.
func LockOpen(ctx context.Context, tx pgx.Tx, ids []uuid.UUID) (map[uuid.UUID]bool, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($2::int, k) FROM (
		SELECT DISTINCT `+challengeKey+` AS k FROM unnest($1::uuid[]) AS c(id) ORDER BY 1) AS l`, ids, challengeLockClass); err != nil {
		return nil, fmt.Errorf("challengestore: lock challenges: %w", err)
	}
	// A statement of its own: its snapshot is taken after the locks.
	rows, err := tx.Query(ctx, `SELECT c.id FROM gamification.challenges c
		WHERE c.id = ANY($1) AND c.completed_at IS NULL AND c.ended_at IS NULL`, ids)
	if err != nil {
		return nil, fmt.Errorf("challengestore: open challenges: %w", err)
	}
	open, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("challengestore: open challenges: %w", err)
	}
	out := make(map[uuid.UUID]bool, len(open))
	for _, id := range open {
		out[id] = true
	}
	return out, nil
}

// challengeLockClass is the first key of the challenges' own advisory
// locks ("chlc"); challengeKey the second, from a challenge's id (c.id).
const (
	challengeLockClass = 0x63686c63
	challengeKey       = `('x' || substr(replace(c.id::text, '-', ''), 25, 8))::bit(32)::int`
)

// LockCounters locks the rows of the challenges ids, in id order, before
// their counters (participants, ranked, a group goal's total) or their
// teams are written: two batches adding to the same challenges wait for
// each other from there to their commit, never in a circle.
func LockCounters(ctx context.Context, tx pgx.Tx, ids []uuid.UUID) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM gamification.challenges c WHERE c.id = ANY($1)
		ORDER BY c.id FOR NO KEY UPDATE OF c`, ids); err != nil {
		return fmt.Errorf("challengestore: lock counters: %w", err)
	}
	return nil
}

// ParticipationsOf returns the participations of users (locked with
// LockUsers) in the challenges still open to progress: neither a reached
// group goal nor finalised by the end sweep (their results are final).
// The applier then takes those challenges' locks and keeps the ones
// still open (LockOpen). A challenge whose end passed
// stays open until the sweep finalises it, challenge.FinaliseGrace later:
// sessions that started inside the window and arrive late still count.
func ParticipationsOf(ctx context.Context, tx pgx.Tx, users []uuid.UUID) ([]Participation, error) {
	// The users' participations first, by the primary key (user,
	// challenge), whatever the planner makes of the few challenges' rows
	// (a table of a few rows, seldom analyzed, estimated at one open
	// challenge: it then scanned each challenge's participants for the
	// batch's users).
	// The users' time zones are read once a user, not once a participation.
	rows, err := tx.Query(ctx, `WITH p AS MATERIALIZED (SELECT challenge_id, user_id, team_id, joined_at, value, completed_at
			FROM gamification.challenge_participants WHERE user_id = ANY($1)),
		u AS MATERIALIZED (SELECT user_id, time_zone FROM gamification.users WHERE user_id = ANY($1))
		SELECT p.challenge_id, p.user_id, p.team_id, p.joined_at, c.kind, c.metric, c.effort, c.sport,
			c.starts_at, c.ends_at, c.target, p.value, p.completed_at IS NOT NULL, coalesce(u.time_zone, '')
		FROM p JOIN gamification.challenges c ON c.id = p.challenge_id
		LEFT JOIN u ON u.user_id = p.user_id
		WHERE c.completed_at IS NULL AND c.ended_at IS NULL`, users)
	if err != nil {
		return nil, fmt.Errorf("challengestore: participations: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Participation, error) {
		var p Participation
		return p, r.Scan(&p.ChallengeID, &p.UserID, &p.TeamID, &p.JoinedAt, &p.Def.Kind, &p.Def.Metric, &p.Def.Effort, &p.Def.Sport,
			&p.Def.StartsAt, &p.Def.EndsAt, &p.Target, &p.Value, &p.Completed, &p.TimeZone)
	})
	if err != nil {
		return nil, fmt.Errorf("challengestore: participations: %w", err)
	}
	return out, nil
}

// Pair names a participant: a challenge and a user.
type Pair struct {
	ChallengeID, UserID uuid.UUID
}

// DeleteContributions deletes what sessions contributed to the
// participations (of their users, in open challenges: ParticipationsOf)
// and returns whose contributions they were. It finds them by primary
// key (challenge, user, session), so the table needs no index by session.
func DeleteContributions(ctx context.Context, tx pgx.Tx, parts []Participation, sessions map[uuid.UUID][]uuid.UUID) ([]Pair, error) {
	var cs, us, ss []uuid.UUID
	for _, p := range parts {
		for _, s := range sessions[p.UserID] {
			cs, us, ss = append(cs, p.ChallengeID), append(us, p.UserID), append(ss, s)
		}
	}
	if len(cs) == 0 {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `DELETE FROM gamification.challenge_contributions x
		USING unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS d(challenge_id, user_id, session_id)
		WHERE x.challenge_id = d.challenge_id AND x.user_id = d.user_id AND x.session_id = d.session_id
		RETURNING x.challenge_id, x.user_id`, cs, us, ss)
	if err != nil {
		return nil, fmt.Errorf("challengestore: delete contributions: %w", err)
	}
	pairs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Pair])
	if err != nil {
		return nil, fmt.Errorf("challengestore: delete contributions: %w", err)
	}
	return pairs, nil
}

// Contribution is what one session contributes to one participant.
type Contribution struct {
	Pair
	SessionID uuid.UUID
	challenge.Contribution
}

// InsertContributions stores contributions (one COPY): the sessions'
// earlier contributions were deleted in the same transaction
// (DeleteContributions), and a batch names a session once.
func InsertContributions(ctx context.Context, tx pgx.Tx, cs []Contribution) error {
	if len(cs) == 0 {
		return nil
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"gamification", "challenge_contributions"},
		[]string{"challenge_id", "user_id", "session_id", "value", "day"},
		pgx.CopyFromSlice(len(cs), func(i int) ([]any, error) {
			c := cs[i]
			return []any{c.ChallengeID, c.UserID, c.SessionID, c.Value, c.Day}, nil
		}))
	if err != nil {
		return fmt.Errorf("challengestore: insert contributions: %w", err)
	}
	return nil
}

// Recompute sets the value (and score) of each participant in parts from
// its contributions (its challenge's aggregate; none: no value) and
// returns the new values of those whose value changed. The participants
// are the batch's (ParticipationsOf: their values before are known); the
// redundant user_id = ANY narrows the table by their users first (Add).
func Recompute(ctx context.Context, tx pgx.Tx, parts []Participation) (map[Pair]*float64, error) {
	if len(parts) == 0 {
		return nil, nil
	}
	cs, us := make([]uuid.UUID, len(parts)), make([]uuid.UUID, len(parts))
	aggs, neg := make([]string, len(parts)), make([]bool, len(parts))
	for i, p := range parts {
		cs[i], us[i] = p.ChallengeID, p.UserID
		aggs[i], neg[i] = string(challenge.AggregateOf(p.Def.Kind, p.Def.Metric)), challenge.LowerIsBetter(p.Def.Kind)
	}
	rows, err := tx.Query(ctx, `UPDATE gamification.challenge_participants t
		SET value = a.value, score = CASE WHEN r.neg THEN -a.value ELSE a.value END
		FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::bool[]) AS r(challenge_id, user_id, agg, neg)
		CROSS JOIN LATERAL (
			SELECT CASE WHEN count(*) = 0 THEN NULL
				WHEN r.agg = 'sum' THEN sum(x.value)
				WHEN r.agg = 'days' THEN count(DISTINCT x.day)::float8
				WHEN r.agg = 'min' THEN min(x.value)
				ELSE max(x.value) END AS value
			FROM gamification.challenge_contributions x WHERE x.challenge_id = r.challenge_id AND x.user_id = r.user_id) a
		WHERE t.user_id = ANY($2) AND t.challenge_id = r.challenge_id AND t.user_id = r.user_id AND t.value IS DISTINCT FROM a.value
		RETURNING t.challenge_id, t.user_id, t.value`, cs, us, aggs, neg)
	return values(rows, err, "recompute")
}

// Best is a participant's new best value (the fastest, the longest).
type Best struct {
	Pair
	Value         float64
	LowerIsBetter bool // the score is the value negated
}

// SetValues sets participants' new best values (and their scores), and
// returns them as Recompute does.
func SetValues(ctx context.Context, tx pgx.Tx, bests []Best) (map[Pair]*float64, error) {
	if len(bests) == 0 {
		return nil, nil
	}
	cs, us := make([]uuid.UUID, len(bests)), make([]uuid.UUID, len(bests))
	vs, neg := make([]float64, len(bests)), make([]bool, len(bests))
	for i, b := range bests {
		cs[i], us[i], vs[i], neg[i] = b.ChallengeID, b.UserID, b.Value, b.LowerIsBetter
	}
	rows, err := tx.Query(ctx, `UPDATE gamification.challenge_participants t
		SET value = b.value, score = CASE WHEN b.neg THEN -b.value ELSE b.value END
		FROM unnest($1::uuid[], $2::uuid[], $3::float8[], $4::bool[]) AS b(challenge_id, user_id, value, neg)
		WHERE t.user_id = ANY($2) AND t.challenge_id = b.challenge_id AND t.user_id = b.user_id
		RETURNING t.challenge_id, t.user_id, t.value`, cs, us, vs, neg)
	return values(rows, err, "set values")
}

// values collects the (challenge, user, value) rows of an update.
func values(rows pgx.Rows, err error, what string) (map[Pair]*float64, error) {
	if err != nil {
		return nil, fmt.Errorf("challengestore: %s: %w", what, err)
	}
	out := make(map[Pair]*float64)
	var p Pair
	var v *float64
	_, err = pgx.ForEachRow(rows, []any{&p.ChallengeID, &p.UserID, &v}, func() error {
		out[p] = v
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("challengestore: %s: %w", what, err)
	}
	return out, nil
}

// Delta is what a batch adds to a participant's total: Value, and Counted
// sessions (a total with no session counted has no value).
type Delta struct {
	Pair
	Value   float64
	Counted int
}

// Add adds deltas to the participants' totals and returns the new values
// (nil: no session counts any more). The redundant user_id = ANY lets
// PostgreSQL narrow the table by the batch's users (its user index, or a
// hashed filter) before it joins the pairs, whatever its statistics.
func Add(ctx context.Context, tx pgx.Tx, deltas []Delta) (map[Pair]*float64, error) {
	if len(deltas) == 0 {
		return map[Pair]*float64{}, nil
	}
	cs, us := make([]uuid.UUID, len(deltas)), make([]uuid.UUID, len(deltas))
	vs, ns := make([]float64, len(deltas)), make([]int32, len(deltas))
	for i, d := range deltas {
		cs[i], us[i], vs[i], ns[i] = d.ChallengeID, d.UserID, d.Value, int32(d.Counted)
	}
	rows, err := tx.Query(ctx, `UPDATE gamification.challenge_participants t SET counted = t.counted + d.n,
			value = CASE WHEN t.counted + d.n = 0 THEN NULL ELSE coalesce(t.value, 0) + d.v END,
			score = CASE WHEN t.counted + d.n = 0 THEN NULL ELSE coalesce(t.value, 0) + d.v END
		FROM unnest($1::uuid[], $2::uuid[], $3::float8[], $4::int[]) AS d(challenge_id, user_id, v, n)
		WHERE t.user_id = ANY($2) AND t.challenge_id = d.challenge_id AND t.user_id = d.user_id
		RETURNING t.challenge_id, t.user_id, t.value`, cs, us, vs, ns)
	return values(rows, err, "add")
}

// Counts is what a batch changed in a challenge's counters.
type Counts struct {
	Total  float64 // a group goal's total
	Ranked int     // participants with a value
}

// AddCounts adds to the challenges' counters (locked by the caller:
// LockCounters) and returns the group goals whose total now reaches
// their target and were not completed yet.
func AddCounts(ctx context.Context, tx pgx.Tx, counts map[uuid.UUID]Counts) ([]uuid.UUID, error) {
	if len(counts) == 0 {
		return nil, nil
	}
	ids, totals, ranked := make([]uuid.UUID, 0, len(counts)), make([]float64, 0, len(counts)), make([]int32, 0, len(counts))
	for id, c := range counts {
		ids, totals, ranked = append(ids, id), append(totals, c.Total), append(ranked, int32(c.Ranked))
	}
	rows, err := tx.Query(ctx, `UPDATE gamification.challenges c SET total = c.total + d.total, ranked = c.ranked + d.ranked
		FROM unnest($1::uuid[], $2::float8[], $3::int[]) AS d(id, total, ranked) WHERE c.id = d.id
		RETURNING c.id, c.kind = 'group_goal' AND c.completed_at IS NULL AND c.total >= c.target`, ids, totals, ranked)
	if err != nil {
		return nil, fmt.Errorf("challengestore: add counts: %w", err)
	}
	var reached []uuid.UUID
	var id uuid.UUID
	var ok bool
	_, err = pgx.ForEachRow(rows, []any{&id, &ok}, func() error {
		if ok {
			reached = append(reached, id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("challengestore: add counts: %w", err)
	}
	return reached, nil
}

// Completion is a participant's completion: its rank and value (or its
// team's), written in the same statement that marked it completed.
type Completion struct {
	UserID uuid.UUID
	TeamID *uuid.UUID
	Rank   int
	Value  float64
}

// CompleteParticipants marks the participants completed at at, those not
// completed yet, and returns them.
func CompleteParticipants(ctx context.Context, tx pgx.Tx, id uuid.UUID, users []uuid.UUID, at time.Time) ([]Completion, error) {
	return completions(ctx, tx, `UPDATE gamification.challenge_participants SET completed_at = $3
		WHERE challenge_id = $1 AND user_id = ANY($2) AND completed_at IS NULL
		RETURNING user_id, team_id, 0, coalesce(value, 0)`, id, users, at)
}

// CompleteGoal marks a group goal completed at at, and every participant
// of it not completed yet; it returns them (none if it was completed
// already).
func CompleteGoal(ctx context.Context, tx pgx.Tx, id uuid.UUID, at time.Time) ([]Completion, error) {
	tag, err := tx.Exec(ctx, `UPDATE gamification.challenges SET completed_at = $2 WHERE id = $1 AND completed_at IS NULL`, id, at)
	if err != nil {
		return nil, fmt.Errorf("challengestore: complete goal: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return nil, nil
	}
	return completions(ctx, tx, `UPDATE gamification.challenge_participants SET completed_at = $2
		WHERE challenge_id = $1 AND completed_at IS NULL RETURNING user_id, team_id, 0, coalesce(value, 0)`, id, at)
}

// NextToEnd locks one challenge due to be finalised at now (its end
// passed challenge.FinaliseGrace ago) and which the end sweep has not
// closed: first its advisory lock, exclusive (waiting for the batches
// counting in it: LockChallengesOf), then its row; ErrNotFound when there
// is none. Two sweeps may pick the same challenge: the second finds it
// closed once the first commits, and takes the next.
func NextToEnd(ctx context.Context, tx pgx.Tx, now time.Time) (Challenge, error) {
	due := `c.ended_at IS NULL AND c.ends_at <= $1`
	for {
		var id uuid.UUID
		err := tx.QueryRow(ctx, `SELECT c.id FROM gamification.challenges c WHERE `+due+`
			ORDER BY c.ends_at, c.id LIMIT 1`, now.Add(-challenge.FinaliseGrace)).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return Challenge{}, ErrNotFound
		}
		if err != nil {
			return Challenge{}, fmt.Errorf("challengestore: next to end: %w", err)
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($2::int, `+challengeKey+`)
			FROM gamification.challenges c WHERE c.id = $1`, id, challengeLockClass); err != nil {
			return Challenge{}, fmt.Errorf("challengestore: next to end: %w", err)
		}
		// A statement of its own: its snapshot sees what committed while
		// the lock was awaited.
		c, err := scanChallenge(tx.QueryRow(ctx, `SELECT `+challengeColumns+` FROM gamification.challenges c
			WHERE c.id = $2 AND `+due+` FOR UPDATE`, now.Add(-challenge.FinaliseGrace), id))
		if errors.Is(err, ErrNotFound) {
			continue // closed by another sweep meanwhile
		}
		return c, err
	}
}

// CompleteRanked marks every ranked participant of an ended challenge
// completed at at (not completed yet) and returns them with their final
// rank and value: their own (the rank among the listed, as on the
// leaderboard), or, in a team challenge, their team's (every member of a
// ranked team).
func CompleteRanked(ctx context.Context, tx pgx.Tx, c Challenge, at time.Time) ([]Completion, error) {
	if c.TeamMode != challenge.Individual {
		return completions(ctx, tx, `WITH tr AS (SELECT team_id, value, rank() OVER (ORDER BY score DESC) AS rank
				FROM gamification.challenge_teams WHERE challenge_id = $1 AND score IS NOT NULL)
			UPDATE gamification.challenge_participants p SET completed_at = $2 FROM tr
			WHERE p.challenge_id = $1 AND p.team_id = tr.team_id AND p.completed_at IS NULL
			RETURNING p.user_id, p.team_id, tr.rank, tr.value`, c.ID, at)
	}
	// A rank is one more than the listed participants with a better score
	// (the leaderboard's rank; an opted-out participant's too).
	return completions(ctx, tx, `WITH r AS (SELECT p.user_id, 1 + count(*) FILTER (WHERE `+listed+`) OVER (ORDER BY p.score DESC
				RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE GROUP) AS rank
			FROM gamification.challenge_participants p`+listedOnly+` WHERE p.challenge_id = $1 AND p.score IS NOT NULL)
		UPDATE gamification.challenge_participants p SET completed_at = $2 FROM r
		WHERE p.challenge_id = $1 AND p.user_id = r.user_id AND p.completed_at IS NULL
		RETURNING p.user_id, p.team_id, r.rank, p.value`, c.ID, at)
}

// MarkEnded records that the end sweep closed the challenge.
func MarkEnded(ctx context.Context, tx pgx.Tx, id uuid.UUID, at time.Time) error {
	if _, err := tx.Exec(ctx, `UPDATE gamification.challenges SET ended_at = $2 WHERE id = $1`, id, at); err != nil {
		return fmt.Errorf("challengestore: mark ended: %w", err)
	}
	return nil
}

func completions(ctx context.Context, tx pgx.Tx, sql string, args ...any) ([]Completion, error) {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("challengestore: complete: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Completion, error) {
		var c Completion
		var rank int64
		err := r.Scan(&c.UserID, &c.TeamID, &rank, &c.Value)
		c.Rank = int(rank)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("challengestore: complete: %w", err)
	}
	return out, nil
}
