package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	"github.com/athlos/athlos/bus"
	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/training/api"
)

type planCreateInput struct {
	Body api.PlanCreate
}

type planListInput struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"100" doc:"items per page (default 20)"`
	Cursor string `query:"cursor" maxLength:"64" doc:"next_cursor of the previous page"`
}

type planIDInput struct {
	ID string `path:"id" format:"uuid" doc:"the plan's id"`
}

type planGetInput struct {
	Accept string `header:"Accept" doc:"text/calendar for the plan as iCalendar, like /v1/plans/{id}.ics"`
	ID     string `path:"id" format:"uuid" doc:"the plan's id"`
	From   string `query:"from" format:"date" doc:"only the weeks that end on or after this day (YYYY-MM-DD)"`
	To     string `query:"to" format:"date" doc:"only the weeks that start on or before this day (YYYY-MM-DD)"`
}

type planPatchInput struct {
	ID   string `path:"id" format:"uuid" doc:"the plan's id"`
	Body api.PlanPatch
}

// icsOutput is an iCalendar document.
type icsOutput struct {
	ContentType        string `header:"Content-Type" hidden:"true"`
	ContentDisposition string `header:"Content-Disposition" doc:"attachment; filename=\"<id>.ics\""`
	Body               []byte
}

// PlanRoutes returns the operations on the signed-in user's training plans
// (/v1/plans): create, list, read (the calendar), change the schedule,
// delete, and the iCalendar export.
func PlanRoutes(nc *nats.Conn) gw.Routes {
	return gw.RoutesFunc(func(a huma.API) {
		tags := []string{"plans"}
		huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.Plan](a, gw.Idempotent(huma.Operation{
			OperationID: "create-plan", Method: http.MethodPost, Path: "/v1/plans", Tags: tags,
			Summary: "Make a training plan",
			Description: "A periodised plan for a race (distance, date, optional target time), a weekly volume or general " +
				"fitness, within the user's health and schedule, from the user's own sessions and profile (VDOT of the " +
				"best effort of the last 90 days, weekly volume, longest session of the last 30 days, heart rates). It " +
				"becomes the active plan (an earlier active plan is replaced). A goal that cannot be reached safely is " +
				"422 `infeasible`, with the reason and the options that would work in `details` (PlanInfeasible).",
			DefaultStatus: http.StatusCreated, MaxBodyBytes: 16 << 10, Security: gw.Authenticated,
		})), http.StatusUnprocessableEntity), func(ctx context.Context, in *planCreateInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectPlanCreate, in.Body)
		})
		huma.Register(a, gw.DocumentRaw[api.PlanList](a, huma.Operation{
			OperationID: "list-plans", Method: http.MethodGet, Path: "/v1/plans", Tags: tags,
			Summary: "The signed-in user's training plans", Description: "Newest first, cursor-paginated.",
			Security: gw.Authenticated,
		}), func(ctx context.Context, in *planListInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectPlanList, api.PlanListRequest{Limit: in.Limit, Cursor: in.Cursor})
		})
		huma.Register(a, gw.DocumentText(huma.Operation{
			OperationID: "plan-calendar", Method: http.MethodGet, Path: "/v1/plans/{id}.ics", Tags: tags,
			Summary:     "A training plan as iCalendar (RFC 5545)",
			Description: "One all-day event per workout, with stable UIDs, so a subscribed calendar follows the plan as it adapts.",
			Security:    gw.Authenticated,
		}, "text/calendar"), func(ctx context.Context, in *planIDInput) (*icsOutput, error) {
			reply, err := calendar(ctx, nc, in.ID)
			if err != nil {
				return nil, err
			}
			return &icsOutput{ContentType: calendarType, ContentDisposition: `attachment; filename="` + in.ID + `.ics"`, Body: reply}, nil
		})
		huma.Register(a, gw.DocumentText(gw.DocumentRaw[api.Plan](a, huma.Operation{
			OperationID: "get-plan", Method: http.MethodGet, Path: "/v1/plans/{id}", Tags: tags,
			Summary: "A training plan: its calendar",
			Description: "Weeks (phase, lighter weeks, adherence) with their workouts and targets (duration, distance, " +
				"pace and heart-rate ranges), the session matched to each, and every change made to the plan with its explanation. " +
				"With `Accept: text/calendar` (preferred to application/json), the whole plan as iCalendar, as /v1/plans/{id}.ics.",
			Security: gw.Authenticated,
		}), "text/calendar"), func(ctx context.Context, in *planGetInput) (*gw.RawJSON, error) {
			if wantsCalendar(in.Accept) {
				reply, err := calendar(ctx, nc, in.ID)
				if err != nil {
					return nil, err
				}
				return &gw.RawJSON{ContentType: calendarType, Body: reply}, nil
			}
			return gw.Forward(ctx, nc, api.SubjectPlanGet, api.PlanGetRequest{ID: in.ID, From: in.From, To: in.To})
		})
		huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.Plan](a, huma.Operation{
			OperationID: "patch-plan", Method: http.MethodPatch, Path: "/v1/plans/{id}", Tags: tags,
			Summary: "Change a training plan's schedule",
			Description: "The plan is laid again from today for the new schedule (the days before today kept) and the change " +
				"recorded with its explanation. A schedule that cannot hold the goal is 422 `infeasible`.",
			MaxBodyBytes: 16 << 10, Security: gw.Authenticated,
		}), http.StatusUnprocessableEntity), func(ctx context.Context, in *planPatchInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectPlanPatch, api.PlanPatchRequest{ID: in.ID, Patch: in.Body})
		})
		huma.Register(a, huma.Operation{
			OperationID: "delete-plan", Method: http.MethodDelete, Path: "/v1/plans/{id}", Tags: tags,
			Summary: "Delete a training plan", DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
		}, func(ctx context.Context, in *planIDInput) (*gw.NoContent, error) {
			return gw.ForwardNoContent(ctx, nc, api.SubjectPlanDelete, api.PlanRef{ID: in.ID})
		})
		huma.Register(a, gw.DocumentRaw[api.PlanFeed](a, huma.Operation{
			OperationID: "create-plan-feed", Method: http.MethodPost, Path: "/v1/plans/{id}/calendar-feed", Tags: tags,
			Summary: "A secret calendar feed URL of a training plan",
			Description: "For calendar apps that subscribe to a URL and cannot send a token (Google Calendar, Apple Calendar): " +
				"GET the answer's path, without a token, for the plan as iCalendar, as it adapts. Anyone with the URL can read " +
				"the plan; a new feed replaces the old one (whose URL stops working), and DELETE stops it.",
			DefaultStatus: http.StatusCreated, Security: gw.Authenticated,
		}), func(ctx context.Context, in *planIDInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectPlanFeedCreate, api.PlanRef{ID: in.ID})
		})
		huma.Register(a, huma.Operation{
			OperationID: "delete-plan-feed", Method: http.MethodDelete, Path: "/v1/plans/{id}/calendar-feed", Tags: tags,
			Summary: "Stop a training plan's calendar feed", Description: "Its URL answers 404 from now on.",
			DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
		}, func(ctx context.Context, in *planIDInput) (*gw.NoContent, error) {
			return gw.ForwardNoContent(ctx, nc, api.SubjectPlanFeedDelete, api.PlanRef{ID: in.ID})
		})
		huma.Register(a, gw.DocumentText(huma.Operation{
			OperationID: "plan-feed-calendar", Method: http.MethodGet, Path: "/v1/calendar/{token}.ics", Tags: tags,
			Summary:     "A training plan's calendar feed (iCalendar, no token needed)",
			Description: "The path POST /v1/plans/{id}/calendar-feed answered. 404 for an unknown, replaced or stopped feed.",
		}, "text/calendar"), func(ctx context.Context, in *feedInput) (*icsOutput, error) {
			data, err := json.Marshal(api.PlanFeedRef{Token: in.Token})
			if err != nil {
				return nil, gw.Problem(err)
			}
			reply, err := bus.Request(ctx, nc, api.SubjectPlanFeedCalendar, data, nil)
			if err != nil {
				return nil, gw.Problem(err)
			}
			return &icsOutput{ContentType: calendarType, ContentDisposition: `inline; filename="plan.ics"`, Body: reply}, nil
		})
	})
}

type feedInput struct {
	Token string `path:"token" maxLength:"64" doc:"the feed's secret token"`
}

const calendarType = "text/calendar; charset=utf-8"

// calendar asks the module for plan id as iCalendar.
func calendar(ctx context.Context, nc *nats.Conn, id string) ([]byte, error) {
	data, err := json.Marshal(api.PlanRef{ID: id})
	if err != nil {
		return nil, gw.Problem(err)
	}
	reply, err := bus.Request(ctx, nc, api.SubjectPlanCalendar, data, nil)
	if err != nil {
		return nil, gw.Problem(err)
	}
	return reply, nil
}

// wantsCalendar reports whether an Accept header prefers text/calendar to
// JSON: it names text/calendar with a quality above that of
// application/json (or of a wildcard that covers it, when JSON is not
// named), the first named winning a tie.
func wantsCalendar(accept string) bool {
	cal, js := -1.0, -1.0
	for _, part := range strings.Split(accept, ",") {
		fields := strings.Split(part, ";")
		media := strings.ToLower(strings.TrimSpace(fields[0]))
		q := 1.0
		for _, f := range fields[1:] {
			if k, v, ok := strings.Cut(strings.TrimSpace(f), "="); ok && strings.EqualFold(k, "q") {
				if x, err := strconv.ParseFloat(v, 64); err == nil {
					q = x
				}
			}
		}
		switch media {
		case "text/calendar":
			if cal < 0 {
				cal = q
			}
		case "application/json":
			js = q
		case "*/*", "application/*":
			if js < 0 {
				js = q - 1e-9 // below an explicit type of the same quality
			}
		}
	}
	return cal > 0 && cal > js
}
