// Package modules is the registry of Athlos's modules: it turns a list of
// module names into the fx options that run them. It is part of the
// composition root, like cmd/athlos, and the only place (with the gateway)
// that may import a module's httpapi package.
package modules

import (
	"errors"
	"fmt"
	"slices"

	"github.com/nats-io/nats.go"
	"github.com/urfave/cli/v3"
	"go.uber.org/fx"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/client"
	clientapi "github.com/athlos/athlos/modules/client/api"
	clienthttp "github.com/athlos/athlos/modules/client/httpapi"
	"github.com/athlos/athlos/modules/gamification"
	gamificationapi "github.com/athlos/athlos/modules/gamification/api"
	gamificationhttp "github.com/athlos/athlos/modules/gamification/httpapi"
	"github.com/athlos/athlos/modules/gateway"
	"github.com/athlos/athlos/modules/promo"
	promoapi "github.com/athlos/athlos/modules/promo/api"
	promohttp "github.com/athlos/athlos/modules/promo/httpapi"
	"github.com/athlos/athlos/modules/social"
	socialapi "github.com/athlos/athlos/modules/social/api"
	socialhttp "github.com/athlos/athlos/modules/social/httpapi"
	"github.com/athlos/athlos/modules/training"
	trainingapi "github.com/athlos/athlos/modules/training/api"
	traininghttp "github.com/athlos/athlos/modules/training/httpapi"
	"github.com/athlos/athlos/platform"
)

// HTTPRoutes returns the HTTP operations of every module, served by the
// front wherever the modules themselves run. Each module's httpapi package
// adds its constructor here; the gateway module receives them through the
// fx value group "routes".
//
// node gives the NATS WebSocket URLs of this node and the others of its
// cluster for a request's Host (platform.NodeWebSocketURLs; nil in the API
// document).
func HTTPRoutes(nc *nats.Conn, node func(host string) []string) []httpkit.Routes {
	return append(gateway.Routes(nc),
		clienthttp.Routes(nc),
		clienthttp.ProfileRoutes(nc),
		clienthttp.ExportRoutes(nc),
		clienthttp.GearRoutes(nc),
		clienthttp.RealtimeRoutes(nc, node),
		traininghttp.DeviceRoutes(nc),
		traininghttp.SessionRoutes(nc),
		traininghttp.ImportRoutes(nc),
		traininghttp.LiveRoutes(nc),
		traininghttp.LivePageRoutes(nc, node),
		traininghttp.ExerciseRoutes(nc),
		traininghttp.LapRoutes(nc),
		traininghttp.AnalyticsRoutes(nc),
		traininghttp.PlanRoutes(nc),
		traininghttp.ZoneRoutes(nc),
		socialhttp.Routes(nc),
		socialhttp.GroupRoutes(nc),
		socialhttp.NotificationRoutes(nc),
		socialhttp.PushRoutes(nc),
		socialhttp.ChatRoutes(nc),
		socialhttp.FollowRoutes(nc),
		gamificationhttp.Routes(nc),
		promohttp.Routes(nc),
	)
}

// OpenAPI returns the API document of all modules (what /openapi.json serves).
func OpenAPI() ([]byte, error) {
	return gateway.OpenAPI(HTTPRoutes(nil, nil))
}

// Channels returns the real-time channels of every module (NATS subjects
// the app publishes on or subscribes to, and their messages), served by
// the front as /asyncapi.json wherever the modules run. Each module's
// httpapi package adds its own here, as with HTTPRoutes; the gateway
// module receives them through the fx value group "channels".
func Channels() []httpkit.Channel {
	return slices.Concat(
		clienthttp.Channels(),
		traininghttp.Channels(),
		socialhttp.Channels(),
		socialhttp.NotificationChannels(),
		socialhttp.ChatChannels(),
		gamificationhttp.Channels(),
		promohttp.Channels(),
	)
}

// AsyncAPI returns the real-time API document of all modules (what
// /asyncapi.json serves).
func AsyncAPI() ([]byte, error) {
	return gateway.AsyncAPI(Channels())
}

// Entry is one module of the registry: everything the rest of the program
// needs to know of it, the one place that lists the modules.
type Entry struct {
	// Name is the module's name: its schema, event stream and subject
	// prefix.
	Name string
	// OwnsData: the module has a schema (migrations/<name>), an event
	// stream (EVT_<NAME>) and a database pool.
	OwnsData bool
	// option runs the module with its configuration.
	option func(Configs) fx.Option
}

