package service

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/internal/kit/sport"
	"github.com/athlos/athlos/modules/training/internal/session"
	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/storage"
)

// Group co-membership. A session of visibility "followers" may be seen
// (GetSession, ListSessions of its owner, its route and GPX) and watched live by members of any
// group its owner is in, as by the owner's followers; strangers may not.
// The module keeps who is in which group from the social module's member
// events (ApplyMembership, CloseGroup). Watching stays per watcher and
// per session (POST /v1/sessions/{id}/watch): a session's start grants
// nothing to anyone, so it never reconnects a club's members; a watcher
// who no longer shares a group with the owner loses the grant at once.

// Membership is one fact of the social module's member events: user is
// (or is no longer) a member of group, as of the event's seq.
type Membership struct {
	Group, User uuid.UUID
	Member      bool
	Seq         int64
}

// ApplyMembership keeps a membership fact in the consumer's transaction
// tx; an older fact than the one kept (seq) changes nothing. A member who
// left loses the grants of sessions it watched as a co-member, and its
// sessions' co-member watchers lose theirs (their connections are closed
// once to renew the grants).
func (s *Service) ApplyMembership(ctx context.Context, tx pgx.Tx, m Membership) error {
	changed, err := store.SaveGroupMember(ctx, tx, m.Group, m.User, m.Member, m.Seq)
	if err != nil || !changed || m.Member {
		return err
	}
	return dropGroupWatchers(ctx, tx, []uuid.UUID{m.User})
}

// CloseGroup forgets a closed group's members in the consumer's
// transaction tx (for good: a late event of it changes nothing), and
// takes the grants that rested on it.
func (s *Service) CloseGroup(ctx context.Context, tx pgx.Tx, group uuid.UUID, seq int64) error {
	members, err := store.CloseGroup(ctx, tx, group, seq)
	if err != nil || len(members) == 0 {
		return err
	}
	return dropGroupWatchers(ctx, tx, members)
}

func dropGroupWatchers(ctx context.Context, tx pgx.Tx, users []uuid.UUID) error {
	gone, err := store.RemoveGroupWatchers(ctx, tx, users)
	if err != nil || len(gone) == 0 {
		return err
	}
	return grantsChanged(ctx, tx, gone)
}

// visibleSession reads a session user may see: its own, a public one, or
// a followers one of someone user follows or shares a group with (none of
// an owner who blocked user); owner says whether
// it is user's. Errors: not_found (any other session, or an unknown one).
func (s *Service) visibleSession(ctx context.Context, user, id uuid.UUID) (row store.SessionRow, owner bool, err error) {
	row, err = store.SessionAny(ctx, s.pool, id)
	if errors.Is(err, store.ErrNotFound) {
		return row, false, errNoSession
	}
	if err != nil {
		return row, false, err
	}
	if row.UserID == user {
		return row, true, nil
	}
	ok, err := s.mayFollow(ctx, s.pool, user, row.UserID, row.Visibility)
	if err != nil {
		return row, false, err
	}
	if !ok || row.State == session.Discarded {
		return store.SessionRow{}, false, errNoSession
	}
	return row, false, nil
}

// visibleOf is the visibility levels of owner's sessions user may see
// (public; followers too when user follows the owner or they share a
// group; none when the owner blocked user).
func (s *Service) visibleOf(ctx context.Context, user, owner uuid.UUID) ([]string, error) {
	v, err := store.ViewerOf(ctx, s.pool, user, owner)
	switch {
	case err != nil:
		return nil, err
	case v.Blocked:
		return []string{}, nil
	case v.Follower || v.CoMember:
		return []string{sport.Public, sport.Followers}, nil
	}
	return []string{sport.Public}, nil
}

// mayFollow reports whether user may see another's session of visibility:
// public, or followers when user follows the owner or the two share a
// group; none when the owner blocked user (follows.go).
func (s *Service) mayFollow(ctx context.Context, q storage.Querier, user, owner uuid.UUID, visibility string) (bool, error) {
	if visibility != sport.Public && visibility != sport.Followers {
		return false, nil
	}
	v, err := store.ViewerOf(ctx, q, user, owner)
	if err != nil || v.Blocked {
		return false, err
	}
	return visibility == sport.Public || v.Follower || v.CoMember, nil
}
