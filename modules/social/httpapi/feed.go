package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/social/api"
)

func feedOperations(a huma.API, nc *nats.Conn) {
	huma.Register(a, gw.DocumentRaw[api.FeedPage](a, huma.Operation{
		OperationID: "get-feed", Method: http.MethodGet, Path: "/v1/feed", Tags: []string{"feed"},
		Summary: "Your feed",
		Description: "Finished sessions, and the personal records they set, of the athletes you follow and of the " +
			"members of your groups, newest first, cursor-paginated. A card shows what its session's visibility " +
			"allows you (followers and public sessions; never a private one), never your own, nothing of a user " +
			"you blocked or who blocked you; a deleted session or account leaves every feed.",
		Security: gw.Authenticated,
	}), func(ctx context.Context, in *myPageInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectFeed, api.FeedRequest{Limit: in.Limit, Cursor: in.Cursor})
	})
}
