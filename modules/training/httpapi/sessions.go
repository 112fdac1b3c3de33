package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"sync"

	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

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

// MaxUploadsInFlight bounds the imports one front passes on at once;
// more answer 503 with Retry-After.
const MaxUploadsInFlight = 8

// SessionRoutes returns the live-session operations.
func SessionRoutes(nc *nats.Conn) gw.Routes {
	uploads := sync.OnceValues(func() (*bus.UploadStore, error) {
		js, err := jetstream.New(nc)
		if err != nil {
			return nil, err
		}
		return bus.NewUploadStore(js), nil
	})
	// A few uploads at a time per front: each holds its file, and the
	// object store takes them one after another anyway.
	inFlight := make(chan struct{}, MaxUploadsInFlight)
	return gw.RoutesFunc(func(a huma.API) {
		tags := []string{"sessions"}
		huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.ImportResult](a, huma.Operation{
			OperationID: "import-session", Method: http.MethodPost, Path: "/v1/sessions/import", Tags: tags,
			Summary: "Import a workout file",
			Description: "multipart/form-data with the file in `file`: GPX 1.0/1.1 (with Garmin's TrackPointExtension), TCX or FIT, " +
				"each optionally gzipped, at most 25 MB (also uncompressed). Makes a finished session with the same figures " +
				"as a live one (evt.training.session.completed). The same file twice answers 409 naming the session; " +
				"a file that cannot be read answers 422 with the reason, and nothing is stored.",
			DefaultStatus: http.StatusCreated, MaxBodyBytes: api.MaxImportBytes + 64<<10, Security: gw.Authenticated,
		}), http.StatusConflict, http.StatusUnprocessableEntity), func(ctx context.Context, in *importInput) (*gw.RawJSON, error) {
			select {
			case inFlight <- struct{}{}:
				defer func() { <-inFlight }()
			default:
				return nil, gw.Problem(&bus.Error{Code: bus.CodeUnavailable, Message: "too many imports at once; try again shortly", RetryAfter: 5})
			}
			store, err := uploads()
			if err != nil {
				return nil, gw.Problem(err)
			}
			return importFile(ctx, nc, store, in)
		})
		huma.Register(a, gw.DocumentRaw[api.Session](a, gw.Idempotent(huma.Operation{
			OperationID: "start-session", Method: http.MethodPost, Path: "/v1/sessions", Tags: tags,
			Summary:       "Start a live session",
			DefaultStatus: http.StatusCreated, MaxBodyBytes: 16 << 10, Security: gw.Authenticated,
		})), func(ctx context.Context, in *sessionStartInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectSessionStart, in.Body)
		})
		huma.Register(a, gw.DocumentRaw[api.SessionList](a, huma.Operation{
			OperationID: "list-sessions", Method: http.MethodGet, Path: "/v1/sessions", Tags: tags,
			Summary: "The signed-in user's sessions", Description: "Newest first, cursor-paginated; filters by sport and start time.",
			Security: gw.Authenticated,
		}), func(ctx context.Context, in *sessionListInput) (*gw.RawJSON, error) {
			req := api.SessionListRequest{Sport: in.Sport, Limit: in.Limit, Cursor: in.Cursor}
			if !in.From.IsZero() {
				req.From = &in.From
			}
			if !in.To.IsZero() {
				req.To = &in.To
			}
			return gw.Forward(ctx, nc, api.SubjectSessionList, req)
		})
		huma.Register(a, gw.DocumentText(huma.Operation{
			OperationID: "session-gpx", Method: http.MethodGet, Path: "/v1/sessions/{id}/gpx", Tags: tags,
			Summary:     "A session as GPX 1.1",
			Description: "With Garmin's TrackPointExtension (heart rate, cadence, temperature) and power; importing it back gives the same figures.",
			Security:    gw.Authenticated,
		}, "application/gpx+xml"), func(ctx context.Context, in *sessionIDInput) (*gpxOutput, error) {
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
		huma.Register(a, gw.DocumentRaw[api.Session](a, huma.Operation{
			OperationID: "get-session", Method: http.MethodGet, Path: "/v1/sessions/{id}", Tags: tags,
			Summary: "A session, with its figures once finished", Security: gw.Authenticated,
		}), func(ctx context.Context, in *sessionIDInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectSessionGet, api.SessionRef{ID: in.ID})
		})
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
		huma.Register(a, gw.DocumentRaw[api.ShareLink](a, gw.Idempotent(huma.Operation{
			OperationID: "share-session", Method: http.MethodPost, Path: "/v1/sessions/{id}/share", Tags: tags,
			Summary: "Create a live-tracking link",
			Description: "For one of your open sessions: anyone holding the token may watch it live (POST /v1/sessions/{id}/watch). " +
				"A new link replaces the previous one. 409 when the session is closed.",
			Security: gw.Authenticated,
		})), func(ctx context.Context, in *sessionIDInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectSessionShare, api.SessionRef{ID: in.ID})
		})
		huma.Register(a, huma.Operation{
			OperationID: "unshare-session", Method: http.MethodDelete, Path: "/v1/sessions/{id}/share", Tags: tags,
			Summary:       "Revoke the live-tracking link",
			Description:   "Watchers who may no longer watch (the session is not public) lose the grant.",
			DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
		}, func(ctx context.Context, in *sessionIDInput) (*gw.NoContent, error) {
			return gw.ForwardNoContent(ctx, nc, api.SubjectSessionUnshare, api.SessionRef{ID: in.ID})
		})
		huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.Watch](a, huma.Operation{
			OperationID: "watch-session", Method: http.MethodPost, Path: "/v1/sessions/{id}/watch", Tags: tags,
			Summary: "Watch a live session",
			Description: "Allowed for the owner, for anyone when the session is public, and for anyone with its share token. " +
				"The reply names the NATS subject of the live figures: live.watch.<session> for a watcher, whose app " +
				"connections are closed once so they reconnect with the grant (the subject does not name the owner); " +
				"live.session.<your id>.<session> for the owner, which every connection of the owner may subscribe to " +
				"already. 404 for a session you may not see, 409 when it is closed.",
			MaxBodyBytes: 4 << 10, Security: gw.Authenticated,
		}), http.StatusConflict), func(ctx context.Context, in *watchInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectSessionWatch, watchRequest(in))
		})
		huma.Register(a, gw.DocumentBody[api.RouteFeature](a, huma.Operation{
			OperationID: "session-route", Method: http.MethodGet, Path: "/v1/sessions/{id}/route", Tags: tags,
			Summary:     "A finished session's route as GeoJSON",
			Description: "A Feature whose geometry is the route's LineString ([lon, lat], WGS 84); with simplified=true, the line drawn for maps (at most 500 points). 404 until the session is finished.",
			Security:    gw.Authenticated,
		}, "application/geo+json"), func(ctx context.Context, in *routeInput) (*geoJSONOutput, error) {
			reply, err := gw.Forward(ctx, nc, api.SubjectSessionRoute, api.RouteRequest{ID: in.ID, Simplified: in.Simplified})
			if err != nil {
				return nil, err
			}
			return &geoJSONOutput{ContentType: "application/geo+json", Body: reply.Body}, nil
		})
		huma.Register(a, gw.DocumentRaw[api.Session](a, huma.Operation{
			OperationID: "patch-session", Method: http.MethodPatch, Path: "/v1/sessions/{id}", Tags: tags,
			Summary: "Change a session",
			Description: "Title, notes, sport, gear, visibility, perceived effort; absent fields stay. Changing a finished " +
				"session's sport computes its figures again; changing its sport or gear publishes evt.training.session.updated.",
			MaxBodyBytes: 16 << 10, Security: gw.Authenticated,
		}), func(ctx context.Context, in *sessionPatchInput) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectSessionPatch, api.SessionPatch{ID: in.ID, SessionChanges: in.Body})
		})
		huma.Register(a, huma.Operation{
			OperationID: "delete-session", Method: http.MethodDelete, Path: "/v1/sessions/{id}", Tags: tags,
			Summary:       "Delete a session",
			Description:   "With its points and route; evt.training.session.deleted tells the other modules to take back what they counted.",
			DefaultStatus: http.StatusNoContent, Security: gw.Authenticated,
		}, func(ctx context.Context, in *sessionIDInput) (*gw.NoContent, error) {
			return gw.ForwardNoContent(ctx, nc, api.SubjectSessionDelete, api.SessionRef{ID: in.ID})
		})
	})
}

