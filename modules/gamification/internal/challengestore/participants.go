package challengestore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/storage"
)

// Participant is a user's participation in a challenge.
type Participant struct {
	ChallengeID uuid.UUID
	UserID      uuid.UUID
	TeamID      *uuid.UUID
	JoinedAt    time.Time
	Value       *float64
	CompletedAt *time.Time
}

// GetParticipant returns the user's participation in the challenge;
// ErrNotFound if the user has not joined.
func GetParticipant(ctx context.Context, q storage.Querier, id, user uuid.UUID) (Participant, error) {
	return getParticipant(ctx, q, id, user, "")
}

// ParticipationsIn returns the user's participations in the challenges
// ids, by challenge.
func ParticipationsIn(ctx context.Context, q storage.Querier, user uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]Participant, error) {
	rows, err := q.Query(ctx, `SELECT challenge_id, user_id, team_id, joined_at, value, completed_at
		FROM gamification.challenge_participants WHERE user_id = $1 AND challenge_id = ANY($2)`, user, ids)
	if err != nil {
		return nil, fmt.Errorf("challengestore: participations: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Participant])
	if err != nil {
		return nil, fmt.Errorf("challengestore: participations: %w", err)
	}
	out := make(map[uuid.UUID]Participant, len(list))
	for _, p := range list {
		out[p.ChallengeID] = p
	}
	return out, nil
}

// LockParticipant is GetParticipant, locking the row (after its
// challenge's, Lock: the lock order is challenges, participants, teams).
func LockParticipant(ctx context.Context, tx pgx.Tx, id, user uuid.UUID) (Participant, error) {
	return getParticipant(ctx, tx, id, user, " FOR UPDATE")
}

// ParticipationsOfUser returns every participation of the user, locked
// (an erasure).
func ParticipationsOfUser(ctx context.Context, tx pgx.Tx, user uuid.UUID) ([]Participant, error) {
	rows, err := tx.Query(ctx, `SELECT challenge_id, user_id, team_id, joined_at, value, completed_at
		FROM gamification.challenge_participants WHERE user_id = $1 ORDER BY challenge_id FOR UPDATE`, user)
	if err != nil {
		return nil, fmt.Errorf("challengestore: participations of user: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Participant])
	if err != nil {
		return nil, fmt.Errorf("challengestore: participations of user: %w", err)
	}
	return out, nil
}

func getParticipant(ctx context.Context, q storage.Querier, id, user uuid.UUID, lock string) (Participant, error) {
	p := Participant{ChallengeID: id, UserID: user}
	err := q.QueryRow(ctx, `SELECT team_id, joined_at, value, completed_at FROM gamification.challenge_participants
		WHERE challenge_id = $1 AND user_id = $2`+lock, id, user).Scan(&p.TeamID, &p.JoinedAt, &p.Value, &p.CompletedAt)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return p, ErrNotFound
	case err != nil:
		return p, fmt.Errorf("challengestore: participant: %w", err)
	}
	return p, nil
}

// Join adds the participant (its challenge locked by Lock) and counts it
// in the challenge and its team.
func Join(ctx context.Context, tx pgx.Tx, p Participant) error {
	if _, err := tx.Exec(ctx, `INSERT INTO gamification.challenge_participants (challenge_id, user_id, team_id, joined_at)
		VALUES ($1, $2, $3, $4)`, p.ChallengeID, p.UserID, p.TeamID, p.JoinedAt); err != nil {
		return fmt.Errorf("challengestore: join: %w", err)
	}
	return count(ctx, tx, p.ChallengeID, p.TeamID, 1, Counts{})
}

// Leave removes the participant (locked by LockParticipant) and what its
// sessions contributed: the counts, a group goal's total and its team's
// value follow.
func Leave(ctx context.Context, tx pgx.Tx, p Participant) error {
	if _, err := tx.Exec(ctx, `DELETE FROM gamification.challenge_contributions WHERE challenge_id = $1 AND user_id = $2`,
		p.ChallengeID, p.UserID); err != nil {
		return fmt.Errorf("challengestore: leave: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM gamification.challenge_participants WHERE challenge_id = $1 AND user_id = $2`,
		p.ChallengeID, p.UserID); err != nil {
		return fmt.Errorf("challengestore: leave: %w", err)
	}
	var gone Counts
	if p.Value != nil {
		gone = Counts{Total: -*p.Value, Ranked: -1}
	}
	if err := count(ctx, tx, p.ChallengeID, p.TeamID, -1, gone); err != nil {
		return err
	}
	if p.TeamID != nil {
		return RecomputeTeams(ctx, tx, []TeamRef{{ChallengeID: p.ChallengeID, TeamID: *p.TeamID}})
	}
	return nil
}

func count(ctx context.Context, tx pgx.Tx, id uuid.UUID, team *uuid.UUID, delta int, c Counts) error {
	if _, err := tx.Exec(ctx, `UPDATE gamification.challenges SET participants = participants + $2, ranked = ranked + $4,
		total = CASE WHEN kind = 'group_goal' THEN total + $3 ELSE total END WHERE id = $1`, id, delta, c.Total, c.Ranked); err != nil {
		return fmt.Errorf("challengestore: count participants: %w", err)
	}
	if team == nil {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE gamification.challenge_teams SET members = members + $3
		WHERE challenge_id = $1 AND team_id = $2`, id, *team, delta); err != nil {
		return fmt.Errorf("challengestore: count team members: %w", err)
	}
	return nil
}

// TeamRef names a team of a challenge.
type TeamRef struct {
	ChallengeID, TeamID uuid.UUID
}

// RecomputeTeams sets the value of each team from its members' values
// (the challenge's team aggregate): a team without a member's value has
// none.
func RecomputeTeams(ctx context.Context, tx pgx.Tx, teams []TeamRef) error {
	if len(teams) == 0 {
		return nil
	}
	cs, ts := make([]uuid.UUID, len(teams)), make([]uuid.UUID, len(teams))
	for i, t := range teams {
		cs[i], ts[i] = t.ChallengeID, t.TeamID
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM gamification.challenge_teams t
		JOIN unnest($1::uuid[], $2::uuid[]) AS r(challenge_id, team_id) ON t.challenge_id = r.challenge_id AND t.team_id = r.team_id
		ORDER BY t.challenge_id, t.team_id FOR NO KEY UPDATE OF t`, cs, ts); err != nil {
		return fmt.Errorf("challengestore: lock teams: %w", err)
	}
	_, err := tx.Exec(ctx, `WITH refs AS (SELECT DISTINCT * FROM unnest($1::uuid[], $2::uuid[]) AS r(challenge_id, team_id)),
		agg AS (
			SELECT r.challenge_id, r.team_id, CASE c.team_aggregate WHEN 'min' THEN min(p.value)
				WHEN 'max' THEN max(p.value) ELSE sum(p.value) END AS value, c.kind
			FROM refs r JOIN gamification.challenges c ON c.id = r.challenge_id
			LEFT JOIN gamification.challenge_participants p ON p.challenge_id = r.challenge_id AND p.team_id = r.team_id
			GROUP BY r.challenge_id, r.team_id, c.team_aggregate, c.kind)
		UPDATE gamification.challenge_teams t SET value = agg.value,
			score = CASE WHEN agg.kind = 'fastest_effort' THEN -agg.value ELSE agg.value END
		FROM agg WHERE t.challenge_id = agg.challenge_id AND t.team_id = agg.team_id`, cs, ts)
	if err != nil {
		return fmt.Errorf("challengestore: recompute teams: %w", err)
	}
	return nil
}
