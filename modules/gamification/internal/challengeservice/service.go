// Package challengeservice has the challenges' use cases: create, list,
// read, join and leave challenges, their leaderboards (service.go,
// board.go); progress from session changes, inside the module's consumer
// transaction (apply.go); and the end of challenges (end.go).
package challengeservice

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/kit/page"
	"github.com/athlos/athlos/modules/gamification/api"
	"github.com/athlos/athlos/modules/gamification/internal/challenge"
	"github.com/athlos/athlos/modules/gamification/internal/challengestore"
	"github.com/athlos/athlos/storage"
)

// Service runs the challenges' use cases.
type Service struct {
	pool *pgxpool.Pool
	log  *slog.Logger
	keys *bus.Idempotency
	now  func() time.Time
	// zones caches time zones by name (*time.Location).
	zones sync.Map
	// snaps keeps the large leaderboards' standings (standings.go).
	snaps snapshots
}

// New returns the service on the module's pool, with its idempotency
// keys; now is the clock (nil: time.Now).
func New(pool *pgxpool.Pool, log *slog.Logger, keys *bus.Idempotency, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{pool: pool, log: log, keys: keys, now: now}
}

var (
	errNoChallenge = bus.Errorf(bus.CodeNotFound, "no such challenge")
	errEnded       = bus.Errorf(bus.CodeConflict, "the challenge is over")
)

// Group roles that administer a group (the read model's roles).
const (
	roleOwner = "owner"
	roleAdmin = "admin"
)

// Create makes a challenge: a global one by a platform admin
// (platformAdmin), a group's by its owner or admins (or a platform admin).
// With an idempotency key, a retry gets the first answer (bus.Once).
// Errors: invalid (the field under body.: the spec's rules, a group that
// is unknown), forbidden (a global challenge by a non-admin; a group's by
// someone who does not administer it).
func (s *Service) Create(ctx context.Context, user uuid.UUID, platformAdmin bool, in challenge.Spec) (api.Challenge, error) {
	now := s.now().UTC()
	spec, err := in.Validate(now)
	if err != nil {
		return api.Challenge{}, bus.FieldInvalid("body.", err)
	}
	var group *uuid.UUID
	if spec.GroupID != "" {
		g, err := bus.ParseID("body.group_id", spec.GroupID)
		if err != nil {
			return api.Challenge{}, err
		}
		group = &g
	}
	teamGroups := make([]uuid.UUID, len(spec.TeamGroups))
	for i, g := range spec.TeamGroups {
		if teamGroups[i], err = bus.ParseID("body.team_groups["+strconv.Itoa(i)+"]", g); err != nil {
			return api.Challenge{}, err
		}
	}
	return bus.Once(ctx, s.pool, s.keys, func(tx pgx.Tx) (api.Challenge, error) {
		if err := mayCreate(ctx, tx, user, platformAdmin, group); err != nil {
			return api.Challenge{}, err
		}
		groups, err := knownGroups(ctx, tx, group, teamGroups)
		if err != nil {
			return api.Challenge{}, err
		}
		if err := mayEnlist(ctx, tx, user, platformAdmin, teamGroups); err != nil {
			return api.Challenge{}, err
		}
		id, err := uuid.NewV7()
		if err != nil {
			return api.Challenge{}, err
		}
		c := challengestore.Challenge{ID: id, Title: spec.Title, Description: spec.Description, Kind: spec.Kind,
			Metric: spec.Metric, Effort: spec.Effort, Target: spec.Target, Sport: spec.Sport,
			StartsAt: spec.StartsAt.UTC().Truncate(time.Microsecond), EndsAt: spec.EndsAt.UTC().Truncate(time.Microsecond),
			GroupID: group, TeamMode: spec.TeamMode, CreatedBy: user, CreatedAt: now.Truncate(time.Microsecond)}
		teams, err := newTeams(spec, teamGroups)
		if err != nil {
			return api.Challenge{}, err
		}
		if err := challengestore.Insert(ctx, tx, c, teams, groups); err != nil {
			return api.Challenge{}, err
		}
		return view(c, teams, nil, now), nil
	})
}

