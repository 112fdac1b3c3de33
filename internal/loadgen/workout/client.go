package workout

import (
	"context"
	"net/http"

	"github.com/athlos/athlos/internal/loadgen/app"
	clientapi "github.com/athlos/athlos/modules/client/api"
	trainingapi "github.com/athlos/athlos/modules/training/api"
)

// httpAPI calls the public HTTP API of one Athlos, as the app does.
type httpAPI struct {
	*app.Client
}

// newHTTPAPI is the API of the front at base.
func newHTTPAPI(base string, hc *http.Client) *httpAPI { return &httpAPI{app.New(base, hc)} }

// StatusError is an HTTP answer with an unexpected status.
type StatusError = app.StatusError

func statusOf(err error) int { return app.StatusOf(err) }

func (c *httpAPI) startSession(ctx context.Context, token string) (trainingapi.Session, error) {
	var s trainingapi.Session
	err := c.Do(ctx, http.MethodPost, "/v1/sessions", token,
		trainingapi.SessionStart{Sport: "run", Visibility: "public", Title: "loadgen run"},
		&s, http.StatusCreated, http.StatusOK)
	return s, err
}

func (c *httpAPI) session(ctx context.Context, token, id string) (trainingapi.Session, error) {
	var s trainingapi.Session
	err := c.Do(ctx, http.MethodGet, "/v1/sessions/"+id, token, nil, &s, http.StatusOK)
	return s, err
}

func (c *httpAPI) finishSession(ctx context.Context, token, id string) (trainingapi.Session, error) {
	var s trainingapi.Session
	err := c.Do(ctx, http.MethodPost, "/v1/sessions/"+id+"/finish", token, nil, &s, http.StatusOK)
	return s, err
}

func (c *httpAPI) realtime(ctx context.Context, token string) (clientapi.RealtimeInfo, error) {
	var info clientapi.RealtimeInfo
	err := c.Do(ctx, http.MethodGet, "/v1/realtime", token, nil, &info, http.StatusOK)
	return info, err
}
