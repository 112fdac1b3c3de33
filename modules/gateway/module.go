package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/httpkit"
	clientapi "github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/platform"
)

type frontParams struct {
	fx.In
	Lifecycle fx.Lifecycle
	Config    *platform.Config
	HTTP      Config
	Log       *slog.Logger
	Registry  *prometheus.Registry
	Health    *platform.Health
	Bus       *bus.Conn
	// Routes of every module, from the composition root (package modules).
	Routes []httpkit.Routes `group:"routes"`
	// Channels of every module: the real-time API (/asyncapi.json).
	Channels []httpkit.Channel `group:"channels"`
}

// replayDeletions denies the users deleted, and the sign-in sessions
// revoked, within the life of an access token (from the client module's
// event stream), so that a front that starts after them refuses those
// tokens as the fronts that saw the events do. It answers how many.
func replayDeletions(ctx context.Context, b *bus.Conn, v *JWKSVerifier) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	since := time.Now().Add(-deniedFor)
	cons, err := b.JS.OrderedConsumer(ctx, bus.EventStream(clientapi.Module), jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{clientapi.EventUserDeleted, clientapi.EventSessionRevoked},
		DeliverPolicy:  jetstream.DeliverByStartTimePolicy, OptStartTime: &since})
	if err != nil {
		return 0, err
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return 0, err
	}
	// Read what the stream held when the consumer was made.
	n := 0
	for seen := uint64(0); seen < info.NumPending; {
		msgs, err := cons.Fetch(int(min(info.NumPending-seen, 500)), jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return n, err
		}
		got := 0
		for m := range msgs.Messages() {
			got++
			if m.Subject() == clientapi.EventSessionRevoked {
				var ev clientapi.SessionRevoked
				if json.Unmarshal(m.Data(), &ev) == nil {
					for _, sid := range ev.SessionIDs {
						v.DenySession(sid)
					}
					n++
				}
				continue
			}
			var ev clientapi.UserDeleted
			if json.Unmarshal(m.Data(), &ev) == nil && ev.UserID != "" {
				v.Deny(ev.UserID)
				n++
			}
		}
		if err := msgs.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
			return n, err
		}
		if got == 0 {
			return n, nil
		}
		seen += uint64(got)
	}
	return n, nil
}

// Routes are the front's own operations (besides /livez, /readyz and
// /metrics, which are not part of the API document).
func Routes(nc *nats.Conn) []httpkit.Routes { return []httpkit.Routes{StatusRoutes(nc)} }

// Module runs the HTTP front with cfg: every module's routes, wherever
// the module itself runs, plus /livez, /readyz, /metrics, /openapi.json,
// /asyncapi.json (every module's real-time channels) and /docs.
func Module(cfg Config) fx.Option {
	return fx.Module("gateway", fx.Supply(cfg), fx.Invoke(start))
}

func start(p frontParams) (*Front, error) {
	routes := p.Routes
	verifier := NewJWKSVerifier(p.Bus.NC, p.Log)
	proxies, err := ParseTrustedProxies(p.HTTP.TrustedProxies)
	if err != nil {
		return nil, err
	}
	asyncAPI, err := AsyncAPI(p.Channels)
	if err != nil {
		return nil, err
	}
	origins, err := ParseCORSOrigins(p.HTTP.CORSOrigins)
	if err != nil {
		return nil, err
	}
	f, err := New(FrontConfig{
		TrustedProxies: proxies,
		CORSOrigins:    origins,
		LiveTilesURL:   p.HTTP.LiveTilesURL,
		Verifier:       verifier,
		Addr:           p.HTTP.Listen,
		BodyLimit:      p.HTTP.BodyLimit,
		RequestTimeout: p.HTTP.RequestTimeout,
		Version:        APIVersion,
		AccessLogLevel: slog.LevelInfo,
		DrainPeriod:    p.HTTP.DrainPeriod,
		AsyncAPI:       asyncAPI,
	}, p.Log, p.Registry, nil, routes)
	if err != nil {
		return nil, err
	}
	var subs []*nats.Subscription
	p.Lifecycle.Append(fx.Hook{
		OnStart: func(ctx context.Context) error {
			// Deleted users lose access at once; rotated keys are
			// fetched at once. Core subscriptions: every front process
			// must see every such event.
			for subject, fn := range map[string]func(*nats.Msg){
				clientapi.EventUserDeleted: func(m *nats.Msg) {
					var ev clientapi.UserDeleted
					if json.Unmarshal(m.Data, &ev) == nil && ev.UserID != "" {
						verifier.Deny(ev.UserID)
					}
				},
				clientapi.EventSessionRevoked: func(m *nats.Msg) {
					var ev clientapi.SessionRevoked
					if json.Unmarshal(m.Data, &ev) == nil {
						for _, sid := range ev.SessionIDs {
							verifier.DenySession(sid)
						}
					}
				},
				clientapi.EventKeysRotated: func(*nats.Msg) {
					if err := verifier.Refresh(context.Background()); err != nil {
						p.Log.Warn("refresh signing keys", "err", err)
					}
				},
			} {
				sub, err := p.Bus.NC.Subscribe(subject, fn)
				if err != nil {
					return err
				}
				subs = append(subs, sub)
			}
			// Deletions and revoked sessions before this start (the
			// subscriptions above see only new ones): their tokens
			// stay refused.
			if n, err := replayDeletions(ctx, p.Bus, verifier); err != nil {
				p.Log.Warn("recent account deletions not read; their tokens work until they expire", "err", err)
			} else if n > 0 {
				p.Log.Info("recent account deletions read", "users", n)
			}
			// Every constructor has run by now: take all checks.
			for _, c := range p.Health.Checks() {
				if err := f.AddCheck(Check(c)); err != nil {
					return err
				}
			}
			return f.Start(ctx)
		},
		OnStop: func(ctx context.Context) error {
			for _, sub := range subs {
				_ = sub.Unsubscribe()
			}
			return f.Stop(ctx)
		},
	})
	return f, nil
}