func mayCreate(ctx context.Context, tx pgx.Tx, user uuid.UUID, platformAdmin bool, group *uuid.UUID) error {
	if platformAdmin {
		return nil
	}
	if group == nil {
		return bus.Errorf(bus.CodeForbidden, "only platform admins create global challenges; a group's owner and admins create its challenges (group_id)")
	}
	role, ok, err := challengestore.GroupRole(ctx, tx, *group, user)
	if err != nil {
		return err
	}
	if !ok || (role != roleOwner && role != roleAdmin) {
		return bus.Errorf(bus.CodeForbidden, "only the group's owner and admins create its challenges")
	}
	return nil
}

// mayEnlist checks that the caller owns or administers every group a
// group-vs-group challenge puts in as a team, unless a platform admin:
// a group's admin cannot enlist groups they do not run.
func mayEnlist(ctx context.Context, tx pgx.Tx, user uuid.UUID, platformAdmin bool, teamGroups []uuid.UUID) error {
	if platformAdmin || len(teamGroups) == 0 {
		return nil
	}
	runs, err := challengestore.AdministerGroups(ctx, tx, user, teamGroups)
	if err != nil {
		return err
	}
	for i, g := range teamGroups {
		if !runs[g] {
			return bus.Errorf(bus.CodeForbidden, "body.team_groups[%d]: only an owner or admin of every team's group (or a platform admin) puts it in a challenge", i)
		}
	}
	return nil
}

// knownGroups checks that the challenge's group and team groups exist
// (have members) and returns the groups the challenge belongs to.
func knownGroups(ctx context.Context, tx pgx.Tx, group *uuid.UUID, teamGroups []uuid.UUID) ([]uuid.UUID, error) {
	all := teamGroups
	if group != nil {
		all = append([]uuid.UUID{*group}, teamGroups...)
	}
	known, err := challengestore.KnownGroups(ctx, tx, all)
	if err != nil {
		return nil, err
	}
	if group != nil && !known[*group] {
		return nil, bus.Invalid("body.group_id", "is not a group")
	}
	for i, g := range teamGroups {
		if !known[g] {
			return nil, bus.Invalid("body.team_groups["+strconv.Itoa(i)+"]", "is not a group")
		}
	}
	return all, nil
}

func newTeams(spec challenge.Spec, groups []uuid.UUID) ([]challengestore.Team, error) {
	var teams []challengestore.Team
	for i, g := range groups {
		t := challengestore.Team{ID: g, Position: i, GroupID: &g}
		if len(spec.TeamNames) > 0 {
			t.Name = spec.TeamNames[i]
		}
		teams = append(teams, t)
	}
	if len(groups) > 0 {
		return teams, nil
	}
	for i, name := range spec.TeamNames {
		id, err := uuid.NewV7()
		if err != nil {
			return nil, err
		}
		teams = append(teams, challengestore.Team{ID: id, Position: i, Name: name})
	}
	return teams, nil
}

// Get returns the challenge id as user sees it. Errors: not_found (no
// such challenge, or one of a group the user is not in).
func (s *Service) Get(ctx context.Context, user, id uuid.UUID) (api.Challenge, error) {
	c, err := s.visible(ctx, s.pool, user, id)
	if err != nil {
		return api.Challenge{}, err
	}
	return s.viewFor(ctx, s.pool, user, c)
}

func (s *Service) visible(ctx context.Context, q storage.Querier, user, id uuid.UUID) (challengestore.Challenge, error) {
	ok, err := challengestore.Visible(ctx, q, user, id)
	if err != nil {
		return challengestore.Challenge{}, err
	}
	if !ok {
		return challengestore.Challenge{}, errNoChallenge
	}
	return challengestore.Get(ctx, q, id)
}

func (s *Service) viewFor(ctx context.Context, q storage.Querier, user uuid.UUID, c challengestore.Challenge) (api.Challenge, error) {
	teams, err := challengestore.Teams(ctx, q, c.ID)
	if err != nil {
		return api.Challenge{}, err
	}
	p, err := challengestore.GetParticipant(ctx, q, c.ID, user)
	switch {
	case errors.Is(err, challengestore.ErrNotFound):
		return view(c, teams, nil, s.now()), nil
	case err != nil:
		return api.Challenge{}, err
	}
	return view(c, teams, &p, s.now()), nil
}

