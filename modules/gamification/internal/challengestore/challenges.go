// Package challengestore is the challenges' SQL (tables of migration
// gamification/00020): challenges, their groups and teams, participants
// and what each session contributed to each. It reads the module's read
// model of group memberships (gamification.group_members) and users
// (gamification.users).
package challengestore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/modules/gamification/internal/challenge"
	"github.com/athlos/athlos/storage"
)

// ErrNotFound is returned when a row does not exist.
var ErrNotFound = errors.New("challengestore: not found")

// Challenge is a stored challenge.
type Challenge struct {
	ID           uuid.UUID
	Title        string
	Description  string
	Kind         challenge.Kind
	Metric       challenge.Metric
	Effort       string
	Target       *float64
	Sport        string
	StartsAt     time.Time
	EndsAt       time.Time
	GroupID      *uuid.UUID
	TeamMode     challenge.TeamMode
	CreatedBy    uuid.UUID
	CreatedAt    time.Time
	Participants int
	Ranked       int
	Total        float64
	CompletedAt  *time.Time
	EndedAt      *time.Time
}

// Def is the challenge's definition as progress needs it.
func (c Challenge) Def() challenge.Def {
	return challenge.Def{Kind: c.Kind, Metric: c.Metric, Effort: c.Effort, Sport: c.Sport, StartsAt: c.StartsAt, EndsAt: c.EndsAt}
}

// Team is a team of a challenge.
type Team struct {
	ID       uuid.UUID
	Position int
	Name     string
	GroupID  *uuid.UUID
	Members  int
	Value    *float64
}

const challengeColumns = `c.id, c.title, c.description, c.kind, c.metric, c.effort, c.target, c.sport, c.starts_at, c.ends_at,
	c.group_id, c.team_mode, c.created_by, c.created_at, c.participants, c.ranked, c.total, c.completed_at, c.ended_at`

func scanChallenge(row pgx.Row, extra ...any) (Challenge, error) {
	var c Challenge
	dest := append([]any{&c.ID, &c.Title, &c.Description, &c.Kind, &c.Metric, &c.Effort, &c.Target, &c.Sport,
		&c.StartsAt, &c.EndsAt, &c.GroupID, &c.TeamMode, &c.CreatedBy, &c.CreatedAt, &c.Participants, &c.Ranked, &c.Total,
		&c.CompletedAt, &c.EndedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return c, ErrNotFound
		}
		return c, fmt.Errorf("challengestore: scan challenge: %w", err)
	}
	return c, nil
}

// Insert stores a new challenge with its teams and the groups it belongs
// to (who sees it).
func Insert(ctx context.Context, tx pgx.Tx, c Challenge, teams []Team, groups []uuid.UUID) error {
	_, err := tx.Exec(ctx, `INSERT INTO gamification.challenges (id, title, description, kind, metric, effort, aggregate,
		team_aggregate, target, sport, starts_at, ends_at, group_id, team_mode, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		c.ID, c.Title, c.Description, c.Kind, c.Metric, c.Effort, challenge.AggregateOf(c.Kind, c.Metric),
		challenge.TeamAggregate(c.Kind, c.Metric), c.Target, c.Sport, c.StartsAt, c.EndsAt, c.GroupID, c.TeamMode,
		c.CreatedBy, c.CreatedAt)
	if err != nil {
		return fmt.Errorf("challengestore: insert challenge: %w", err)
	}
	for _, t := range teams {
		if _, err := tx.Exec(ctx, `INSERT INTO gamification.challenge_teams (challenge_id, team_id, position, name, group_id)
			VALUES ($1, $2, $3, $4, $5)`, c.ID, t.ID, t.Position, t.Name, t.GroupID); err != nil {
			return fmt.Errorf("challengestore: insert team: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO gamification.challenge_groups (challenge_id, group_id)
		SELECT $1, g FROM unnest($2::uuid[]) AS g ON CONFLICT DO NOTHING`, c.ID, groups); err != nil {
		return fmt.Errorf("challengestore: insert challenge groups: %w", err)
	}
	return nil
}

