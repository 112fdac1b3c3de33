package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/gamification/api"
)

type challengeIDInput struct {
	ID string `path:"id" format:"uuid" doc:"the challenge's id"`
}

type challengeCreateInput struct {
	Body api.ChallengeCreate
}

type challengeListInput struct {
	Filter string `query:"filter" enum:"active,upcoming,mine,ended" doc:"active (default): started and not over, ending first; upcoming: starting first; mine: those you joined, in any state, the latest end first; ended: over (finalising or ended) or a group goal reached, the latest end first"`
	Limit  int    `query:"limit" minimum:"1" maximum:"100" doc:"items per page (default 20)"`
	Cursor string `query:"cursor" maxLength:"64" doc:"next_cursor of the previous page (of the same filter)"`
}

type challengeJoinInput struct {
	ID   string `path:"id" format:"uuid" doc:"the challenge's id"`
	Body *api.ChallengeJoinBody
}

type challengeBoardInput struct {
	ID     string `path:"id" format:"uuid" doc:"the challenge's id"`
	Board  string `query:"board" enum:"individuals,teams" doc:"individuals (default) or teams (a team challenge)"`
	Limit  int    `query:"limit" minimum:"1" maximum:"100" doc:"individuals: entries per page (default 20); teams are answered whole"`
	Cursor string `query:"cursor" maxLength:"64" doc:"next_cursor of the previous page"`
}

// challengeOperations registers /v1/challenges: create, list, read, join,
// leave and the leaderboard.
func challengeOperations(a huma.API, nc *nats.Conn) {
	tags := []string{"challenges"}
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.Challenge](a, gw.Idempotent(huma.Operation{
		OperationID: "create-challenge", Method: http.MethodPost, Path: "/v1/challenges", Tags: tags,
		Summary: "Create a challenge",
		Description: "A global challenge (platform admins) or a group's (group_id: its owner and admins; 403 for others). " +
			"Kinds: most_activity (a total of metric), group_goal (everyone's total toward target), fastest_effort " +
			"(the fastest best effort over effort), longest_session (the longest single session by metric). Optional " +
			"sport filter; starts_at < ends_at, at least 1 hour and at most 366 days apart, ends_at in the future, " +
			"starts_at at most 366 days ahead. Teams: team_mode groups (each of team_groups is a team; a participant " +
			"joins as a member of one) or teams (team_names inside group_id; chosen at join, or assigned to the team " +
			"with the fewest members, ties to the first named).",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: 64 << 10, Security: gw.Authenticated,
	})), http.StatusForbidden), func(ctx context.Context, in *challengeCreateInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectChallengeCreate, in.Body)
	})
	huma.Register(a, gw.DocumentRaw[api.ChallengeList](a, huma.Operation{
		OperationID: "list-challenges", Method: http.MethodGet, Path: "/v1/challenges", Tags: tags,
		Summary: "Find challenges",
		Description: "The challenges you see: global ones and those of your groups (and any you joined). " +
			"Cursor-paginated; a cursor belongs to its filter.",
		Security: gw.Authenticated,
	}), func(ctx context.Context, in *challengeListInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectChallengeList, api.ChallengeListRequest{Filter: in.Filter, Limit: in.Limit, Cursor: in.Cursor})
	})
	huma.Register(a, gw.DocumentRaw[api.Challenge](a, huma.Operation{
		OperationID: "get-challenge", Method: http.MethodGet, Path: "/v1/challenges/{id}", Tags: tags,
		Summary:     "A challenge",
		Description: "Its definition, state, teams and your standing in it (you). 404 for a group's challenge when you are not in the group.",
		Security:    gw.Authenticated,
	}), func(ctx context.Context, in *challengeIDInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectChallengeGet, api.ChallengeRef{ID: in.ID})
	})
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.Challenge](a, huma.Operation{
		OperationID: "join-challenge", Method: http.MethodPost, Path: "/v1/challenges/{id}/join", Tags: tags,
		Summary: "Join a challenge",
		Description: "Before it ends (409 after). Sessions started from now on (and inside the window) count. A group's " +
			"challenge takes the group's members (404 for others, as when reading it; 403 for the team_id of a group you " +
			"are not a member of); a team challenge puts you in one team. Joining " +
			"again changes nothing (409 when asking for another team: leave first).",
		MaxBodyBytes: 4 << 10, Security: gw.Authenticated,
	}), http.StatusForbidden, http.StatusConflict), func(ctx context.Context, in *challengeJoinInput) (*gw.RawJSON, error) {
		req := api.ChallengeJoin{ID: in.ID}
		if in.Body != nil {
			req.TeamID = in.Body.TeamID
		}
		return gw.Forward(ctx, nc, api.SubjectChallengeJoin, req)
	})
	huma.Register(a, gw.DocumentErrors(a, huma.Operation{
		OperationID: "leave-challenge", Method: http.MethodPost, Path: "/v1/challenges/{id}/leave", Tags: tags,
		Summary: "Leave a challenge",
		Description: "Takes back everything your sessions contributed (a rejoin counts from then on). 404 when you have " +
			"not joined; 409 after ends_at.",
		DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
	}, http.StatusConflict), func(ctx context.Context, in *challengeIDInput) (*gw.NoContent, error) {
		return gw.ForwardNoContent(ctx, nc, api.SubjectChallengeLeave, api.ChallengeRef{ID: in.ID})
	})
	huma.Register(a, gw.DocumentRaw[api.ChallengeLeaderboard](a, huma.Operation{
		OperationID: "get-challenge-leaderboard", Method: http.MethodGet, Path: "/v1/challenges/{id}/leaderboard", Tags: tags,
		Summary: "A challenge's leaderboard",
		Description: "Individuals (participants with a value, best first; cursor-paginated) or teams (all of them). The " +
			"same value, the same rank (1, 2, 2, 4). you is your entry (or your team's). Participants who opted out of " +
			"leaderboards are not listed and take no rank; their own you shows their rank among the listed.",
		Security: gw.Authenticated,
	}), func(ctx context.Context, in *challengeBoardInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectChallengeLeaderboard, api.ChallengeLeaderboardRequest{ID: in.ID, Board: in.Board,
			Limit: in.Limit, Cursor: in.Cursor})
	})
}
