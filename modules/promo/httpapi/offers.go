package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/promo/api"
)

// offerBodyLimit bounds an offer's definition (50 languages of text).
const offerBodyLimit = 256 << 10

type offerIDInput struct {
	ID string `path:"id" format:"uuid" doc:"the offer's id"`
}

type offersInput struct {
	Limit int `query:"limit" minimum:"1" maximum:"20" doc:"offers at most (default 5)"`
}

type offerCreateInput struct {
	Body gw.PatchBody[api.OfferDefinition]
}

type offerPatchInput struct {
	ID   string `path:"id" format:"uuid" doc:"the offer's id"`
	Body gw.PatchBody[offerPatch]
}

type adminOffersInput struct {
	Limit          int    `query:"limit" minimum:"1" maximum:"100" doc:"items per page (default 20)"`
	Cursor         string `query:"cursor" maxLength:"64" doc:"next_cursor of the previous page"`
	IncludeDeleted bool   `query:"include_deleted" doc:"list deleted offers too"`
}

// offerPatch is the documented shape of PATCH /v1/admin/offers/{id}, a
// JSON merge patch (RFC 7396) of the definition: absent fields stay,
// null removes an optional one, objects merge (content and targeting key
// by key), arrays are replaced. The result is checked as on create.
type offerPatch struct {
	Name            *string        `json:"name,omitempty" minLength:"1" maxLength:"200"`
	Content         map[string]any `json:"content,omitempty" doc:"languages to add or change ({title, body}); a language set to null is removed"`
	DefaultLanguage *string        `json:"default_language,omitempty"`
	ImageURL        *string        `json:"image_url,omitempty" nullable:"true" maxLength:"2048"`
	CTAURL          *string        `json:"cta_url,omitempty" maxLength:"2048"`
	StartsAt        *time.Time     `json:"starts_at,omitempty"`
	EndsAt          *time.Time     `json:"ends_at,omitempty"`
	Priority        *int           `json:"priority,omitempty" minimum:"0" maximum:"100"`
	FrequencyCap    map[string]any `json:"frequency_cap,omitempty" nullable:"true" doc:"count and/or period_s; null removes the cap"`
	Budget          map[string]any `json:"budget,omitempty" doc:"impressions and/or clicks; not below what is counted and reserved"`
	Targeting       map[string]any `json:"targeting,omitempty" nullable:"true" doc:"rules to add or change; a rule set to null is removed; null: untargeted. Health-derived rules are refused"`
}

// offerOperations registers the offers' operations: serving, why,
// impressions, clicks and dismissals for users, and the admin API.
func offerOperations(a huma.API, nc *nats.Conn) {
	tags := []string{"offers"}
	huma.Register(a, gw.DocumentRaw[api.OfferList](a, huma.Operation{
		OperationID: "list-offers", Method: http.MethodGet, Path: "/v1/offers", Tags: tags,
		Summary: "The offers for you now",
		Description: "The offers you are eligible for now, best first (targeting fit, priority, freshness, pacing), each with " +
			"why you see it. Each offer listed is reserved for you until reserved_until: report its impression when " +
			"you show it (POST …/impression). Targeted offers only for adults who have not objected (PUT /v1/me/marketing); " +
			"dismissed offers are not listed again.",
		Security: gw.Authenticated,
	}), func(ctx context.Context, in *offersInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectOffersServe, api.OffersRequest{Limit: in.Limit})
	})
	huma.Register(a, gw.DocumentRaw[api.OfferWhy](a, huma.Operation{
		OperationID: "why-offer", Method: http.MethodGet, Path: "/v1/offers/{id}/why", Tags: tags,
		Summary:     "Why am I seeing this offer",
		Description: "Whether you are eligible for the offer now, and the targeting rules that matched with your facts.",
		Security:    gw.Authenticated,
	}), func(ctx context.Context, in *offerIDInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectOfferWhy, api.OfferRef{ID: in.ID})
	})
	for _, op := range []struct{ id, verb, subject, summary, desc string }{
		{"offer-impression", "impression", api.SubjectOfferImpression, "Report that you showed an offer",
			"Counts the impression against the offer's budget and your frequency cap, from the reservation of the list " +
				"that listed it; without one (it expired), it counts only while they have room (counted false otherwise)."},
		{"offer-click", "click", api.SubjectOfferClick, "Report a click on an offer",
			"Counts the click against the offer's click budget (counted false once spent). 409 when you were not shown the offer."},
	} {
		huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.OfferEventAnswer](a, huma.Operation{
			OperationID: op.id, Method: http.MethodPost, Path: "/v1/offers/{id}/" + op.verb, Tags: tags,
			Summary: op.summary, Description: op.desc, Security: gw.Authenticated,
		}), http.StatusConflict), func(ctx context.Context, in *offerIDInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, op.subject, api.OfferRef{ID: in.ID})
		})
	}
	huma.Register(a, huma.Operation{
		OperationID: "dismiss-offer", Method: http.MethodPost, Path: "/v1/offers/{id}/dismiss", Tags: tags,
		Summary: "Dismiss an offer", Description: "It is not shown to you again. Dismissing it again changes nothing.",
		DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
	}, func(ctx context.Context, in *offerIDInput) (*gw.NoContent, error) {
		return gw.ForwardNoContent(ctx, nc, api.SubjectOfferDismiss, api.OfferRef{ID: in.ID})
	})
	adminOfferOperations(a, nc)
}

