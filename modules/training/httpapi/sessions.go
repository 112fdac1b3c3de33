package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	"github.com/athlos/athlos/bus"
	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/training/api"
)

type sessionStartInput struct {
	Body api.SessionStart
}

type sessionIDInput struct {
	ID string `path:"id" format:"uuid" doc:"the session's id"`
}

// pointsInput passes the points on undecoded (the module's decoder is
// several times faster than a typed decode); the document describes them
// as api.TelemetryMessage.
type pointsInput struct {
	ID   string `path:"id" format:"uuid" doc:"the session's id"`
	Body struct {
		Points json.RawMessage `json:"points"`
	}
}

type sessionListInput struct {
	UserID string    `query:"user_id" format:"uuid" doc:"another athlete's sessions: those you may see (public ones, and followers ones of an athlete you follow or who is a member of one of your groups; none of an athlete who blocked you)"`
	Sport  string    `query:"sport" enum:"run,trail_run,walk,hike,ride,mountain_bike,swim,row,ski,strength,yoga,other" doc:"only this sport"`
	From   time.Time `query:"from" doc:"started at or after (RFC 3339)"`
	To     time.Time `query:"to" doc:"started before (RFC 3339)"`
	Limit  int       `query:"limit" minimum:"1" maximum:"100" doc:"items per page (default 20)"`
	Cursor string    `query:"cursor" maxLength:"64" doc:"next_cursor of the previous page"`
}

// gpxOutput is a GPX document.
type gpxOutput struct {
	ContentType        string `header:"Content-Type" hidden:"true"`
	ContentDisposition string `header:"Content-Disposition" doc:"attachment; filename=\"<id>.gpx\""`
	Body               []byte
}

// SessionRoutes returns the operations on the signed-in user's sessions
// (/v1/sessions): start, list, read, pause/resume/finish, points, change,
// delete, and the GPX and GeoJSON exports.
func SessionRoutes(nc *nats.Conn) gw.Routes {
	return gw.RoutesFunc(func(a huma.API) {
		startSession(a, nc)
		listSessions(a, nc)
		sessionGPX(a, nc)
		getSession(a, nc)
		actOnSession(a, nc)
		addSessionPoints(a, nc)
		sessionRoute(a, nc)
		patchSession(a, nc)
		deleteSession(a, nc)
	})
}

// startSession registers POST /v1/sessions.
func startSession(a huma.API, nc *nats.Conn) {
	tags := []string{"sessions"}
	huma.Register(a, gw.DocumentRaw[api.Session](a, gw.Idempotent(huma.Operation{
		OperationID: "start-session", Method: http.MethodPost, Path: "/v1/sessions", Tags: tags,
		Summary: "Start a live session, or record a manual one",
		Description: "Without elapsed_time_s: a live session, active, whose points follow (NATS live.telemetry or /points). " +
			"With elapsed_time_s and started_at: a manual session (recorded without GPS or entered afterwards), finished at once " +
			"with the figures given, published as evt.training.session.completed like a finished live session (gear, analytics " +
			"and challenges count it). Its start may not be in the future, moving time may not exceed elapsed time, and the " +
			"average speed must be one the sport allows.",
		DefaultStatus: http.StatusCreated, MaxBodyBytes: 256 << 10, Security: gw.Authenticated,
	})), func(ctx context.Context, in *sessionStartInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectSessionStart, in.Body)
	})
}

// listSessions registers GET /v1/sessions.
func listSessions(a huma.API, nc *nats.Conn) {
	tags := []string{"sessions"}
	huma.Register(a, gw.DocumentRaw[api.SessionList](a, huma.Operation{
		OperationID: "list-sessions", Method: http.MethodGet, Path: "/v1/sessions", Tags: tags,
		Summary: "The signed-in user's sessions, or another athlete's",
		Description: "Newest first, cursor-paginated; filters by sport and start time. With user_id, another athlete's " +
			"sessions you may see: public ones, and followers ones when you share a group (without their notes and device).",
		Security: gw.Authenticated,
	}), func(ctx context.Context, in *sessionListInput) (*gw.RawJSON, error) {
		req := api.SessionListRequest{UserID: in.UserID, Sport: in.Sport, Limit: in.Limit, Cursor: in.Cursor}
		if !in.From.IsZero() {
			req.From = &in.From
		}
		if !in.To.IsZero() {
			req.To = &in.To
		}
		return gw.Forward(ctx, nc, api.SubjectSessionList, req)
	})
}

