package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/modules/social/internal/group"
)

// ErrNotFound is returned when a row does not exist.
var ErrNotFound = errors.New("store: not found")

// Group is a stored group.
type Group struct {
	ID          uuid.UUID
	OwnerID     uuid.UUID
	Facts       group.Facts
	MemberCount int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Seen is a group with a user's relation to it (and, in a near search,
// its distance).
type Seen struct {
	Group
	Relation  group.Role
	DistanceM *float64
}

const groupColumns = `g.id, g.owner_id, g.name, g.description, g.sports, g.goals,
	ST_Y(g.place::geometry), ST_X(g.place::geometry), g.radius_m, g.visibility, g.member_limit, g.member_count,
	g.created_at, g.updated_at`

// relationColumn is the caller's ($1) relation to g, for groupColumns'
// queries that join relationJoins.
const relationColumn = `CASE WHEN m.role IS NOT NULL THEN m.role WHEN b.user_id IS NOT NULL THEN 'banned'
	WHEN r.user_id IS NOT NULL THEN 'requester' ELSE 'stranger' END`

const relationJoins = `LEFT JOIN social.members m ON m.group_id = g.id AND m.user_id = $1
	LEFT JOIN social.bans b ON b.group_id = g.id AND b.user_id = $1
	LEFT JOIN social.join_requests r ON r.group_id = g.id AND r.user_id = $1`

func scanGroup(row pgx.Row, extra ...any) (Group, error) {
	var g Group
	var lat, lon *float64
	var radius *int
	dest := append([]any{&g.ID, &g.OwnerID, &g.Facts.Name, &g.Facts.Description, &g.Facts.Sports, &g.Facts.Goals,
		&lat, &lon, &radius, &g.Facts.Visibility, &g.Facts.MemberLimit, &g.MemberCount, &g.CreatedAt, &g.UpdatedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return g, ErrNotFound
		}
		return g, fmt.Errorf("store: read group: %w", err)
	}
	if lat != nil && lon != nil && radius != nil {
		g.Facts.Place = &group.Place{Lat: *lat, Lon: *lon, RadiusM: *radius}
	}
	return g, nil
}

// placeArgs are a place's point (longitude, latitude) and radius, all nil
// without one.
func placeArgs(p *group.Place) (lon, lat *float64, radius *int) {
	if p == nil {
		return nil, nil, nil
	}
	return &p.Lon, &p.Lat, &p.RadiusM
}

// pointSQL makes a geography point of the longitude $n and latitude $n+1
// (NULL when they are).
func pointSQL(n int) string {
	return fmt.Sprintf(`ST_SetSRID(ST_MakePoint($%d::float8, $%d::float8), 4326)::geography`, n, n+1)
}

// InsertGroup stores a new group of owner, with no members yet.
func InsertGroup(ctx context.Context, tx pgx.Tx, id, owner uuid.UUID, f group.Facts) error {
	lon, lat, radius := placeArgs(f.Place)
	_, err := tx.Exec(ctx, `INSERT INTO social.groups (id, owner_id, name, description, sports, goals, place, radius_m,
		visibility, member_limit) VALUES ($1, $2, $3, $4, $5, $6, `+pointSQL(7)+`, $9, $10, $11)`,
		id, owner, f.Name, f.Description, f.Sports, f.Goals, lon, lat, radius, f.Visibility, f.MemberLimit)
	if err != nil {
		return fmt.Errorf("store: insert group: %w", err)
	}
	return nil
}

// LockOwner serialises the groups user creates in tx (so the per-user
// limit holds under concurrent requests).
func LockOwner(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('social.groups:' || $1::text, 0))`, user); err != nil {
		return fmt.Errorf("store: lock owner: %w", err)
	}
	return nil
}

// CountOwned counts the groups user owns.
func CountOwned(ctx context.Context, q Querier, user uuid.UUID) (int, error) {
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM social.groups WHERE owner_id = $1`, user).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count owned groups: %w", err)
	}
	return n, nil
}

// UpdateGroup replaces a group's facts.
func UpdateGroup(ctx context.Context, tx pgx.Tx, id uuid.UUID, f group.Facts) error {
	lon, lat, radius := placeArgs(f.Place)
	_, err := tx.Exec(ctx, `UPDATE social.groups SET name = $2, description = $3, sports = $4, goals = $5,
		place = `+pointSQL(6)+`, radius_m = $8, visibility = $9, member_limit = $10, updated_at = now() WHERE id = $1`,
		id, f.Name, f.Description, f.Sports, f.Goals, lon, lat, radius, f.Visibility, f.MemberLimit)
	if err != nil {
		return fmt.Errorf("store: update group: %w", err)
	}
	return nil
}

// LockGroup reads a group and locks it for tx: every change of its
// members runs under this lock, so counts and limits hold. ErrNotFound
// when there is none.
func LockGroup(ctx context.Context, tx pgx.Tx, id uuid.UUID) (Group, error) {
	return scanGroup(tx.QueryRow(ctx, `SELECT `+groupColumns+` FROM social.groups g WHERE g.id = $1 FOR UPDATE`, id))
}