func adminOfferOperations(a huma.API, nc *nats.Conn) {
	tags := []string{"offers"}
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.AdminOffer](a, gw.Idempotent(huma.Operation{
		OperationID: "create-offer", Method: http.MethodPost, Path: "/v1/admin/offers", Tags: tags,
		Summary: "Add an offer (admins)",
		Description: "Text per language, https or http URLs, schedule, priority, frequency cap, a hard budget and targeting " +
			"rules in a fixed schema. A rule naming health data (heart rate, weight, BMI, training load …) is refused " +
			"citing the DSA, Art. 26(3); an age range starts at 18 at the least. Every process serves it within a second. " +
			"A retry with the same Idempotency-Key gets the first answer.",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: offerBodyLimit, Security: gw.Authenticated,
	})), http.StatusForbidden), func(ctx context.Context, in *offerCreateInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectAdminOfferCreate, api.OfferCreate{Definition: in.Body.Raw})
	})
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.AdminOfferPage](a, huma.Operation{
		OperationID: "admin-list-offers", Method: http.MethodGet, Path: "/v1/admin/offers", Tags: tags,
		Summary: "List the offers (admins)", Description: "Newest first, with what each spent; deleted ones with include_deleted.",
		Security: gw.Authenticated,
	}), http.StatusForbidden), func(ctx context.Context, in *adminOffersInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectAdminOfferList, api.AdminOffersRequest{Limit: in.Limit, Cursor: in.Cursor, IncludeDeleted: in.IncludeDeleted})
	})
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.AdminOffer](a, huma.Operation{
		OperationID: "admin-get-offer", Method: http.MethodGet, Path: "/v1/admin/offers/{id}", Tags: tags,
		Summary: "An offer (admins)", Description: "Its definition and what it spent; a deleted one with deleted_at.",
		Security: gw.Authenticated,
	}), http.StatusForbidden), func(ctx context.Context, in *offerIDInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectAdminOfferGet, api.OfferRef{ID: in.ID})
	})
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.AdminOffer](a, huma.Operation{
		OperationID: "patch-offer", Method: http.MethodPatch, Path: "/v1/admin/offers/{id}", Tags: tags,
		Summary: "Change an offer (admins)",
		Description: "A JSON merge patch (RFC 7396) of its definition, checked as on create. A budget can't go below what " +
			"is counted and reserved; a deleted offer can't be changed (409).",
		MaxBodyBytes: offerBodyLimit, Security: gw.Authenticated,
	}), http.StatusForbidden, http.StatusConflict), func(ctx context.Context, in *offerPatchInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectAdminOfferPatch, api.OfferPatch{ID: in.ID, Patch: in.Body.Raw})
	})
	huma.Register(a, gw.DocumentErrors(a, huma.Operation{
		OperationID: "delete-offer", Method: http.MethodDelete, Path: "/v1/admin/offers/{id}", Tags: tags,
		Summary: "Delete an offer (admins)", Description: "It is no longer served; its figures stay. Deleting it again changes nothing.",
		DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
	}, http.StatusForbidden), func(ctx context.Context, in *offerIDInput) (*gw.NoContent, error) {
		return gw.ForwardNoContent(ctx, nc, api.SubjectAdminOfferDelete, api.OfferRef{ID: in.ID})
	})
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.OfferStats](a, huma.Operation{
		OperationID: "offer-stats", Method: http.MethodGet, Path: "/v1/admin/offers/{id}/stats", Tags: tags,
		Summary:     "An offer's figures (admins)",
		Description: "Impressions, clicks, click-through, spend against the budget and the pace, per UTC day.",
		Security:    gw.Authenticated,
	}), http.StatusForbidden), func(ctx context.Context, in *offerIDInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectAdminOfferStats, api.OfferRef{ID: in.ID})
	})
}
