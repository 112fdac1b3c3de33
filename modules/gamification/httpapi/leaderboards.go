package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/gamification/api"
)

type leaderboardInput struct {
	Metric     string `query:"metric" enum:"distance,time,sessions,elevation,points" default:"distance" doc:"what is ranked: distance (m), moving time (s), finished sessions, elevation gain (m), achievement points"`
	Period     string `query:"period" enum:"week,month,year,all" default:"week" doc:"ISO week (from Monday 00:00 UTC), calendar month or year (UTC), or all time"`
	Scope      string `query:"scope" default:"global" maxLength:"42" pattern:"^(global|country|group:[0-9a-fA-F-]{36})$" doc:"global; country: your profile's country; group:<id>: a group you are a member of (404 otherwise)"`
	Sport      string `query:"sport" enum:"run,trail_run,walk,hike,ride,mountain_bike,swim,row,ski,strength,yoga,other" doc:"one sport's sessions only (not with points); every sport when absent"`
	Limit      int    `query:"limit" minimum:"1" maximum:"100" default:"50" doc:"how many of the top to list"`
	Neighbours int    `query:"neighbours" minimum:"0" maximum:"10" default:"2" doc:"how many users above and below you to list"`
	At         string `query:"at" maxLength:"40" doc:"an RFC 3339 time: the period that holds it (a past week, month or year); now when absent"`
}

func leaderboardOperations(a huma.API, nc *nats.Conn) {
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.Leaderboard](a, huma.Operation{
		OperationID: "get-leaderboard", Method: http.MethodGet, Path: "/v1/leaderboards", Tags: []string{"leaderboards"},
		Summary: "A leaderboard",
		Description: "The top of a board (a metric over a period, globally, in your country or in a group of yours, for " +
			"one sport or every sport), with your place and your neighbours. Users with the same value share a rank " +
			"(values are bucketed: distance to 10 m, time to 1 s, elevation to 1 m); users who opted out of " +
			"leaderboards (profile privacy) are neither listed nor counted, and see their own value without a rank; " +
			"so are users whose profile has not reached the module yet (moments after sign-up). " +
			"Periods are UTC (ISO weeks from Monday 00:00, calendar months and years), stated in the answer; past " +
			"periods stay readable with at. A session flagged implausible counts nowhere; an edited or deleted " +
			"session's contribution is taken back. A group you are not a member of answers 404, as an unknown one.",
		Security: gw.Authenticated,
	}), http.StatusNotFound), func(ctx context.Context, in *leaderboardInput) (*gw.RawJSON, error) {
		n := in.Neighbours
		return gw.Forward(ctx, nc, api.SubjectLeaderboardGet, api.LeaderboardRequest{Metric: in.Metric, Period: in.Period,
			Scope: in.Scope, Sport: in.Sport, Limit: in.Limit, Neighbours: &n, At: in.At})
	})
}
