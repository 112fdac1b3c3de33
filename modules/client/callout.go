package client

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/client/internal/callout"
	"github.com/athlos/athlos/modules/client/internal/rpc"
	trainingapi "github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/platform"
)

// startCallout runs the NATS auth callout for app users (package callout)
// and answers rpc.client.realtime.get (GET /v1/realtime). keys are the
// service's signing keys, loaded before. emb is the embedded NATS server
// (nil on an external NATS).
func startCallout(sctx platform.StartContext, lc fx.Lifecycle, cfg *platform.Config, rt *platform.Runtime,
	key platform.SecretKey, emb *bus.Embedded, keys callout.Keys, grants []GrantSource, reg prometheus.Registerer) error {
	issuer, xkey, err := bus.CalloutKeys(key)
	if err != nil {
		return err
	}
	wsPort := 0
	if emb != nil {
		if _, p, err := net.SplitHostPort(emb.WebSocketAddr()); err == nil {
			wsPort, _ = strconv.Atoi(p)
		}
	}
	// The system account closes users' connections when their grants
	// change: built in on the embedded server, configured on an external one.
	sys, err := platform.ConnectSystem(sctx, lc, cfg, emb, "athlos:client:system", rt.Log)
	if err != nil {
		return fmt.Errorf("closing app connections: %w", err)
	}
	if sys == nil {
		rt.Log.Info("no NATS system account credentials (--nats-system-password or --nats-system-creds): app " +
			"connections keep their grants until they reconnect, at the latest when their token expires")
	}
	sources := make([]callout.Source, len(grants))
	for i, g := range grants {
		sources[i] = callout.Source{Module: g.Module, Subject: g.Subject, Prefix: g.Prefix, Changed: g.Changed}
	}
	c, err := callout.New(callout.Config{
		NC: rt.Bus.NC, Issuer: issuer, XKey: xkey, Keys: keys, System: sys, Sources: sources,
		LiveWatch: callout.LiveWatch{Authorize: trainingapi.SubjectLiveAuthorize, Closed: trainingapi.EventLiveLinkClosed},
		PublicURL: cfg.NATS.PublicWebSocketURL, WebSocketPort: wsPort, Log: rt.Log,
	})
	if err != nil {
		return err
	}
	if err := rpc.RegisterRealtime(rt.Service, c); err != nil {
		return err
	}
	if err := reg.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "athlos_client_realtime_changes_closed_total",
		Help: "Events that change what app connections may do (grants changed, sessions revoked, accounts deleted, " +
			"live links closed) whose users' connections this process closed, so they reconnect with their new grants."},
		func() float64 { return float64(c.Closed()) })); err != nil {
		return err
	}
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			if err := c.Start(); err != nil {
				return err
			}
			// An operator of an external NATS copies these into its
			// auth_callout block (docs/configuration.md).
			rt.Log.Info("nats auth callout ready", "issuer", c.IssuerPublicKey(), "xkey", c.XKeyPublicKey(),
				"embedded", emb != nil, "can_disconnect", sys != nil)
			return nil
		},
		OnStop: c.Stop,
	})
	return nil
}