// Get returns the challenge id; ErrNotFound if none.
func Get(ctx context.Context, q storage.Querier, id uuid.UUID) (Challenge, error) {
	return scanChallenge(q.QueryRow(ctx, `SELECT `+challengeColumns+` FROM gamification.challenges c WHERE c.id = $1`, id))
}

// Lock returns the challenge id locked for an update of its counters (join,
// leave); ErrNotFound if none.
func Lock(ctx context.Context, tx pgx.Tx, id uuid.UUID) (Challenge, error) {
	return scanChallenge(tx.QueryRow(ctx, `SELECT `+challengeColumns+` FROM gamification.challenges c WHERE c.id = $1 FOR UPDATE`, id))
}

// Teams returns the teams of the challenge id, in their order.
func Teams(ctx context.Context, q storage.Querier, id uuid.UUID) ([]Team, error) {
	rows, err := q.Query(ctx, `SELECT team_id, position, name, group_id, members, value
		FROM gamification.challenge_teams WHERE challenge_id = $1 ORDER BY position`, id)
	if err != nil {
		return nil, fmt.Errorf("challengestore: teams: %w", err)
	}
	teams, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Team, error) {
		var t Team
		return t, r.Scan(&t.ID, &t.Position, &t.Name, &t.GroupID, &t.Members, &t.Value)
	})
	if err != nil {
		return nil, fmt.Errorf("challengestore: teams: %w", err)
	}
	return teams, nil
}

// TeamsOf returns the teams of the challenges ids, in their order, by
// challenge.
func TeamsOf(ctx context.Context, q storage.Querier, ids []uuid.UUID) (map[uuid.UUID][]Team, error) {
	rows, err := q.Query(ctx, `SELECT challenge_id, team_id, position, name, group_id, members, value
		FROM gamification.challenge_teams WHERE challenge_id = ANY($1) ORDER BY challenge_id, position`, ids)
	if err != nil {
		return nil, fmt.Errorf("challengestore: teams: %w", err)
	}
	defer rows.Close()
	out := make(map[uuid.UUID][]Team)
	for rows.Next() {
		var c uuid.UUID
		var t Team
		if err := rows.Scan(&c, &t.ID, &t.Position, &t.Name, &t.GroupID, &t.Members, &t.Value); err != nil {
			return nil, fmt.Errorf("challengestore: teams: %w", err)
		}
		out[c] = append(out[c], t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("challengestore: teams: %w", err)
	}
	return out, nil
}

// GroupRole returns the user's role in the group (owner, admin or member)
// from the module's read model; ok is false when the user is not a member.
func GroupRole(ctx context.Context, q storage.Querier, group, user uuid.UUID) (role string, ok bool, err error) {
	err = q.QueryRow(ctx, `SELECT role FROM gamification.group_members WHERE group_id = $1 AND user_id = $2`, group, user).Scan(&role)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("challengestore: group role: %w", err)
	}
	return role, true, nil
}

// KnownGroups returns which of groups have members in the read model (a
// group without any is unknown, or gone).
func KnownGroups(ctx context.Context, q storage.Querier, groups []uuid.UUID) (map[uuid.UUID]bool, error) {
	return groupSet(ctx, q, `SELECT DISTINCT group_id FROM gamification.group_members WHERE group_id = ANY($1)`, groups)
}

// AdministerGroups returns which of groups the user owns or administers.
func AdministerGroups(ctx context.Context, q storage.Querier, user uuid.UUID, groups []uuid.UUID) (map[uuid.UUID]bool, error) {
	return groupSet(ctx, q, `SELECT group_id FROM gamification.group_members
		WHERE group_id = ANY($1) AND user_id = $2 AND role IN ('owner', 'admin')`, groups, user)
}

// MemberOf returns which of groups the user is a member of.
func MemberOf(ctx context.Context, q storage.Querier, user uuid.UUID, groups []uuid.UUID) (map[uuid.UUID]bool, error) {
	return groupSet(ctx, q, `SELECT group_id FROM gamification.group_members WHERE group_id = ANY($1) AND user_id = $2`, groups, user)
}

