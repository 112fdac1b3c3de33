package challengeservice

import (
	"context"
	"errors"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/gamification/api"
	"github.com/athlos/athlos/modules/gamification/internal/activity"
	"github.com/athlos/athlos/modules/gamification/internal/challenge"
	"github.com/athlos/athlos/modules/gamification/internal/challengestore"
	"github.com/athlos/athlos/storage"
)

// Join makes user a participant of the challenge id from now on (sessions
// started before don't count), in team (a team challenge; "": see
// placeIn). Joining again changes nothing. Publishes
// evt.gamification.challenge.joined. Errors: not_found (no such challenge
// or not visible), forbidden (a group's challenge and user is not a
// member of the group, or of the chosen team's), invalid (body.team_id:
// not a team of it, or a choice is needed), conflict (over; already in
// another team).
func (s *Service) Join(ctx context.Context, user, id uuid.UUID, team string) (api.Challenge, error) {
	var out api.Challenge
	err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		out, err = s.JoinIn(ctx, tx, user, id, team)
		return err
	})
	return out, err
}

// JoinIn is Join's work in tx (a test orders it against other
// transactions). It takes the user's locks first, in the session
// applier's order: the module's (shared, activity.LockLive; an erasure of
// the account committed first is seen, and one that comes later finds
// the participation to take back), then the challenges' (as Leave does):
// a batch of the user's sessions applied at the same time either commits
// first (its sessions were in before the join: the join's time comes
// after) or waits and finds the participation, so a session that started
// after the join's time counts.
func (s *Service) JoinIn(ctx context.Context, tx pgx.Tx, user, id uuid.UUID, team string) (api.Challenge, error) {
	live, err := activity.LockLive(ctx, tx, []uuid.UUID{user})
	if err != nil {
		return api.Challenge{}, err
	}
	if len(live) == 0 {
		return api.Challenge{}, bus.Errorf(bus.CodeUnauthorized, "the account was deleted")
	}
	if err := challengestore.LockUsers(ctx, tx, []uuid.UUID{user}); err != nil {
		return api.Challenge{}, err
	}
	if _, err := s.visible(ctx, tx, user, id); err != nil {
		return api.Challenge{}, err
	}
	c, err := challengestore.Lock(ctx, tx, id)
	if err != nil {
		return api.Challenge{}, err
	}
	now := s.now().UTC()
	if over(c, now) {
		return api.Challenge{}, errEnded
	}
	teams, err := challengestore.Teams(ctx, tx, id)
	if err != nil {
		return api.Challenge{}, err
	}
	p, err := challengestore.GetParticipant(ctx, tx, id, user)
	switch {
	case err == nil:
		if team != "" && (p.TeamID == nil || p.TeamID.String() != team) {
			return api.Challenge{}, bus.Errorf(bus.CodeConflict, "you are in another team of this challenge: leave it first")
		}
		return view(c, teams, &p, now), nil
	case !errors.Is(err, challengestore.ErrNotFound):
		return api.Challenge{}, err
	}
	teamID, err := placeIn(ctx, tx, user, c, teams, team)
	if err != nil {
		return api.Challenge{}, err
	}
	p = challengestore.Participant{ChallengeID: id, UserID: user, TeamID: teamID, JoinedAt: now}
	if err := challengestore.Join(ctx, tx, p); err != nil {
		return api.Challenge{}, err
	}
	if _, err := bus.Enqueue(ctx, tx, api.Module, api.EventChallengeJoined, member(c, p)); err != nil {
		return api.Challenge{}, err
	}
	c.Participants++
	for i := range teams {
		if teamID != nil && teams[i].ID == *teamID {
			teams[i].Members++
		}
	}
	return view(c, teams, &p, now), nil
}