// GroupFor reads a group with user's relation to it. ErrNotFound when
// there is none.
func GroupFor(ctx context.Context, q Querier, user, id uuid.UUID) (Seen, error) {
	var s Seen
	var rel string
	g, err := scanGroup(q.QueryRow(ctx, `SELECT `+groupColumns+`, `+relationColumn+` FROM social.groups g `+relationJoins+`
		WHERE g.id = $2`, user, id), &rel)
	s.Group, s.Relation = g, group.Role(rel)
	return s, err
}

// Relation is user's relation to a group (group.Stranger when none,
// also for an unknown group).
func Relation(ctx context.Context, q Querier, id, user uuid.UUID) (group.Role, error) {
	var rel string
	err := q.QueryRow(ctx, `SELECT CASE
		WHEN EXISTS (SELECT 1 FROM social.bans WHERE group_id = $1 AND user_id = $2) THEN 'banned'
		WHEN EXISTS (SELECT 1 FROM social.join_requests WHERE group_id = $1 AND user_id = $2) THEN 'requester'
		ELSE coalesce((SELECT role FROM social.members WHERE group_id = $1 AND user_id = $2), 'stranger') END`, id, user).Scan(&rel)
	if err != nil {
		return "", fmt.Errorf("store: relation: %w", err)
	}
	return group.Role(rel), nil
}

// DeleteGroup removes a group with its members, bans, requests and
// invitations.
func DeleteGroup(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	if _, err := tx.Exec(ctx, `DELETE FROM social.groups WHERE id = $1`, id); err != nil {
		return fmt.Errorf("store: delete group: %w", err)
	}
	return nil
}

// SetOwner records a group's new owner.
func SetOwner(ctx context.Context, tx pgx.Tx, id, owner uuid.UUID) error {
	if _, err := tx.Exec(ctx, `UPDATE social.groups SET owner_id = $2, updated_at = now() WHERE id = $1`, id, owner); err != nil {
		return fmt.Errorf("store: set owner: %w", err)
	}
	return nil
}

// Search runs a checked query for user: the groups, with user's relation
// to each, limit of them (read one more to know there is a next page).
func Search(ctx context.Context, q Querier, user uuid.UUID, qu group.Query, limit int) ([]Seen, error) {
	args := []any{user}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var where []string
	if qu.Sport != "" {
		where = append(where, `g.sports @> ARRAY[`+arg(qu.Sport)+`::text]`)
	}
	if qu.Goal != "" {
		where = append(where, `g.goals @> ARRAY[`+arg(qu.Goal)+`::text]`)
	}
	if qu.Text != "" {
		where = append(where, `(g.name || ' ' || g.description) ILIKE `+arg("%"+escapeLike(qu.Text)+"%"))
	}
	if qu.Mine {
		where = append(where, `m.role IS NOT NULL`)
	}
	distance, order := "NULL::float8", "g.id DESC"
	if qu.Near != nil {
		lon, lat := arg(qu.Near.Lon), arg(qu.Near.Lat)
		pt := `ST_SetSRID(ST_MakePoint(` + lon + `::float8, ` + lat + `::float8), 4326)::geography`
		distance = `(g.place <-> ` + pt + `)`
		order = distance + `, g.id`
		where = append(where, `ST_DWithin(g.place, `+pt+`, `+arg(float64(qu.Near.RadiusM))+`, false)`)
		if qu.After != nil {
			where = append(where, `(`+distance+`, g.id) > (`+arg(qu.After.DistanceM)+`::float8, `+arg(uuid.UUID(qu.After.ID))+`::uuid)`)
		}
	} else if qu.After != nil {
		where = append(where, `g.id < `+arg(uuid.UUID(qu.After.ID)))
	}
	sql := `SELECT ` + groupColumns + `, ` + relationColumn + `, ` + distance + ` FROM social.groups g ` + relationJoins
	if len(where) > 0 {
		sql += ` WHERE ` + strings.Join(where, ` AND `)
	}
	sql += ` ORDER BY ` + order + ` LIMIT ` + arg(limit)
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("store: search groups: %w", err)
	}
	defer rows.Close()
	var out []Seen
	for rows.Next() {
		var s Seen
		var rel string
		if s.Group, err = scanGroup(rows, &rel, &s.DistanceM); err != nil {
			return nil, err
		}
		s.Relation = group.Role(rel)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: search groups: %w", err)
	}
	return out, nil
}

// escapeLike makes s match itself in a LIKE pattern.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// NextSeq is the next number of the membership events' order.
func NextSeq(ctx context.Context, tx pgx.Tx) (int64, error) {
	var n int64
	if err := tx.QueryRow(ctx, `SELECT nextval('social.membership_seq')`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: membership seq: %w", err)
	}
	return n, nil
}