// List returns a page of the challenges user sees: active (started, not
// over; ending first), upcoming (starting first), mine (joined, in any
// state; the latest end first) or ended (over, finalising included, or a
// group goal reached; the latest end first). Errors: invalid (query.filter,
// query.limit, query.cursor).
func (s *Service) List(ctx context.Context, user uuid.UUID, filter string, limit int, cursor string) (api.ChallengeList, error) {
	f := challengestore.Filter(filter)
	switch f {
	case "":
		f = challengestore.Active
	case challengestore.Active, challengestore.Upcoming, challengestore.Mine, challengestore.Ended:
	default:
		return api.ChallengeList{}, bus.Invalid("query.filter", "must be active, upcoming, mine or ended")
	}
	size, err := page.Size(limit)
	if err != nil {
		return api.ChallengeList{}, bus.FieldInvalid("query.", err)
	}
	var after *challengestore.Cursor
	if cursor != "" {
		at, id, err := challenge.ParseTimeCursor(cursor)
		if err != nil {
			return api.ChallengeList{}, bus.FieldInvalid("query.", err)
		}
		after = &challengestore.Cursor{At: at, ID: id}
	}
	cs, err := challengestore.List(ctx, s.pool, user, f, s.now(), after, size+1)
	if err != nil {
		return api.ChallengeList{}, err
	}
	out := api.ChallengeList{Items: make([]api.Challenge, 0, len(cs))}
	if len(cs) > size {
		cs = cs[:size]
		last := cs[size-1]
		next := challenge.TimeCursor(challengestore.ListKey(f, last), last.ID)
		out.NextCursor = &next
	}
	ids := make([]uuid.UUID, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	teams, err := challengestore.TeamsOf(ctx, s.pool, ids)
	if err != nil {
		return api.ChallengeList{}, err
	}
	mine, err := challengestore.ParticipationsIn(ctx, s.pool, user, ids)
	if err != nil {
		return api.ChallengeList{}, err
	}
	now := s.now()
	for _, c := range cs {
		var you *challengestore.Participant
		if p, ok := mine[c.ID]; ok {
			you = &p
		}
		out.Items = append(out.Items, view(c, teams[c.ID], you, now))
	}
	return out, nil
}

func view(c challengestore.Challenge, teams []challengestore.Team, you *challengestore.Participant, now time.Time) api.Challenge {
	v := api.Challenge{ID: c.ID.String(), Title: c.Title, Description: c.Description, Kind: string(c.Kind),
		Metric: string(c.Metric), Effort: c.Effort, Unit: challenge.Unit(c.Kind, c.Metric),
		LowerIsBetter: challenge.LowerIsBetter(c.Kind), Target: c.Target, Sport: c.Sport, StartsAt: c.StartsAt,
		EndsAt: c.EndsAt, TeamMode: string(c.TeamMode), Participants: c.Participants, CompletedAt: c.CompletedAt,
		CreatedBy: c.CreatedBy.String(), CreatedAt: c.CreatedAt, Teams: make([]api.ChallengeTeam, 0, len(teams))}
	var completed, finalised time.Time
	if c.CompletedAt != nil {
		completed = *c.CompletedAt
	}
	if c.EndedAt != nil {
		finalised = *c.EndedAt
	}
	v.State = string(challenge.StateAt(now, c.StartsAt, c.EndsAt, completed, finalised))
	if c.GroupID != nil {
		v.GroupID = c.GroupID.String()
	}
	if c.Kind == challenge.GroupGoal {
		total := c.Total
		v.Total = &total
	}
	for _, t := range teams {
		at := api.ChallengeTeam{ID: t.ID.String(), Name: t.Name, Members: t.Members, Value: t.Value}
		if t.GroupID != nil {
			at.GroupID = t.GroupID.String()
		}
		v.Teams = append(v.Teams, at)
	}
	if you != nil {
		v.You = &api.ChallengeParticipation{JoinedAt: you.JoinedAt, Value: you.Value, CompletedAt: you.CompletedAt}
		if you.TeamID != nil {
			v.You.TeamID = you.TeamID.String()
		}
	}
	return v
}

func over(c challengestore.Challenge, now time.Time) bool {
	return c.CompletedAt != nil || c.EndedAt != nil || !now.Before(c.EndsAt)
}
