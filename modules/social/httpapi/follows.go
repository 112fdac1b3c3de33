package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/social/api"
)

type userIDInput struct {
	ID string `path:"id" format:"uuid" doc:"the user's id"`
}

type userPageInput struct {
	ID     string `path:"id" format:"uuid" doc:"the user's id"`
	Limit  int    `query:"limit" minimum:"1" maximum:"100" doc:"items per page (default 20)"`
	Cursor string `query:"cursor" maxLength:"64" doc:"next_cursor of the previous page"`
}

type myPageInput struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"100" doc:"items per page (default 20)"`
	Cursor string `query:"cursor" maxLength:"64" doc:"next_cursor of the previous page"`
}

type otherUserInput struct {
	UserID string `path:"user_id" format:"uuid" doc:"the other user's id"`
}

type socialSettingsPatchInput struct {
	Body gw.PatchBody[api.SocialSettingsPatch] // so the module can refuse a null
}

// FollowRoutes returns the operations on follows (/v1/users/{id}/follow,
// followers, following; the caller's requests, followers and social
// settings under /v1/me) and blocks.
func FollowRoutes(nc *nats.Conn) gw.Routes {
	return gw.RoutesFunc(func(a huma.API) {
		followOperations(a, nc)
		myFollowOperations(a, nc)
		blockOperations(a, nc)
		feedOperations(a, nc)
		reportOperations(a, nc)
	})
}

func followOperations(a huma.API, nc *nats.Conn) {
	tags := []string{"follows"}
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.FollowResult](a, huma.Operation{
		OperationID: "follow-user", Method: http.MethodPost, Path: "/v1/users/{id}/follow", Tags: tags,
		Summary: "Follow a user",
		Description: "At once (state following), or, when the user approves followers, by a request they approve or " +
			"reject (state requested). Following again changes nothing. Followers see the user's sessions of " +
			"visibility followers and public in their feed. 400 for yourself, 404 for an unknown user, 403 when " +
			"they blocked you, 409 when you blocked them.",
		Security: gw.Authenticated,
	}), http.StatusForbidden, http.StatusConflict), func(ctx context.Context, in *userIDInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectFollow, api.UserRef{UserID: in.ID})
	})
	huma.Register(a, huma.Operation{
		OperationID: "unfollow-user", Method: http.MethodDelete, Path: "/v1/users/{id}/follow", Tags: tags,
		Summary:       "Unfollow a user",
		Description:   "Or withdraw your request. Unfollowing someone you don't follow changes nothing (404 for an unknown user).",
		DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
	}, func(ctx context.Context, in *userIDInput) (*gw.NoContent, error) {
		return gw.ForwardNoContent(ctx, nc, api.SubjectUnfollow, api.UserRef{UserID: in.ID})
	})
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.FollowList](a, huma.Operation{
		OperationID: "list-followers", Method: http.MethodGet, Path: "/v1/users/{id}/followers", Tags: tags,
		Summary: "A user's followers",
		Description: "Newest first, with their names, cursor-paginated. Anyone may see them, but for a user who " +
			"approves followers: only they and their followers (403); never someone they blocked (403).",
		Security: gw.Authenticated,
	}), http.StatusForbidden), func(ctx context.Context, in *userPageInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectFollowers, api.UserPageRequest{UserID: in.ID, Limit: in.Limit, Cursor: in.Cursor})
	})
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.FollowList](a, huma.Operation{
		OperationID: "list-following", Method: http.MethodGet, Path: "/v1/users/{id}/following", Tags: tags,
		Summary:     "Whom a user follows",
		Description: "Newest first, with their names, cursor-paginated; who may see it as for the followers.",
		Security:    gw.Authenticated,
	}), http.StatusForbidden), func(ctx context.Context, in *userPageInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectFollowing, api.UserPageRequest{UserID: in.ID, Limit: in.Limit, Cursor: in.Cursor})
	})
}

func myFollowOperations(a huma.API, nc *nats.Conn) {
	tags := []string{"follows"}
	huma.Register(a, gw.DocumentRaw[api.FollowList](a, huma.Operation{
		OperationID: "list-follow-requests", Method: http.MethodGet, Path: "/v1/me/follow-requests", Tags: tags,
		Summary:     "Requests to follow you",
		Description: "Waiting for your approval (when you approve followers); newest first, cursor-paginated.",
		Security:    gw.Authenticated,
	}), func(ctx context.Context, in *myPageInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectFollowRequests, api.UserPageRequest{Limit: in.Limit, Cursor: in.Cursor})
	})
	huma.Register(a, gw.DocumentRaw[api.Follow](a, huma.Operation{
		OperationID: "approve-follow-request", Method: http.MethodPost, Path: "/v1/me/follow-requests/{user_id}/approve", Tags: tags,
		Summary:     "Approve a request to follow you",
		Description: "The user follows you from now on. 404 when there is no request from them.",
		Security:    gw.Authenticated,
	}), func(ctx context.Context, in *otherUserInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectFollowApprove, api.UserRef{UserID: in.UserID})
	})
	huma.Register(a, huma.Operation{
		OperationID: "reject-follow-request", Method: http.MethodPost, Path: "/v1/me/follow-requests/{user_id}/reject", Tags: tags,
		Summary:       "Reject a request to follow you",
		Description:   "The request goes; they may ask again (block them to keep them out). 404 when there is no request from them.",
		DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
	}, func(ctx context.Context, in *otherUserInput) (*gw.NoContent, error) {
		return gw.ForwardNoContent(ctx, nc, api.SubjectFollowReject, api.UserRef{UserID: in.UserID})
	})
	huma.Register(a, huma.Operation{
		OperationID: "remove-follower", Method: http.MethodDelete, Path: "/v1/me/followers/{user_id}", Tags: tags,
		Summary: "Remove a follower",
		Description: "They no longer follow you (and no longer see your followers sessions); they may follow again " +
			"(block them to keep them out). 404 when they don't follow you.",
		DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
	}, func(ctx context.Context, in *otherUserInput) (*gw.NoContent, error) {
		return gw.ForwardNoContent(ctx, nc, api.SubjectFollowerRemove, api.UserRef{UserID: in.UserID})
	})
	huma.Register(a, gw.DocumentRaw[api.SocialSettings](a, huma.Operation{
		OperationID: "get-social-settings", Method: http.MethodGet, Path: "/v1/me/social", Tags: tags,
		Summary:     "Your social settings",
		Description: "approve_followers: whether a follow of you is a request you decide (a private profile).",
		Security:    gw.Authenticated,
	}), func(ctx context.Context, _ *struct{}) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectSettingsGet, struct{}{})
	})
	huma.Register(a, gw.DocumentRaw[api.SocialSettings](a, huma.Operation{
		OperationID: "update-social-settings", Method: http.MethodPatch, Path: "/v1/me/social", Tags: tags,
		Summary:      "Change your social settings",
		Description:  "Changes the fields given. Turning approve_followers off admits the waiting requests.",
		MaxBodyBytes: 4 << 10, Security: gw.Authenticated,
	}), func(ctx context.Context, in *socialSettingsPatchInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectSettingsPatch, in.Body.Raw)
	})
}

func blockOperations(a huma.API, nc *nats.Conn) {
	tags := []string{"blocks"}
	huma.Register(a, huma.Operation{
		OperationID: "block-user", Method: http.MethodPost, Path: "/v1/users/{id}/block", Tags: tags,
		Summary: "Block a user",
		Description: "Follows between you end either way; they can't follow you, see or watch any of your sessions " +
			"(public ones and share links included), and your feed leaves them out. They are not told. Blocking " +
			"again changes nothing. In a group chat you both stay members: their messages to the group stay " +
			"visible to the group (there are no direct messages).",
		DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
	}, func(ctx context.Context, in *userIDInput) (*gw.NoContent, error) {
		return gw.ForwardNoContent(ctx, nc, api.SubjectBlockAdd, api.UserRef{UserID: in.ID})
	})
	huma.Register(a, huma.Operation{
		OperationID: "unblock-user", Method: http.MethodDelete, Path: "/v1/users/{id}/block", Tags: tags,
		Summary:       "Lift a block",
		Description:   "The follows it ended stay ended. Lifting a block that is not there changes nothing.",
		DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
	}, func(ctx context.Context, in *userIDInput) (*gw.NoContent, error) {
		return gw.ForwardNoContent(ctx, nc, api.SubjectBlockLift, api.UserRef{UserID: in.ID})
	})
	huma.Register(a, gw.DocumentRaw[api.BlockList](a, huma.Operation{
		OperationID: "list-blocks", Method: http.MethodGet, Path: "/v1/me/blocks", Tags: tags,
		Summary:     "Users you blocked",
		Description: "Newest first, with their names, cursor-paginated.",
		Security:    gw.Authenticated,
	}), func(ctx context.Context, in *myPageInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectBlocksList, api.UserPageRequest{Limit: in.Limit, Cursor: in.Cursor})
	})
}
