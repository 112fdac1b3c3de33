package rpc

import (
	"context"
	"encoding/json"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/social/api"
	"github.com/athlos/athlos/modules/social/internal/service"
)

// registerFollows serves rpc.social.follows.*, settings.* and blocks.*.
func registerFollows(svc *bus.Service, s *service.Service) error {
	return svc.HandleSubjects(map[string]bus.HandlerFunc{
		api.SubjectFollow: onUser(func(ctx context.Context, user, target uuid.UUID) (api.FollowResult, error) {
			return s.Follow(ctx, user, target)
		}, "path.id"),
		api.SubjectUnfollow: onUser(func(ctx context.Context, user, target uuid.UUID) (none, error) {
			return none{}, s.Unfollow(ctx, user, target)
		}, "path.id"),
		api.SubjectFollowers: onUserPage(func(ctx context.Context, user, target uuid.UUID, in api.UserPageRequest) (api.FollowList, error) {
			return s.Followers(ctx, user, target, in.Limit, in.Cursor)
		}),
		api.SubjectFollowing: onUserPage(func(ctx context.Context, user, target uuid.UUID, in api.UserPageRequest) (api.FollowList, error) {
			return s.Following(ctx, user, target, in.Limit, in.Cursor)
		}),
		api.SubjectFollowRequests: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.UserPageRequest) (api.FollowList, error) {
			return s.FollowRequests(ctx, user, in.Limit, in.Cursor)
		}),
		api.SubjectFollowApprove: onUser(func(ctx context.Context, user, target uuid.UUID) (api.Follow, error) {
			return s.DecideFollow(ctx, user, target, true)
		}, "path.user_id"),
		api.SubjectFollowReject: onUser(func(ctx context.Context, user, target uuid.UUID) (none, error) {
			_, err := s.DecideFollow(ctx, user, target, false)
			return none{}, err
		}, "path.user_id"),
		api.SubjectFollowerRemove: onUser(func(ctx context.Context, user, target uuid.UUID) (none, error) {
			return none{}, s.RemoveFollower(ctx, user, target)
		}, "path.user_id"),
		api.SubjectSettingsGet: bus.AsCaller(func(ctx context.Context, user uuid.UUID, _ none) (api.SocialSettings, error) {
			return s.Settings(ctx, user)
		}),
		api.SubjectSettingsPatch: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in json.RawMessage) (api.SocialSettings, error) {
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(in, &fields); err != nil {
				return api.SocialSettings{}, bus.Invalid("body", "not a settings patch: "+err.Error())
			}
			for name, v := range fields {
				if string(v) == "null" {
					return api.SocialSettings{}, bus.Invalid("body."+name, "can't be null")
				}
			}
			var p api.SocialSettingsPatch
			if err := json.Unmarshal(in, &p); err != nil {
				return api.SocialSettings{}, bus.Invalid("body", "not a settings patch: "+err.Error())
			}
			return s.PatchSettings(ctx, user, p)
		}),
		api.SubjectBlockAdd: onUser(func(ctx context.Context, user, target uuid.UUID) (none, error) {
			return none{}, s.Block(ctx, user, target)
		}, "path.id"),
		api.SubjectBlockLift: onUser(func(ctx context.Context, user, target uuid.UUID) (none, error) {
			return none{}, s.Unblock(ctx, user, target)
		}, "path.id"),
		api.SubjectBlocksList: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.UserPageRequest) (api.BlockList, error) {
			return s.Blocks(ctx, user, in.Limit, in.Cursor)
		}),
	})
}

// onUser adapts a use case on another user (api.UserRef), its id read
// from the named field.
func onUser[Resp any](fn func(ctx context.Context, user, target uuid.UUID) (Resp, error), field string) bus.HandlerFunc {
	return bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.UserRef) (Resp, error) {
		target, err := bus.ParseID(field, in.UserID)
		if err != nil {
			var zero Resp
			return zero, err
		}
		return fn(ctx, user, target)
	})
}

// onUserPage adapts a use case that lists a page of a user's follows.
func onUserPage[Resp any](fn func(ctx context.Context, user, target uuid.UUID, in api.UserPageRequest) (Resp, error)) bus.HandlerFunc {
	return bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.UserPageRequest) (Resp, error) {
		target, err := bus.ParseID("path.id", in.UserID)
		if err != nil {
			var zero Resp
			return zero, err
		}
		return fn(ctx, user, target, in)
	})
}