type watchInput struct {
	ID   string `path:"id" format:"uuid" doc:"the session's id"`
	Body *struct {
		ShareToken string `json:"share_token,omitempty" maxLength:"64" doc:"the owner's share link, unless the session is public or yours"`
	}
}

func watchRequest(in *watchInput) api.WatchRequest {
	req := api.WatchRequest{ID: in.ID}
	if in.Body != nil {
		req.ShareToken = in.Body.ShareToken
	}
	return req
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
	Body api.SessionChanges
}

type importInput struct {
	RawBody huma.MultipartFormFiles[struct {
		File       huma.FormFile `form:"file" contentType:"application/octet-stream" required:"true" doc:"the workout file"`
		Sport      string        `form:"sport" required:"false" enum:"run,trail_run,walk,hike,ride,mountain_bike,swim,row,ski,strength,yoga,other" doc:"the file's own sport, else other, unless given"`
		Title      string        `form:"title" required:"false" maxLength:"200" doc:"the file's activity name, else the file name, unless given"`
		Visibility string        `form:"visibility" required:"false" enum:"private,followers,public" doc:"your privacy setting for the sport, unless given"`
	}]
}

// importFile hands the file to the training module through the uploads
// object store (it may be larger than a NATS message) and forwards the
// request. A file the module cannot read is 422, not 400: the request was
// well formed.
func importFile(ctx context.Context, nc *nats.Conn, uploads *bus.UploadStore, in *importInput) (*gw.RawJSON, error) {
	form := in.RawBody.Data()
	if form.File.Size > api.MaxImportBytes {
		return nil, gw.NewError(http.StatusRequestEntityTooLarge, "the file is larger than 25 MB")
	}
	name := uuid.NewString()
	if err := uploads.Put(ctx, name, form.File); err != nil {
		return nil, gw.Problem(err)
	}
	reply, err := gw.Forward(ctx, nc, api.SubjectSessionImport, api.ImportRequest{Upload: name, FileName: form.File.Filename,
		Sport: form.Sport, Title: form.Title, Visibility: form.Visibility})
	if err != nil {
		_ = uploads.Delete(context.WithoutCancel(ctx), name)
		if p := gw.AsProblem(err); p.Code == bus.CodeInvalid && len(p.Errors) > 0 && p.Errors[0].Field == "body.file" {
			p.Status, p.Title = http.StatusUnprocessableEntity, http.StatusText(http.StatusUnprocessableEntity)
			return nil, p
		}
		return nil, err
	}
	return reply, nil
}
