// Package challengerpc serves the challenges' operations on NATS
// (rpc.gamification.challenges.*): each handler decodes the api request,
// resolves the caller (and whether it is a platform admin), calls the
// service and encodes the api answer.
package challengerpc

import (
	"context"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	clientapi "github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/gamification/api"
	"github.com/athlos/athlos/modules/gamification/internal/challenge"
	"github.com/athlos/athlos/modules/gamification/internal/challengeservice"
)

type none = struct{}

// Register adds the challenges' operations to the module's RPC service.
func Register(svc *bus.Service, s *challengeservice.Service) error {
	return svc.HandleSubjects(map[string]bus.HandlerFunc{
		api.SubjectChallengeCreate: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.ChallengeCreate) (api.Challenge, error) {
			c, _ := bus.CallerFrom(ctx)
			return s.Create(ctx, user, c.Role == clientapi.RoleAdmin, challenge.Spec{Title: in.Title, Description: in.Description,
				Kind: challenge.Kind(in.Kind), Metric: challenge.Metric(in.Metric), Effort: in.Effort, Target: in.Target,
				Sport: in.Sport, StartsAt: in.StartsAt, EndsAt: in.EndsAt, GroupID: in.GroupID,
				TeamMode: challenge.TeamMode(in.TeamMode), TeamGroups: in.TeamGroups, TeamNames: in.TeamNames})
		}),
		api.SubjectChallengeList: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.ChallengeListRequest) (api.ChallengeList, error) {
			return s.List(ctx, user, in.Filter, in.Limit, in.Cursor)
		}),
		api.SubjectChallengeGet: onChallenge(func(ctx context.Context, user, id uuid.UUID, _ api.ChallengeRef) (api.Challenge, error) {
			return s.Get(ctx, user, id)
		}, func(in api.ChallengeRef) string { return in.ID }),
		api.SubjectChallengeJoin: onChallenge(func(ctx context.Context, user, id uuid.UUID, in api.ChallengeJoin) (api.Challenge, error) {
			return s.Join(ctx, user, id, in.TeamID)
		}, func(in api.ChallengeJoin) string { return in.ID }),
		api.SubjectChallengeLeave: onChallenge(func(ctx context.Context, user, id uuid.UUID, _ api.ChallengeRef) (none, error) {
			return none{}, s.Leave(ctx, user, id)
		}, func(in api.ChallengeRef) string { return in.ID }),
		api.SubjectChallengeLeaderboard: onChallenge(func(ctx context.Context, user, id uuid.UUID, in api.ChallengeLeaderboardRequest) (api.ChallengeLeaderboard, error) {
			return s.Leaderboard(ctx, user, id, in.Board, in.Limit, in.Cursor)
		}, func(in api.ChallengeLeaderboardRequest) string { return in.ID }),
	})
}

// onChallenge adapts a use case on the challenge the request names (its
// path.id).
func onChallenge[Req, Resp any](fn func(ctx context.Context, user, id uuid.UUID, in Req) (Resp, error), idOf func(Req) string) bus.HandlerFunc {
	return bus.AsCaller(func(ctx context.Context, user uuid.UUID, in Req) (Resp, error) {
		id, err := bus.ParseID("path.id", idOf(in))
		if err != nil {
			var zero Resp
			return zero, err
		}
		return fn(ctx, user, id, in)
	})
}
