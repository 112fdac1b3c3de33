package service

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/social/api"
	"github.com/athlos/athlos/modules/social/internal/group"
	"github.com/athlos/athlos/modules/social/internal/store"
	"github.com/athlos/athlos/storage"
)

// Follows. A user follows another at once, or, when the other approves
// followers (its social settings: a private profile), by a request the
// other approves or rejects. Who follows whom goes out as events (with
// seq, social.follow_seq) so training lets followers see and watch
// "followers" sessions. Every follow and block change takes the two users'
// locks (store.LockUsers), so a follow can't slip in past a block.

var (
	errNoUser      = bus.Errorf(bus.CodeNotFound, "no such user")
	errSelf        = bus.Invalid("path.id", "is you: you can't follow or block yourself")
	errBlockedByMe = bus.Errorf(bus.CodeConflict, "you blocked this user: unblock them first")
	errBlockedMe   = bus.Errorf(bus.CodeForbidden, "this user blocked you")
)

// Follow makes user follow target: at once (follow.created), or by a
// request when target approves followers (follow.requested). Following
// again, or asking again, changes nothing. Errors: invalid (path.id is
// the caller), not_found (no such user), conflict (user blocked target),
// forbidden (target blocked user), unauthorized (the account was
// deleted).
func (s *Service) Follow(ctx context.Context, user, target uuid.UUID) (api.FollowResult, error) {
	if user == target {
		return api.FollowResult{}, errSelf
	}
	out := api.FollowResult{UserID: target.String()}
	err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := s.pairChecks(ctx, tx, user, target); err != nil {
			return err
		}
		state, err := store.FollowState(ctx, tx, user, target)
		if err != nil {
			return err
		}
		switch state {
		case store.FollowActive:
			out.State = api.FollowStateFollowing
			return nil
		case store.FollowPending:
			out.State = api.FollowStateRequested
			return nil
		}
		approve, err := store.ApproveFollowers(ctx, tx, target)
		if err != nil {
			return err
		}
		if approve {
			out.State = api.FollowStateRequested
			if err := store.SetFollow(ctx, tx, user, target, store.FollowPending); err != nil {
				return err
			}
			return followEvent(ctx, tx, api.EventFollowRequested, user, target, "")
		}
		out.State = api.FollowStateFollowing
		if err := store.SetFollow(ctx, tx, user, target, store.FollowActive); err != nil {
			return err
		}
		return followEvent(ctx, tx, api.EventFollowCreated, user, target, "")
	})
	return out, err
}

// pairChecks locks the two users' follow state and refuses a follow
// between them: an unknown or deleted target, a deleted caller, a block
// either way.
func (s *Service) pairChecks(ctx context.Context, tx pgx.Tx, user, target uuid.UUID) error {
	if err := store.LockUsers(ctx, tx, user, target); err != nil {
		return err
	}
	if err := refuseDeleted(ctx, tx, user); err != nil {
		return err
	}
	known, err := store.UserKnown(ctx, tx, target)
	if err != nil {
		return err
	}
	if !known {
		return errNoUser
	}
	mine, theirs, err := store.Blocking(ctx, tx, user, target)
	switch {
	case err != nil:
		return err
	case mine:
		return errBlockedByMe
	case theirs:
		return errBlockedMe
	}
	return nil
}

// Unfollow ends user's follow of target, or withdraws its request
// (follow.deleted, reason unfollowed). Unfollowing someone one does not
// follow changes nothing. Errors: invalid (path.id is the caller),
// not_found (no such user, and no follow).
func (s *Service) Unfollow(ctx context.Context, user, target uuid.UUID) error {
	if user == target {
		return errSelf
	}
	return storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := store.LockUsers(ctx, tx, user, target); err != nil {
			return err
		}
		ended, err := endFollow(ctx, tx, user, target, api.FollowEndUnfollowed)
		if err != nil || ended {
			return err
		}
		if known, err := store.UserKnown(ctx, tx, target); err != nil || !known {
			return cmpErr(err, errNoUser)
		}
		return nil
	})
}

