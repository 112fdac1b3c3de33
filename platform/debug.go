package platform

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"time"

	"go.uber.org/fx"
)

// checkDebugListen accepts a loopback address for the debug listener
// (DebugListen): profiles and goroutine dumps say much about the process,
// so they are for whoever can log in to the machine, or reach it through
// ssh -L or kubectl port-forward, never for the network.
func checkDebugListen(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--debug-listen %q: want host:port, e.g. 127.0.0.1:6060: %w", addr, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("--debug-listen %q: bad port %q", addr, port)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("--debug-listen %q: the profiling listener takes loopback addresses only (127.0.0.1:6060, [::1]:6060, "+
			"localhost:6060); reach it from elsewhere through ssh -L or kubectl port-forward", addr)
	}
	return nil
}

// debugHandler serves net/http/pprof under /debug/pprof/, and nothing else.
func debugHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// startDebugListener serves debugHandler on cfg.DebugListen from the app's
// start to its stop; a taken port fails the start.
func startDebugListener(lc fx.Lifecycle, cfg *Config, log *slog.Logger) {
	srv := &http.Server{Handler: debugHandler(), ReadHeaderTimeout: 10 * time.Second}
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			ln, err := net.Listen("tcp", cfg.DebugListen)
			if err != nil {
				return fmt.Errorf("debug listener: %w", err)
			}
			log.Info("debug listening (pprof)", "url", "http://"+ln.Addr().String()+"/debug/pprof/")
			go func() {
				if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
					log.Error("debug listener failed", "err", err)
				}
			}()
			return nil
		},
		OnStop: func(ctx context.Context) error {
			// A profile being taken would hold Shutdown for its duration.
			_ = srv.Close()
			return nil
		},
	})
}