// Registry lists every module in start order, the gateway (the HTTP
// front) last.
func Registry() []Entry {
	return []Entry{
		{Name: clientapi.Module, OwnsData: true, option: func(c Configs) fx.Option { return client.Module(c.Client) }},
		{Name: trainingapi.Module, OwnsData: true, option: func(c Configs) fx.Option { return training.Module(c.Training) }},
		{Name: socialapi.Module, OwnsData: true, option: func(c Configs) fx.Option { return social.Module(c.Social) }},
		{Name: gamificationapi.Module, OwnsData: true, option: func(Configs) fx.Option { return gamification.Module() }},
		{Name: promoapi.Module, OwnsData: true, option: func(Configs) fx.Option { return promo.Module() }},
		{Name: platform.Gateway, option: func(c Configs) fx.Option { return gateway.Module(c.Gateway) }},
	}
}

// realtimeGrants are the modules that grant app users real-time subjects
// at connect time, for the client module's auth callout: each declares
// its grants RPC, the prefix of what it grants and the event by which it
// says a user's grants changed, in its own api package.
func realtimeGrants() []client.GrantSource {
	return []client.GrantSource{
		{Module: trainingapi.Module, Subject: trainingapi.SubjectRealtimeGrants, Prefix: trainingapi.SubjectLiveWatch,
			Changed: trainingapi.EventRealtimeGrantsChanged},
		// The group chat: chat.<group> of the user's groups.
		{Module: socialapi.Module, Subject: socialapi.SubjectRealtimeGrants, Prefix: socialapi.SubjectChat,
			Changed: socialapi.EventRealtimeGrantsChanged},
	}
}

// Catalogue is the registry as the platform sees it (platform.Config's
// Catalogue): which modules exist and which own data.
func Catalogue() []platform.ModuleInfo {
	var out []platform.ModuleInfo
	for _, e := range Registry() {
		out = append(out, platform.ModuleInfo{Name: e.Name, OwnsData: e.OwnsData})
	}
	return out
}

// Configs is the configuration of every module that has one (each
// module owns its Config, its defaults and its flags).
type Configs struct {
	Gateway  gateway.Config
	Client   client.Config
	Training training.Config
	Social   social.Config
}

// DefaultConfigs are every module's defaults.
func DefaultConfigs() Configs {
	c := Configs{Gateway: gateway.DefaultConfig(), Client: client.DefaultConfig(), Training: training.DefaultConfig(),
		Social: social.DefaultConfig()}
	c.Client.Grants = realtimeGrants()
	return c
}

// Flags are every module's flags, setting c.
func (c *Configs) Flags() []cli.Flag {
	return slices.Concat(c.Gateway.Flags(), c.Client.Flags(), c.Training.Flags(), c.Social.Flags())
}

// Validate checks every module's configuration.
func (c *Configs) Validate() error {
	return errors.Join(c.Gateway.Validate(), c.Client.Validate(), c.Training.Validate(), c.Social.Validate())
}

// Options returns the fx options that run the given modules with their
// configurations, in the registry's order.
func Options(names []string, cfg Configs) (fx.Option, error) {
	reg := Registry()
	for _, want := range names {
		if !slices.ContainsFunc(reg, func(e Entry) bool { return e.Name == want }) {
			return nil, fmt.Errorf("unknown module %q", want)
		}
	}
	var opts []fx.Option
	for _, e := range reg {
		if slices.Contains(names, e.Name) {
			opts = append(opts, e.option(cfg))
		}
	}
	opts = append(opts, fx.Provide(fx.Annotate(
		func(c *bus.Conn, emb *bus.Embedded, pc *platform.Config) []httpkit.Routes {
			return HTTPRoutes(c.NC, platform.NodeWebSocketURLs(pc, emb))
		},
		fx.ResultTags(`group:"routes,flatten"`),
	)), fx.Provide(fx.Annotate(Channels, fx.ResultTags(`group:"channels,flatten"`))))
	return fx.Options(opts...), nil
}

// Names are the names of every module, in start order.
func Names() []string {
	var out []string
	for _, e := range Registry() {
		out = append(out, e.Name)
	}
	return out
}

// DataModules are the modules that own a schema and an event stream.
func DataModules() []string {
	var out []string
	for _, e := range Registry() {
		if e.OwnsData {
			out = append(out, e.Name)
		}
	}
	return out
}