// sessionGPX registers GET /v1/sessions/{id}/gpx.
func sessionGPX(a huma.API, nc *nats.Conn) {
	tags := []string{"sessions"}
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentText(huma.Operation{
		OperationID: "session-gpx", Method: http.MethodGet, Path: "/v1/sessions/{id}/gpx", Tags: tags,
		Summary: "A session as GPX 1.1",
		Description: "With Garmin's TrackPointExtension (heart rate, cadence, temperature) and power; importing it back gives the same figures. " +
			"GPX track points must have a position: points without one (a run that lost GPS in a tunnel) are left out, and a session whose " +
			"points have none (indoors: a treadmill, a trainer, a pool) has no route to export: 409 (its figures are in GET /v1/sessions/{id}). " +
			"Another user than the owner gets the points the owner's privacy zones leave visible, one track segment per visible part.",
		Security: gw.Authenticated,
	}, "application/gpx+xml"), http.StatusConflict), func(ctx context.Context, in *sessionIDInput) (*gpxOutput, error) {
		data, err := json.Marshal(api.SessionRef{ID: in.ID})
		if err != nil {
			return nil, gw.Problem(err)
		}
		reply, err := bus.Request(ctx, nc, api.SubjectSessionGPX, data, nil)
		if err != nil {
			return nil, gw.Problem(err)
		}
		return &gpxOutput{ContentType: "application/gpx+xml", ContentDisposition: `attachment; filename="` + in.ID + `.gpx"`, Body: reply}, nil
	})
}

// getSession registers GET /v1/sessions/{id}.
func getSession(a huma.API, nc *nats.Conn) {
	tags := []string{"sessions"}
	huma.Register(a, gw.DocumentRaw[api.Session](a, huma.Operation{
		OperationID: "get-session", Method: http.MethodGet, Path: "/v1/sessions/{id}", Tags: tags,
		Summary: "A session, with its figures once finished", Security: gw.Authenticated,
	}), func(ctx context.Context, in *sessionIDInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectSessionGet, api.SessionRef{ID: in.ID})
	})
}

// actOnSession registers POST /v1/sessions/{id}/pause, resume and finish.
func actOnSession(a huma.API, nc *nats.Conn) {
	tags := []string{"sessions"}
	for _, action := range []struct{ path, action, summary string }{
		{"pause", "pause", "Pause an active session"},
		{"resume", "resume", "Resume a paused session"},
		{"finish", "finish", "Finish a session: its figures are computed and evt.training.session.completed published. Points recorded before the finish that arrive within 10 minutes after it are still taken, and the figures updated (evt.training.session.updated)"},
	} {
		huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.Session](a, huma.Operation{
			OperationID: action.path + "-session", Method: http.MethodPost, Path: "/v1/sessions/{id}/" + action.path, Tags: tags,
			Summary: action.summary, Description: "409 when the session's state does not allow it.", Security: gw.Authenticated,
		}), http.StatusConflict), func(ctx context.Context, in *sessionIDInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectSessionAction, api.SessionAction{ID: in.ID, Action: action.action})
		})
	}
}