// endFollow removes follower's follow or request of followee, if any,
// and publishes follow.deleted with reason; it reports whether there was
// one.
func endFollow(ctx context.Context, tx pgx.Tx, follower, followee uuid.UUID, reason string) (bool, error) {
	state, err := store.DeleteFollow(ctx, tx, follower, followee)
	if err != nil || state == "" {
		return false, err
	}
	return true, followEvent(ctx, tx, api.EventFollowDeleted, follower, followee, reason)
}

// Followers returns a page of target's followers, newest first, with
// their names. Anyone may see them, but for a user who approves
// followers: only it and its followers; never a user target blocked.
// Errors: not_found (no such user), forbidden, invalid (query.limit,
// query.cursor).
func (s *Service) Followers(ctx context.Context, user, target uuid.UUID, limit int, cursor string) (api.FollowList, error) {
	return s.followList(ctx, user, target, limit, cursor, func(after *group.TimeCursor, n int) ([]store.FollowRow, error) {
		return store.Followers(ctx, s.pool, target, store.FollowActive, after, n)
	})
}

// Following returns a page of the users target follows, newest first,
// with the rules of Followers.
func (s *Service) Following(ctx context.Context, user, target uuid.UUID, limit int, cursor string) (api.FollowList, error) {
	return s.followList(ctx, user, target, limit, cursor, func(after *group.TimeCursor, n int) ([]store.FollowRow, error) {
		return store.Following(ctx, s.pool, target, after, n)
	})
}

// FollowRequests returns a page of the requests waiting for user's
// approval, newest first. Errors: invalid (query.limit, query.cursor).
func (s *Service) FollowRequests(ctx context.Context, user uuid.UUID, limit int, cursor string) (api.FollowList, error) {
	size, after, err := timePage(limit, cursor)
	if err != nil {
		return api.FollowList{}, err
	}
	rows, err := store.Followers(ctx, s.pool, user, store.FollowPending, after, size+1)
	if err != nil {
		return api.FollowList{}, err
	}
	return followsOut(rows, size), nil
}

func (s *Service) followList(ctx context.Context, user, target uuid.UUID, limit int, cursor string,
	read func(after *group.TimeCursor, n int) ([]store.FollowRow, error)) (api.FollowList, error) {
	size, after, err := timePage(limit, cursor)
	if err != nil {
		return api.FollowList{}, err
	}
	if err := s.maySeeFollows(ctx, user, target); err != nil {
		return api.FollowList{}, err
	}
	rows, err := read(after, size+1)
	if err != nil {
		return api.FollowList{}, err
	}
	return followsOut(rows, size), nil
}

// maySeeFollows checks that user may see target's followers and
// followed users. Errors: not_found, forbidden.
func (s *Service) maySeeFollows(ctx context.Context, user, target uuid.UUID) error {
	if user == target {
		return nil
	}
	known, err := store.UserKnown(ctx, s.pool, target)
	if err != nil || !known {
		return cmpErr(err, errNoUser)
	}
	if _, theirs, err := store.Blocking(ctx, s.pool, user, target); err != nil || theirs {
		return cmpErr(err, errBlockedMe)
	}
	approve, err := store.ApproveFollowers(ctx, s.pool, target)
	if err != nil || !approve {
		return err
	}
	state, err := store.FollowState(ctx, s.pool, user, target)
	if err != nil {
		return err
	}
	if state != store.FollowActive {
		return bus.Errorf(bus.CodeForbidden, "this user approves followers: only they and their followers see whom they follow and who follows them")
	}
	return nil
}

func followsOut(rows []store.FollowRow, size int) api.FollowList {
	out := api.FollowList{Items: []api.Follow{}}
	for i, f := range rows {
		if i == size {
			out.NextCursor = ptr(store.TimeCursorOf(rows[i-1].Since, rows[i-1].UserID).Encode())
			break
		}
		out.Items = append(out.Items, api.Follow{UserID: f.UserID.String(), DisplayName: f.DisplayName, Since: f.Since.UTC()})
	}
	return out
}

