package httpapi

import (
	"context"
	"net/http"
	"sync"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/athlos/athlos/bus"
	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/training/api"
)

// MaxUploadsInFlight bounds the imports one front passes on at once;
// more answer 503 with Retry-After.
const MaxUploadsInFlight = 8

// ImportRoutes returns the import of workout files
// (POST /v1/sessions/import).
func ImportRoutes(nc *nats.Conn) gw.Routes {
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
	})
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