// addSessionPoints registers POST /v1/sessions/{id}/points.
func addSessionPoints(a huma.API, nc *nats.Conn) {
	tags := []string{"sessions"}
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.PointsResult](a, huma.Operation{
		OperationID: "add-session-points", Method: http.MethodPost, Path: "/v1/sessions/{id}/points", Tags: tags,
		Summary: "Send telemetry points (offline sync)",
		Description: "The same pipeline as NATS live.telemetry. Impossible points are dropped and counted by reason; " +
			"the batch never fails as a whole for them. At most 10,000 points per request.",
		MaxBodyBytes: 1 << 20, Security: gw.Authenticated,
	}), http.StatusConflict), func(ctx context.Context, in *pointsInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectSessionPoints, api.SessionPoints{ID: in.ID, Points: in.Body.Points})
	})
	a.OpenAPI().Paths["/v1/sessions/{id}/points"].Post.RequestBody.Content["application/json"].Schema =
		a.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[api.TelemetryMessage](), true, "TelemetryMessage")
}

// sessionRoute registers GET /v1/sessions/{id}/route.
func sessionRoute(a huma.API, nc *nats.Conn) {
	tags := []string{"sessions"}
	huma.Register(a, gw.DocumentBody[api.RouteFeature](a, huma.Operation{
		OperationID: "session-route", Method: http.MethodGet, Path: "/v1/sessions/{id}/route", Tags: tags,
		Summary: "A finished session's route as GeoJSON",
		Description: "A Feature whose geometry is the route's LineString ([lon, lat], WGS 84); with simplified=true, the line drawn for maps (at most 500 points). 404 until the session is finished. " +
			"Another user than the owner sees the parts the owner's privacy zones leave visible: a LineString, or a MultiLineString when they cut the route in several parts (404 when they hide it all); distance_m stays the whole route's.",
		Security: gw.Authenticated,
	}, "application/geo+json"), func(ctx context.Context, in *routeInput) (*geoJSONOutput, error) {
		reply, err := gw.Forward(ctx, nc, api.SubjectSessionRoute, api.RouteRequest{ID: in.ID, Simplified: in.Simplified})
		if err != nil {
			return nil, err
		}
		return &geoJSONOutput{ContentType: "application/geo+json", Body: reply.Body}, nil
	})
	// A MultiLineString's coordinates are lines, not positions: each item
	// is an array, of numbers (a position) or of positions (a line).
	if rl := a.OpenAPI().Components.Schemas.Map()["RouteLine"]; rl != nil && rl.Properties["coordinates"] != nil {
		rl.Properties["coordinates"].Items = &huma.Schema{Type: "array",
			Description: "a position [lon, lat] (or [lon, lat, elevation_m]) of a LineString, or a line (a list of positions) of a MultiLineString"}
	}
}

// patchSession registers PATCH /v1/sessions/{id}.
func patchSession(a huma.API, nc *nats.Conn) {
	tags := []string{"sessions"}
	huma.Register(a, gw.DocumentRaw[api.Session](a, huma.Operation{
		OperationID: "patch-session", Method: http.MethodPatch, Path: "/v1/sessions/{id}", Tags: tags,
		Summary: "Change a session",
		Description: "Title, notes, sport, gear, visibility, perceived effort, and the figures of a session entered by hand " +
			"(started_at, elapsed_time_s, moving_time_s, distance_m, elevation_gain_m, avg_hr_bpm, max_hr_bpm, calories_kcal: " +
			"checked as POST /v1/sessions checks them; a recorded session's figures come from its points and are refused): " +
			"a JSON merge patch, absent fields stay and null removes an optional one (Foster's CR-10: 0, rest, is a rating " +
			"like the others). Changing a finished session's sport computes its figures again; changing its sport, gear, " +
			"perceived effort or figures publishes evt.training.session.updated, so analytics, plans and challenges follow.",
		MaxBodyBytes: 16 << 10, Security: gw.Authenticated,
	}), func(ctx context.Context, in *sessionPatchInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectSessionPatch, api.SessionPatch{ID: in.ID, SessionChanges: in.Body.SessionChanges})
	})
}