func groupSet(ctx context.Context, q storage.Querier, sql string, args ...any) (map[uuid.UUID]bool, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("challengestore: groups: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("challengestore: groups: %w", err)
	}
	set := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set, nil
}

// visibleTo is the condition that the challenge c is visible to the user
// $1: global, of a group the user is in, or joined.
const visibleTo = `(c.group_id IS NULL AND c.team_mode <> 'groups'
	OR EXISTS (SELECT 1 FROM gamification.challenge_groups cg JOIN gamification.group_members m
		ON m.group_id = cg.group_id AND m.user_id = $1 WHERE cg.challenge_id = c.id)
	OR EXISTS (SELECT 1 FROM gamification.challenge_participants p WHERE p.challenge_id = c.id AND p.user_id = $1))`

// Visible reports whether the challenge id exists and the user may see it.
func Visible(ctx context.Context, q storage.Querier, user, id uuid.UUID) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM gamification.challenges c WHERE c.id = $2 AND `+visibleTo+`)`,
		user, id).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("challengestore: visible: %w", err)
	}
	return ok, nil
}

// Filter is a list of challenges.
type Filter string

// Filters.
const (
	Active   Filter = "active"   // started, not ended nor completed; ending first
	Upcoming Filter = "upcoming" // not started; starting first
	Mine     Filter = "mine"     // joined, in any state; ending last first
	Ended    Filter = "ended"    // over (finalising, ended) or a goal reached; ending last first
)

// Cursor is the position after which a list page starts.
type Cursor struct {
	At time.Time
	ID uuid.UUID
}

// List returns up to limit challenges of filter the user sees, after
// cursor (nil: from the start), at now.
func List(ctx context.Context, q storage.Querier, user uuid.UUID, f Filter, now time.Time, after *Cursor, limit int) ([]Challenge, error) {
	var sql string
	args := []any{user, now, limit}
	cur := ""
	switch f {
	case Active:
		if after != nil {
			cur, args = ` AND (c.ends_at, c.id) > ($4, $5)`, append(args, after.At, after.ID)
		}
		sql = `SELECT ` + challengeColumns + `, c.ends_at FROM gamification.challenges c
			WHERE c.completed_at IS NULL AND c.ends_at > $2 AND c.starts_at <= $2 AND ` + visibleTo + cur + `
			ORDER BY c.ends_at, c.id LIMIT $3`
	case Upcoming:
		if after != nil {
			cur, args = ` AND (c.starts_at, c.id) > ($4, $5)`, append(args, after.At, after.ID)
		}
		sql = `SELECT ` + challengeColumns + `, c.starts_at FROM gamification.challenges c
			WHERE c.starts_at > $2 AND ` + visibleTo + cur + `
			ORDER BY c.starts_at, c.id LIMIT $3`
	case Ended:
		if after != nil {
			cur, args = ` AND (c.ends_at, c.id) < ($4, $5)`, append(args, after.At, after.ID)
		}
		sql = `SELECT ` + challengeColumns + `, c.ends_at FROM gamification.challenges c
			WHERE (c.completed_at IS NOT NULL OR c.ends_at <= $2) AND ` + visibleTo + cur + `
			ORDER BY c.ends_at DESC, c.id DESC LIMIT $3`
	default:
		if after != nil {
			cur, args = ` AND (c.ends_at, c.id) < ($4, $5)`, append(args, after.At, after.ID)
		}
		sql = `SELECT ` + challengeColumns + `, c.ends_at FROM gamification.challenge_participants p
			JOIN gamification.challenges c ON c.id = p.challenge_id
			WHERE p.user_id = $1 AND $2::timestamptz IS NOT NULL` + cur + `
			ORDER BY c.ends_at DESC, c.id DESC LIMIT $3`
	}
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("challengestore: list: %w", err)
	}
	defer rows.Close()
	var out []Challenge
	for rows.Next() {
		var at time.Time
		c, err := scanChallenge(rows, &at)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("challengestore: list: %w", err)
	}
	return out, nil
}

// ListKey is the time a challenge is ordered by in list f.
func ListKey(f Filter, c Challenge) time.Time {
	if f == Upcoming {
		return c.StartsAt
	}
	return c.EndsAt
}
