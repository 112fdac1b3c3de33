package gateway

import (
	"encoding/json"

	"github.com/athlos/athlos/internal/httpkit"
)

// APIVersion is the version of the HTTP API document (info.version), which
// changes with the API, not with every build.
const APIVersion = "1.0.0"

// OpenAPI returns the OpenAPI 3.1 document of the front with the given
// routes, as /openapi.json serves it, without starting anything.
func OpenAPI(routes []httpkit.Routes) ([]byte, error) {
	f, err := New(FrontConfig{Version: APIVersion}, nil, nil, nil, routes)
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(f.API().OpenAPI(), "", "  ")
}