// deleteSession registers DELETE /v1/sessions/{id}.
func deleteSession(a huma.API, nc *nats.Conn) {
	tags := []string{"sessions"}
	huma.Register(a, huma.Operation{
		OperationID: "delete-session", Method: http.MethodDelete, Path: "/v1/sessions/{id}", Tags: tags,
		Summary:       "Delete a session",
		Description:   "With its points and route; evt.training.session.deleted tells the other modules to take back what they counted.",
		DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
	}, func(ctx context.Context, in *sessionIDInput) (*gw.NoContent, error) {
		return gw.ForwardNoContent(ctx, nc, api.SubjectSessionDelete, api.SessionRef{ID: in.ID})
	})
}

type routeInput struct {
	ID         string `path:"id" format:"uuid" doc:"the session's id"`
	Simplified bool   `query:"simplified" doc:"the line drawn for maps instead of every point"`
}

type geoJSONOutput struct {
	ContentType string `header:"Content-Type" hidden:"true"`
	Body        []byte
}

type sessionPatchInput struct {
	ID   string `path:"id" format:"uuid" doc:"the session's id"`
	Body sessionChangesBody
}

// sessionChangesBody is a PATCH body, read as api.SessionChanges (whose
// merge patch fields keep a field left out apart from one set to null)
// and documented and validated as sessionChanges.
type sessionChangesBody struct {
	api.SessionChanges
}

// Schema documents and validates the body as a sessionChanges.
func (sessionChangesBody) Schema(r huma.Registry) *huma.Schema {
	return r.Schema(reflect.TypeFor[sessionChanges](), true, "SessionChanges")
}

// sessionChanges is the documented shape of PATCH /v1/sessions/{id} (the
// module reads it as api.SessionChanges): every field optional, absent
// fields stay; null clears perceived_effort.
type sessionChanges struct {
	Title           *string   `json:"title,omitempty" maxLength:"200"`
	Notes           *string   `json:"notes,omitempty" maxLength:"5000"`
	Sport           *string   `json:"sport,omitempty" enum:"run,trail_run,walk,hike,ride,mountain_bike,swim,row,ski,strength,yoga,other" doc:"a finished session's figures are computed again"`
	GearIDs         *[]string `json:"gear_ids,omitempty" maxItems:"10" doc:"replaces the gear; [] removes it"`
	Visibility      *string   `json:"visibility,omitempty" enum:"private,followers,public"`
	PerceivedEffort *int      `json:"perceived_effort,omitempty" nullable:"true" minimum:"0" maximum:"10" doc:"Foster's CR-10: 0 (rest) to 10 (maximal); null removes it"`
	// The figures of a session entered by hand (source manual); refused for a recorded one.
	StartedAt      *time.Time `json:"started_at,omitempty" doc:"manual sessions: when it started (RFC 3339), not in the future"`
	ElapsedTimeS   *float64   `json:"elapsed_time_s,omitempty" exclusiveMinimum:"0" maximum:"604800" doc:"manual sessions: its length, start to end, in seconds"`
	MovingTimeS    *float64   `json:"moving_time_s,omitempty" nullable:"true" minimum:"0" maximum:"604800" doc:"manual sessions: time in motion, at most elapsed_time_s; null: elapsed_time_s"`
	DistanceM      *float64   `json:"distance_m,omitempty" nullable:"true" minimum:"0" maximum:"5000000" doc:"manual sessions: the distance, m, at a speed the sport allows; null removes it"`
	ElevationGainM *float64   `json:"elevation_gain_m,omitempty" nullable:"true" minimum:"0" maximum:"50000" doc:"manual sessions; null removes it"`
	AvgHRBpm       *float64   `json:"avg_hr_bpm,omitempty" nullable:"true" minimum:"30" maximum:"250" doc:"manual sessions: at most max_hr_bpm; null removes it"`
	MaxHRBpm       *int       `json:"max_hr_bpm,omitempty" nullable:"true" minimum:"30" maximum:"250" doc:"manual sessions; null removes it"`
	CaloriesKcal   *float64   `json:"calories_kcal,omitempty" nullable:"true" minimum:"0" maximum:"50000" doc:"manual sessions: energy, kcal; null: estimated again"`
}
