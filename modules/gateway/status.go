package gateway

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/httpkit"
)

// dataModules are the modules whose status the front can ask for.
var dataModules = []string{"client", "training", "social", "gamification", "promo"}

type moduleStatusInput struct {
	Module string `path:"module" enum:"client,training,social,gamification,promo" doc:"module name"`
}

// StatusRoutes registers GET /v1/status/{module}: the front forwards it to
// rpc.<module>.status.get and passes the module's reply through. It answers
// 503 when no process runs the module. It is the smallest forwarded
// operation, used by operators and by the forwarding benchmark.
func StatusRoutes(nc *nats.Conn) httpkit.Routes {
	subjects := map[string]string{}
	for _, m := range dataModules {
		subjects[m] = bus.RPCSubject(m, "status.get")
	}
	return httpkit.RoutesFunc(func(a huma.API) {
		huma.Register(a, httpkit.DocumentRaw[bus.ModuleStatus](a, huma.Operation{
			OperationID: "get-module-status",
			Method:      http.MethodGet,
			Path:        "/v1/status/{module}",
			Summary:     "Status of a module",
			Description: "Asks one process running the module for its version, instance and uptime. 503 when no process runs it.",
			Tags:        []string{"operations"},
		}), func(ctx context.Context, in *moduleStatusInput) (*httpkit.RawJSON, error) {
			reply, err := bus.Request(ctx, nc, subjects[in.Module], nil, nil)
			if err != nil {
				return nil, httpkit.Problem(err)
			}
			return httpkit.JSON(reply), nil
		})
		// Generated clients name the values' constants from the values
		// alone ("client" became a constant Client, which clashed with a
		// generated client's own type): name them.
		for _, p := range a.OpenAPI().Paths["/v1/status/{module}"].Get.Parameters {
			if p.Name == "module" && p.Schema != nil {
				names := make([]string, len(dataModules))
				for i, m := range dataModules {
					names[i] = "Module" + strings.ToUpper(m[:1]) + m[1:]
				}
				p.Schema.Extensions = map[string]any{"x-enum-varnames": names}
			}
		}
	})
}
