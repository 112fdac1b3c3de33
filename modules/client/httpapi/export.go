package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"
	"github.com/nats-io/nats.go"

	"github.com/athlos/athlos/bus"
	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/client/api"
)

// noBody is the input of an operation that takes no body: what comes
// anyway is read, to be refused.
type noBody struct {
	RawBody []byte
}

// ExportRoutes returns the data export: POST and GET /v1/me/export, and
// GET /v1/me/export/download.
func ExportRoutes(nc *nats.Conn) gw.Routes {
	return gw.RoutesFunc(func(a huma.API) {
		tags := []string{"profile"}
		huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.Export](a, huma.Operation{
			OperationID: "create-export", Method: http.MethodPost, Path: "/v1/me/export", Tags: tags,
			Summary: "Ask for an archive of your data (GDPR Art. 20)",
			Description: "Starts building a zip archive of everything Athlos holds of you: your profile and gear, your sessions with " +
				"their figures and the GPX of every route, your plans, the groups you are in and the messages you wrote, your " +
				"achievements and the challenges you joined (manifest.json lists the files). It is built in the background: a " +
				"notification (kind export_ready) tells you when it is ready, and GET /v1/me/export says how far it is. " +
				"While one is being built, asking again answers that one (202, same id). One export a day: 429 with Retry-After " +
				"until then (a failed export does not count). The archive can be downloaded for 7 days.",
			DefaultStatus: http.StatusAccepted, Security: gw.Authenticated,
		}), http.StatusTooManyRequests), func(ctx context.Context, in *noBody) (*gw.RawJSON, error) {
			if b := bytes.TrimSpace(in.RawBody); len(b) > 0 && !bytes.Equal(b, []byte("{}")) && !bytes.Equal(b, []byte("null")) {
				// A body the operation cannot use asks for nothing.
				return nil, gw.Problem(bus.Invalid("body", "takes no body (send none, or {})"))
			}
			return gw.Forward(ctx, nc, api.SubjectExportCreate, struct{}{})
		})
		// huma documents a raw body; the operation takes none (or {}).
		rb := a.OpenAPI().Paths["/v1/me/export"].Post.RequestBody
		rb.Required = false
		rb.Description = "none (or an empty object)"
		rb.Content = map[string]*huma.MediaType{"application/json": {Schema: &huma.Schema{Type: huma.TypeObject,
			AdditionalProperties: false, Properties: map[string]*huma.Schema{}}}}

		huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.Export](a, huma.Operation{
			OperationID: "get-export", Method: http.MethodGet, Path: "/v1/me/export", Tags: tags,
			Summary:     "Your latest data export",
			Description: "Its status (pending, ready, failed, expired), and once ready its size, SHA-256, expiry and download URL. 404 when you never asked for one.",
			Security:    gw.Authenticated,
		}), http.StatusNotFound), func(ctx context.Context, _ *struct{}) (*gw.RawJSON, error) {
			return gw.Forward(ctx, nc, api.SubjectExportGet, struct{}{})
		})

		op := gw.DocumentErrors(a, gw.DocumentText(huma.Operation{
			OperationID: "download-export", Method: http.MethodGet, Path: api.ExportDownloadPath, Tags: tags,
			Summary: "Download your data export",
			Description: "The zip archive of your latest export, yours only (with your access token). 404 when none is ready: " +
				"none asked for, still being built, failed, or expired (after 7 days it is deleted). 409 when a new export " +
				"replaced it during the download. The ETag is the archive's SHA-256.",
			Security: gw.Authenticated,
		}, "application/zip"), http.StatusNotFound, http.StatusConflict)
		op.Responses["200"].Content["application/zip"].Schema = &huma.Schema{Type: huma.TypeString, Format: "binary"}
		huma.Register(a, op, func(ctx context.Context, _ *struct{}) (*huma.StreamResponse, error) {
			first, err := part(ctx, nc, api.ExportPartRequest{Seq: 0})
			if err != nil {
				return nil, gw.Problem(err)
			}
			return &huma.StreamResponse{Body: func(hctx huma.Context) {
				// The archive's SHA-256 is its tag: the same archive for
				// the same (only) caller, whatever part is read.
				tag := `W/"` + first.SHA256 + `"`
				hctx.SetHeader("ETag", tag)
				hctx.SetHeader("Cache-Control", "private, no-cache")
				if inm := hctx.Header("If-None-Match"); strings.TrimSpace(inm) == "*" || strings.Contains(inm, `"`+first.SHA256+`"`) {
					hctx.SetStatus(http.StatusNotModified)
					return
				}
				hctx.SetHeader("Content-Type", "application/zip")
				hctx.SetHeader("Content-Disposition", fmt.Sprintf(`attachment; filename="athlos-export-%s.zip"`,
					time.Now().UTC().Format("2006-01-02")))
				hctx.SetHeader("Digest", "sha-256="+first.SHA256)
				hctx.SetStatus(http.StatusOK)
				// The parts are read as the answer is written: the front
				// never holds the archive whole.
				r := &partReader{ctx: context.WithoutCancel(ctx), nc: nc, first: first, cur: first.Data}
				humafiber.Unwrap(hctx).Context().Response.SetBodyStream(r, int(first.SizeBytes))
			}}, nil
		})
	})
}

// part asks for one part of the caller's archive.
func part(ctx context.Context, nc *nats.Conn, req api.ExportPartRequest) (api.ExportPart, error) {
	data, err := json.Marshal(req)
	if err != nil {
		return api.ExportPart{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	reply, err := bus.Request(ctx, nc, api.SubjectExportPart, data, nil)
	if err != nil {
		return api.ExportPart{}, err
	}
	var p api.ExportPart
	if err := json.Unmarshal(reply, &p); err != nil {
		return api.ExportPart{}, fmt.Errorf("client: decode export part: %w", err)
	}
	return p, nil
}

// partReader reads an archive part by part (each one request), all of
// the export the first part named.
type partReader struct {
	ctx   context.Context
	nc    *nats.Conn
	first api.ExportPart
	seq   int
	cur   []byte
}

func (r *partReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.seq+1 >= r.first.Parts {
			return 0, io.EOF
		}
		next, err := part(r.ctx, r.nc, api.ExportPartRequest{ExportID: r.first.ExportID, Seq: r.seq + 1})
		if err != nil {
			return 0, err
		}
		r.seq++
		r.cur = next.Data
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}
