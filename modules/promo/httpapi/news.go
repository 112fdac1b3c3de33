package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	"github.com/athlos/athlos/bus"
	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/promo/api"
)

type newsIDInput struct {
	ID string `path:"id" format:"uuid" doc:"the news item's id"`
}

type newsFeedInput struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"100" doc:"items per page (default 20)"`
	Cursor string `query:"cursor" maxLength:"128" doc:"next_cursor of the previous page"`
}

type adminNewsListInput struct {
	State  string `query:"state" enum:"draft,scheduled,published,expired" doc:"only the items in this state now; absent: every item"`
	Limit  int    `query:"limit" minimum:"1" maximum:"100" doc:"items per page (default 20)"`
	Cursor string `query:"cursor" maxLength:"64" doc:"next_cursor of the previous page (of the same state)"`
}

type newsCreateInput struct {
	Body api.NewsDraft
}

type newsPatchInput struct {
	ID   string `path:"id" format:"uuid" doc:"the news item's id"`
	Body gw.PatchBody[newsPatch]
}

// newsPatch is the documented shape of PATCH /v1/admin/news/{id} (the
// module reads it itself): every field optional; publish_at and
// expires_at null clear them.
type newsPatch struct {
	Title     *string    `json:"title,omitempty" minLength:"1" maxLength:"200"`
	Body      *string    `json:"body,omitempty" minLength:"1" doc:"Markdown, at most 65,536 bytes"`
	Language  *string    `json:"language,omitempty" minLength:"2" maxLength:"35" doc:"BCP 47"`
	Sports    []string   `json:"sports,omitempty" nullable:"false" maxItems:"12" enum:"run,trail_run,walk,hike,ride,mountain_bike,swim,row,ski,strength,yoga,other" doc:"replaces the list; [] for none"`
	Regions   []string   `json:"regions,omitempty" nullable:"false" maxItems:"50" doc:"replaces the list; [] for none"`
	PublishAt *time.Time `json:"publish_at,omitempty" nullable:"true" doc:"null makes it a draft again (then expires_at must be cleared too)"`
	ExpiresAt *time.Time `json:"expires_at,omitempty" nullable:"true" doc:"null: no expiry"`
	Pinned    *bool      `json:"pinned,omitempty"`
}

// bodyLimit is the largest request body of the admin API: a Markdown
// body of api.NewsBodyMaxBytes, JSON-escaped, and the other fields.
const bodyLimit = 4*api.NewsBodyMaxBytes + 16<<10

// newsOperations registers the news' operations: the feed and an item
// for users, and the admin API.
func newsOperations(a huma.API, nc *nats.Conn) {
	tags := []string{"news"}
	huma.Register(a, gw.DocumentRaw[api.NewsPage](a, huma.Operation{
		OperationID: "list-news", Method: http.MethodGet, Path: "/v1/news", Tags: tags,
		Summary: "Your news",
		Description: "The news published now (publish_at passed, expires_at not yet) in your language, or when there " +
			"is none in it, in its base language (pt for pt-BR), then in English (language says which). Pinned items " +
			"first, then the ones about your sports (of the last 90 days) and country, then the newest. Unless you " +
			"objected to personalisation (PUT /v1/me/marketing) or may not be profiled (under 18, no birth date): then " +
			"pinned first, newest next. Bodies are sanitised HTML. Cursor pages keep their order while news are " +
			"published: nothing is shown twice or skipped.",
		Security: gw.Authenticated,
	}), func(ctx context.Context, in *newsFeedInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectNewsFeed, api.NewsFeedRequest{Limit: in.Limit, Cursor: in.Cursor})
	})
	huma.Register(a, gw.DocumentRaw[api.NewsItem](a, huma.Operation{
		OperationID: "get-news", Method: http.MethodGet, Path: "/v1/news/{id}", Tags: tags,
		Summary:     "A news item",
		Description: "A published item, in any language; 404 for a draft, a scheduled or an expired one.",
		Security:    gw.Authenticated,
	}), func(ctx context.Context, in *newsIDInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectNewsGet, api.NewsRef{ID: in.ID})
	})
	adminNewsOperations(a, nc)
}

func adminNewsOperations(a huma.API, nc *nats.Conn) {
	tags := []string{"news"}
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.AdminNewsPage](a, huma.Operation{
		OperationID: "admin-list-news", Method: http.MethodGet, Path: "/v1/admin/news", Tags: tags,
		Summary:     "Every news item (admins)",
		Description: "Drafts, scheduled, published and expired items (or those of one state now), newest created first, in cursor pages.",
		Security:    gw.Authenticated,
	}), http.StatusForbidden), func(ctx context.Context, in *adminNewsListInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectAdminNewsList, api.AdminNewsListRequest{State: in.State, Limit: in.Limit, Cursor: in.Cursor})
	})
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.AdminNews](a, huma.Operation{
		OperationID: "create-news", Method: http.MethodPost, Path: "/v1/admin/news", Tags: tags,
		Summary: "Write a news item (admins)",
		Description: "A title, a Markdown body (rendered to sanitised HTML when saved, answered as body_html), a " +
			"language (BCP 47), sport and region tags, and a schedule: without publish_at a draft; with a future one, " +
			"users see it from that time; expires_at (after publish_at) ends it. Pinned items come first in the feed.",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: bodyLimit, Security: gw.Authenticated,
	}), http.StatusForbidden), func(ctx context.Context, in *newsCreateInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectAdminNewsCreate, in.Body)
	})
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.AdminNews](a, huma.Operation{
		OperationID: "admin-get-news", Method: http.MethodGet, Path: "/v1/admin/news/{id}", Tags: tags,
		Summary:     "A news item (admins)",
		Description: "In any state, with its Markdown and its HTML.",
		Security:    gw.Authenticated,
	}), http.StatusForbidden), func(ctx context.Context, in *newsIDInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectAdminNewsGet, api.NewsRef{ID: in.ID})
	})
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.AdminNews](a, huma.Operation{
		OperationID: "update-news", Method: http.MethodPatch, Path: "/v1/admin/news/{id}", Tags: tags,
		Summary: "Change a news item (admins)",
		Description: "A JSON merge patch: the fields given change (checked as on create), the others stay; sports and " +
			"regions replace the lists; publish_at null makes it a draft again, expires_at null removes the expiry.",
		MaxBodyBytes: bodyLimit, Security: gw.Authenticated,
	}), http.StatusForbidden), func(ctx context.Context, in *newsPatchInput) (*gw.RawJSON, error) {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(in.Body.Raw, &fields); err != nil || fields == nil {
			return nil, gw.Problem(bus.Invalid("body", "a JSON object is expected"))
		}
		fields[api.NewsPatchID], _ = json.Marshal(in.ID)
		return gw.Forward(ctx, nc, api.SubjectAdminNewsPatch, fields)
	})
	huma.Register(a, gw.DocumentErrors(a, huma.Operation{
		OperationID: "delete-news", Method: http.MethodDelete, Path: "/v1/admin/news/{id}", Tags: tags,
		Summary:       "Delete a news item (admins)",
		Description:   "Users no longer see it; 404 when there is none.",
		DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
	}, http.StatusForbidden), func(ctx context.Context, in *newsIDInput) (*gw.NoContent, error) {
		return gw.ForwardNoContent(ctx, nc, api.SubjectAdminNewsDelete, api.NewsRef{ID: in.ID})
	})
}
