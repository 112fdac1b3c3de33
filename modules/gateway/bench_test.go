package gateway_test

import (
	"io"
	"log/slog"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"github.com/valyala/fasthttp"

	"github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/gateway"
)

// BenchmarkServe measures the front's own cost per request (no network): a
// GET with a path parameter through the middleware, huma and a RawJSON reply.
//
//	go test -run '^$' -bench Serve -benchmem ./modules/gateway/
func BenchmarkServe(b *testing.B) {
	for _, bc := range []struct {
		name  string
		level slog.Level
	}{
		{"accesslog-off", slog.LevelWarn},
		{"accesslog-json", slog.LevelInfo},
	} {
		b.Run(bc.name, func(b *testing.B) {
			logger := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: bc.level}))
			f, err := gateway.New(gateway.FrontConfig{}, logger, prometheus.NewRegistry(), nil, []httpkit.Routes{httpkit.RoutesFunc(thingRoutes)})
			require.NoError(b, err)
			h := f.App().Handler()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				var ctx fasthttp.RequestCtx
				for pb.Next() {
					ctx.Request.Reset()
					ctx.Response.Reset()
					ctx.Request.Header.SetMethod("GET")
					ctx.Request.SetRequestURI("/v1/things/raw")
					h(&ctx)
					if ctx.Response.StatusCode() != 200 {
						b.Fatalf("status %d", ctx.Response.StatusCode())
					}
				}
			})
		})
	}
}
