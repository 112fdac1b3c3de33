package challengestore

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/storage"
)

// Entry is a participant on a challenge's leaderboard.
type Entry struct {
	UserID uuid.UUID
	TeamID *uuid.UUID
	Value  float64
	Score  float64
	// Name is the user's display name.
	Name string
}

// listed is the condition of a participant p being listed on a
// challenge's leaderboard and taking a rank there (u: their
// gamification.users row, LEFT JOINed): known and not opted out of
// leaderboards, as on the global boards (a user whose registration or
// profile has not reached the module is not listed: the opt-out may be on
// that event). Those not listed are left out of the entries, the cursor
// pages and the ranks of others; they see their own rank among the listed.
const listed = `coalesce(u.show_in_leaderboards, false)`

// listedOnly is the join that narrows participants p to the listed.
const listedOnly = ` LEFT JOIN gamification.users u ON u.user_id = p.user_id`

// BoardKey is a position on a leaderboard: its order is score
// descending, then user id descending.
type BoardKey struct {
	Score  float64
	UserID uuid.UUID
}

// BoardPage returns up to limit listed ranked participants of the
// challenge, best first, after key (nil: from the top). It walks the
// index (challenge_id, score DESC, user_id DESC).
func BoardPage(ctx context.Context, q storage.Querier, id uuid.UUID, after *BoardKey, limit int) ([]Entry, error) {
	args := []any{id, limit}
	cur := ""
	if after != nil {
		cur, args = ` AND (p.score, p.user_id) < ($3, $4)`, append(args, after.Score, after.UserID)
	}
	rows, err := q.Query(ctx, `SELECT p.user_id, p.team_id, p.value, p.score, coalesce(u.display_name, '')
		FROM gamification.challenge_participants p`+listedOnly+`
		WHERE p.challenge_id = $1 AND p.score IS NOT NULL AND `+listed+cur+`
		ORDER BY p.score DESC, p.user_id DESC LIMIT $2`, args...)
	if err != nil {
		return nil, fmt.Errorf("challengestore: board page: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Entry, error) {
		var e Entry
		return e, r.Scan(&e.UserID, &e.TeamID, &e.Value, &e.Score, &e.Name)
	})
	if err != nil {
		return nil, fmt.Errorf("challengestore: board page: %w", err)
	}
	return out, nil
}

// Ahead returns how many listed ranked participants of the challenge
// have a better score than key's (its rank is that plus one), and how
// many come before key in the leaderboard's order (better, or the same
// score and a greater user id). It counts by the index: its cost grows
// with the position, not the board's size.
func Ahead(ctx context.Context, q storage.Querier, id uuid.UUID, key BoardKey) (better, before int, err error) {
	err = q.QueryRow(ctx, `SELECT count(*) FILTER (WHERE p.score > $2), count(*) FILTER (WHERE p.score > $2 OR p.user_id > $3)
		FROM gamification.challenge_participants p`+listedOnly+`
		WHERE p.challenge_id = $1 AND p.score >= $2 AND `+listed, id, key.Score, key.UserID).
		Scan(&better, &before)
	if err != nil {
		return 0, 0, fmt.Errorf("challengestore: ahead: %w", err)
	}
	return better, before, nil
}

// TeamEntries returns the teams of the challenge with their values and
// scores, best first (teams without a value last, in their order).
func TeamEntries(ctx context.Context, q storage.Querier, id uuid.UUID) ([]Team, []*float64, error) {
	rows, err := q.Query(ctx, `SELECT team_id, position, name, group_id, members, value, score
		FROM gamification.challenge_teams WHERE challenge_id = $1 ORDER BY score DESC NULLS LAST, position`, id)
	if err != nil {
		return nil, nil, fmt.Errorf("challengestore: team entries: %w", err)
	}
	defer rows.Close()
	var teams []Team
	var scores []*float64
	for rows.Next() {
		var t Team
		var s *float64
		if err := rows.Scan(&t.ID, &t.Position, &t.Name, &t.GroupID, &t.Members, &t.Value, &s); err != nil {
			return nil, nil, fmt.Errorf("challengestore: team entries: %w", err)
		}
		teams, scores = append(teams, t), append(scores, s)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("challengestore: team entries: %w", err)
	}
	return teams, scores, nil
}

// Listed returns how many listed ranked participants the challenge has
// (the entries of its leaderboard). It counts them all: for boards
// smaller than the snapshots'.
func Listed(ctx context.Context, q storage.Querier, id uuid.UUID) (int, error) {
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM gamification.challenge_participants p`+listedOnly+`
		WHERE p.challenge_id = $1 AND p.score IS NOT NULL AND `+listed, id).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("challengestore: listed: %w", err)
	}
	return n, nil
}

// Standings returns the whole leaderboard's order of the challenge: its
// listed ranked participants' scores and ids, best first (the board's
// index, the users' by key).
func Standings(ctx context.Context, q storage.Querier, id uuid.UUID) ([]float64, [][16]byte, error) {
	rows, err := q.Query(ctx, `SELECT p.score, p.user_id FROM gamification.challenge_participants p`+listedOnly+`
		WHERE p.challenge_id = $1 AND p.score IS NOT NULL AND `+listed+` ORDER BY p.score DESC, p.user_id DESC`, id)
	if err != nil {
		return nil, nil, fmt.Errorf("challengestore: standings: %w", err)
	}
	defer rows.Close()
	var scores []float64
	var ids [][16]byte
	var s float64
	var u uuid.UUID
	for rows.Next() {
		if err := rows.Scan(&s, &u); err != nil {
			return nil, nil, fmt.Errorf("challengestore: standings: %w", err)
		}
		scores, ids = append(scores, s), append(ids, u)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("challengestore: standings: %w", err)
	}
	return scores, ids, nil
}
