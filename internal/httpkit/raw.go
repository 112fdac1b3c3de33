package httpkit

import (
	"net/http"
	"reflect"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
)

// RawJSON is an operation output whose Body is sent verbatim as
// application/json: huma writes a []byte body as it is, with no decoding or
// re-encoding, so a module's reply from NATS passes straight through.
//
//	huma.Register(a, api.DocumentRaw[SessionView](a, huma.Operation{
//		OperationID: "get-session", Method: http.MethodGet, Path: "/v1/sessions/{id}",
//	}), func(ctx context.Context, in *GetSessionInput) (*api.RawJSON, error) {
//		reply, err := rpc(ctx, in) // []byte of the module's JSON answer
//		if err != nil {
//			return nil, api.Problem(err)
//		}
//		return api.JSON(reply), nil
//	})
//
// Body must stay a plain []byte (a named byte-slice type would be encoded as
// a base64 string). For another success status set Operation.DefaultStatus.
type RawJSON struct {
	ContentType string `header:"Content-Type" hidden:"true"`
	Body        []byte
}

// JSON wraps already-encoded JSON as an operation output.
func JSON(body []byte) *RawJSON {
	return &RawJSON{ContentType: "application/json", Body: body}
}

// DocumentRaw documents the success response of op as the JSON schema of T,
// for operations whose output is RawJSON (whose []byte body huma would
// otherwise document as a binary string). It returns op for use inline in
// huma.Register.
func DocumentRaw[T any](a huma.API, op huma.Operation) huma.Operation {
	return DocumentBody[T](a, op, "application/json")
}

// DocumentBody is DocumentRaw for a JSON body of another media type, e.g.
// application/geo+json.
func DocumentBody[T any](a huma.API, op huma.Operation, mediaType string) huma.Operation {
	schema := a.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[T](), true, op.OperationID+"Response")
	return documentSuccess(op, mediaType, schema)
}

// DocumentText documents the success response of op as text of mediaType
// (e.g. application/gpx+xml), for an output whose Body is []byte.
func DocumentText(op huma.Operation, mediaType string) huma.Operation {
	return documentSuccess(op, mediaType, &huma.Schema{Type: huma.TypeString, Extensions: map[string]any{"contentMediaType": mediaType}})
}

func documentSuccess(op huma.Operation, mediaType string, schema *huma.Schema) huma.Operation {
	status := op.DefaultStatus
	if status == 0 {
		status = http.StatusOK
	}
	if op.Responses == nil {
		op.Responses = map[string]*huma.Response{}
	}
	key := strconv.Itoa(status)
	resp := op.Responses[key]
	if resp == nil {
		resp = &huma.Response{Description: http.StatusText(status)}
		op.Responses[key] = resp
	}
	if resp.Content == nil {
		resp.Content = map[string]*huma.MediaType{}
	}
	resp.Content[mediaType] = &huma.MediaType{Schema: schema}
	return op
}

// DocumentErrors documents the error answers op gives beyond those of its
// shape, which the front documents by itself (400 for malformed input, 401
// for an operation that needs a token, 404 for one with ids in its path,
// 413 and 415 for one with a body, 503 for every one): e.g. 409 for a
// conflict, 422 for a file that can't be read, 429 for throttling. Each is
// application/problem+json. It returns op for use inline in huma.Register.
func DocumentErrors(a huma.API, op huma.Operation, codes ...int) huma.Operation {
	if op.Responses == nil {
		op.Responses = map[string]*huma.Response{}
	}
	schema := a.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[ProblemDetails](), true, "Error")
	for _, code := range codes {
		op.Responses[strconv.Itoa(code)] = &huma.Response{Description: http.StatusText(code),
			Content: map[string]*huma.MediaType{ContentTypeProblem: {Schema: schema}}}
	}
	return op
}