// placeIn checks that user may take part in c and returns the user's team
// (nil: no teams). A group's challenge takes its members; a
// group-vs-group challenge takes members of its groups, in their group
// (chosen when they are in several); teams inside a group take the
// chosen one or, without a choice, the one with the fewest members (ties:
// the first named; challenge.AssignTeam).
func placeIn(ctx context.Context, tx pgx.Tx, user uuid.UUID, c challengestore.Challenge, teams []challengestore.Team, team string) (*uuid.UUID, error) {
	var chosen *challengestore.Team
	if team != "" {
		id, err := bus.ParseID("body.team_id", team)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(teams, func(t challengestore.Team) bool { return t.ID == id })
		if i < 0 {
			return nil, bus.Invalid("body.team_id", "is not a team of this challenge")
		}
		chosen = &teams[i]
	}
	switch c.TeamMode {
	case challenge.GroupTeams:
		return placeInGroupTeam(ctx, tx, user, teams, chosen)
	case challenge.InGroupTeams:
		if err := requireMember(ctx, tx, user, *c.GroupID); err != nil {
			return nil, err
		}
		if chosen == nil {
			loads := make([]challenge.TeamLoad, len(teams))
			for i, t := range teams {
				loads[i] = challenge.TeamLoad{Position: t.Position, Members: t.Members}
			}
			chosen = &teams[challenge.AssignTeam(loads)]
		}
		return &chosen.ID, nil
	}
	if team != "" {
		return nil, bus.Invalid("body.team_id", "is not a team of this challenge: it has no teams")
	}
	if c.GroupID != nil {
		return nil, requireMember(ctx, tx, user, *c.GroupID)
	}
	return nil, nil
}

func placeInGroupTeam(ctx context.Context, tx pgx.Tx, user uuid.UUID, teams []challengestore.Team, chosen *challengestore.Team) (*uuid.UUID, error) {
	groups := make([]uuid.UUID, len(teams))
	for i, t := range teams {
		groups[i] = *t.GroupID
	}
	mine, err := challengestore.MemberOf(ctx, tx, user, groups)
	if err != nil {
		return nil, err
	}
	switch {
	case chosen != nil && !mine[chosen.ID]:
		return nil, bus.Errorf(bus.CodeForbidden, "you are not a member of that team's group")
	case chosen != nil:
		return &chosen.ID, nil
	case len(mine) == 0:
		return nil, bus.Errorf(bus.CodeForbidden, "only members of the challenge's groups take part")
	case len(mine) > 1:
		return nil, bus.Invalid("body.team_id", "you are a member of several of the challenge's groups: choose one")
	}
	for g := range mine {
		return &g, nil
	}
	return nil, nil
}

func requireMember(ctx context.Context, tx pgx.Tx, user, group uuid.UUID) error {
	_, ok, err := challengestore.GroupRole(ctx, tx, group, user)
	if err != nil {
		return err
	}
	if !ok {
		return bus.Errorf(bus.CodeForbidden, "only the group's members take part in its challenges")
	}
	return nil
}

// Leave takes user out of the challenge id, with everything the user's
// sessions contributed to it (a rejoin starts again from then). Publishes
// evt.gamification.challenge.left. Errors: not_found (no such challenge,
// or user has not joined it), conflict (it is over: results are final).
func (s *Service) Leave(ctx context.Context, user, id uuid.UUID) error {
	return storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := challengestore.LockUsers(ctx, tx, []uuid.UUID{user}); err != nil {
			return err
		}
		c, err := challengestore.Lock(ctx, tx, id) // before the participant: the lock order
		if errors.Is(err, challengestore.ErrNotFound) {
			return errNotJoined
		}
		if err != nil {
			return err
		}
		p, err := challengestore.LockParticipant(ctx, tx, id, user)
		if errors.Is(err, challengestore.ErrNotFound) {
			return errNotJoined
		}
		if err != nil {
			return err
		}
		now := s.now().UTC()
		if over(c, now) {
			return errEnded
		}
		if err := challengestore.Leave(ctx, tx, p); err != nil {
			return err
		}
		m := member(c, p)
		m.At = now
		_, err = bus.Enqueue(ctx, tx, api.Module, api.EventChallengeLeft, m)
		return err
	})
}

var errNotJoined = bus.Errorf(bus.CodeNotFound, "no such challenge, or you have not joined it")

func member(c challengestore.Challenge, p challengestore.Participant) api.ChallengeMember {
	m := api.ChallengeMember{ChallengeID: c.ID.String(), UserID: p.UserID.String(), At: p.JoinedAt}
	if c.GroupID != nil {
		m.GroupID = c.GroupID.String()
	}
	if p.TeamID != nil {
		m.TeamID = p.TeamID.String()
	}
	return m
}