// DecideFollow approves (follow.created) or rejects (follow.deleted,
// reason rejected) requester's request to follow user. Errors: invalid
// (path.user_id is the caller), not_found (no such request).
func (s *Service) DecideFollow(ctx context.Context, user, requester uuid.UUID, approve bool) (api.Follow, error) {
	if user == requester {
		return api.Follow{}, bus.Invalid("path.user_id", "is you")
	}
	var out api.Follow
	err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := store.LockUsers(ctx, tx, user, requester); err != nil {
			return err
		}
		state, err := store.FollowState(ctx, tx, requester, user)
		if err != nil {
			return err
		}
		if state != store.FollowPending {
			return bus.Errorf(bus.CodeNotFound, "no request from this user")
		}
		if !approve {
			_, err := endFollow(ctx, tx, requester, user, api.FollowEndRejected)
			return err
		}
		if err := admitFollower(ctx, tx, requester, user); err != nil {
			return err
		}
		f, err := store.GetFollow(ctx, tx, requester, user)
		out = api.Follow{UserID: requester.String(), DisplayName: f.DisplayName, Since: f.Since.UTC()}
		return err
	})
	return out, err
}

// admitFollower puts follower's request of followee in force.
func admitFollower(ctx context.Context, tx pgx.Tx, follower, followee uuid.UUID) error {
	if err := store.SetFollow(ctx, tx, follower, followee, store.FollowActive); err != nil {
		return err
	}
	return followEvent(ctx, tx, api.EventFollowCreated, follower, followee, "")
}

// RemoveFollower ends follower's follow of user (follow.deleted, reason
// removed); it may follow again (a request, when user approves
// followers; block it to keep it out). Errors: invalid (path.user_id is
// the caller), not_found (not a follower).
func (s *Service) RemoveFollower(ctx context.Context, user, follower uuid.UUID) error {
	if user == follower {
		return bus.Invalid("path.user_id", "is you")
	}
	return storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := store.LockUsers(ctx, tx, user, follower); err != nil {
			return err
		}
		state, err := store.FollowState(ctx, tx, follower, user)
		if err != nil {
			return err
		}
		if state != store.FollowActive {
			return bus.Errorf(bus.CodeNotFound, "this user does not follow you")
		}
		_, err = endFollow(ctx, tx, follower, user, api.FollowEndRemoved)
		return err
	})
}

// Settings returns user's social settings.
func (s *Service) Settings(ctx context.Context, user uuid.UUID) (api.SocialSettings, error) {
	on, err := store.ApproveFollowers(ctx, s.pool, user)
	return api.SocialSettings{ApproveFollowers: on}, err
}

// PatchSettings changes user's social settings; turning approve_followers
// off admits every waiting request (follow.created each). Errors:
// unauthorized (the account was deleted).
func (s *Service) PatchSettings(ctx context.Context, user uuid.UUID, p api.SocialSettingsPatch) (api.SocialSettings, error) {
	var out api.SocialSettings
	err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := store.LockUsers(ctx, tx, user); err != nil {
			return err
		}
		if err := refuseDeleted(ctx, tx, user); err != nil {
			return err
		}
		on, err := store.ApproveFollowers(ctx, tx, user)
		if err != nil {
			return err
		}
		out.ApproveFollowers = on
		if p.ApproveFollowers == nil || *p.ApproveFollowers == on {
			return nil
		}
		out.ApproveFollowers = *p.ApproveFollowers
		if err := store.SetApproveFollowers(ctx, tx, user, out.ApproveFollowers); err != nil {
			return err
		}
		if out.ApproveFollowers {
			return nil
		}
		waiting, err := store.PendingFollowers(ctx, tx, user)
		if err != nil {
			return err
		}
		for _, f := range waiting {
			if err := admitFollower(ctx, tx, f, user); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// followEvent writes a follow event, numbered in the follow order.
func followEvent(ctx context.Context, tx pgx.Tx, subject string, follower, followee uuid.UUID, reason string) error {
	seq, err := store.NextFollowSeq(ctx, tx)
	if err != nil {
		return err
	}
	_, err = bus.Enqueue(ctx, tx, api.Module, subject, api.FollowChanged{FollowerID: follower.String(),
		FolloweeID: followee.String(), Reason: reason, Seq: seq, OccurredAt: time.Now().UTC()})
	return err
}

// cmpErr is err when there is one, else fallback.
func cmpErr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}
