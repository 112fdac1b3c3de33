package gateway

import (
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/athlos/athlos/internal/httpkit"
)

// The API document is made by huma from every module's operations; the
// front completes it so that stock generators (oapi-codegen, openapi-
// typescript) make clients that work with no hand edits (docs/httpkit.md):
//
//   - documentErrors lists the errors each operation can answer, by its
//     shape, beside the module's own (huma.Operation.Errors);
//   - public operations say so (security: []);
//   - finishDocument opens response schemas to new fields and lets
//     nullable enums be null.

// Errors each operation may answer because of its shape, whatever the
// module does: the front refuses malformed input (400), missing or bad
// tokens (401), unknown ids (404), large and unreadable bodies (413,
// 415); and a module that runs nowhere, or is too slow, is 503.
func documentErrors(oapi *huma.OpenAPI, op *huma.Operation) {
	codes := []int{http.StatusServiceUnavailable}
	if len(op.Parameters) > 0 || op.RequestBody != nil {
		codes = append(codes, http.StatusBadRequest)
	}
	if len(op.Security) > 0 {
		codes = append(codes, http.StatusUnauthorized)
	}
	if strings.Contains(op.Path, "{") {
		codes = append(codes, http.StatusNotFound)
	}
	if op.RequestBody != nil {
		codes = append(codes, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType)
	}
	schema := problemSchema(oapi)
	if op.Responses == nil {
		op.Responses = map[string]*huma.Response{}
	}
	// huma documents a 500 for operations that list their errors; the
	// default answer covers it, as every unexpected one.
	delete(op.Responses, strconv.Itoa(http.StatusInternalServerError))
	for _, code := range codes {
		key := strconv.Itoa(code)
		if _, ok := op.Responses[key]; !ok {
			op.Responses[key] = problemResponse(http.StatusText(code), schema)
		}
	}
	if _, ok := op.Responses["default"]; !ok {
		op.Responses["default"] = problemResponse("Error", schema)
	}
	if op.Security == nil {
		// Explicitly public: needs no token.
		op.Security = []map[string][]string{}
	}
}

// problemSchema is the schema of every error answer (httpkit.ProblemDetails).
func problemSchema(oapi *huma.OpenAPI) *huma.Schema {
	t := reflect.TypeOf(huma.NewError(0, ""))
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return oapi.Components.Schemas.Schema(t, true, "Error")
}

func problemResponse(description string, schema *huma.Schema) *huma.Response {
	return &huma.Response{Description: description,
		Content: map[string]*huma.MediaType{httpkit.ContentTypeProblem: {Schema: schema}}}
}

// finishDocument completes the document once every operation is
// registered. Schemas reached only from responses stay open to fields a
// later version adds (clients must ignore what they don't know), while
// request schemas stay closed: the front refuses unknown fields with 400,
// so a client's typo is an error, not silently ignored. A nullable enum
// (a pointer field with an enum tag) lists null among its values, which
// validators and generators otherwise refuse. It returns the names of
// component schemas used by both requests and responses, which stay
// closed.
func finishDocument(oapi *huma.OpenAPI) (shared []string) {
	var requests, responses []*huma.Schema
	for _, item := range oapi.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Put, item.Post, item.Delete, item.Options, item.Head, item.Patch, item.Trace} {
			if op == nil {
				continue
			}
			for _, p := range op.Parameters {
				requests = append(requests, p.Schema)
			}
			if op.RequestBody != nil {
				for _, mt := range op.RequestBody.Content {
					requests = append(requests, mt.Schema)
				}
			}
			for _, r := range op.Responses {
				for _, mt := range r.Content {
					responses = append(responses, mt.Schema)
				}
			}
		}
	}
	return finishSchemas(oapi.Components.Schemas, requests, responses)
}

// finishSchemas applies finishDocument's rules to the schemas of reg that
// requests and responses (the roots) reach: the AsyncAPI document's, where
// what apps send are the requests and what they receive the answers, and
// the OpenAPI document's.
func finishSchemas(reg huma.Registry, requests, responses []*huma.Schema) (shared []string) {
	inRequests, inResponses := map[string]bool{}, map[string]bool{}
	for _, s := range requests {
		walkSchema(reg, s, inRequests, nil)
	}
	for _, s := range responses {
		walkSchema(reg, s, inResponses, nil)
	}
	for name, s := range reg.Map() {
		if inResponses[name] && inRequests[name] {
			shared = append(shared, name)
		}
		if inResponses[name] && !inRequests[name] && s.Type == huma.TypeObject {
			if b, ok := s.AdditionalProperties.(bool); ok && !b {
				s.AdditionalProperties = nil
			}
		}
	}
	seen := map[*huma.Schema]bool{}
	for _, s := range reg.Map() {
		nullEnums(s, seen)
	}
	for _, s := range append(requests, responses...) {
		nullEnums(s, seen)
	}
	slices.Sort(shared)
	return shared
}

// walkSchema marks the component schemas that s reaches.
func walkSchema(reg huma.Registry, s *huma.Schema, names map[string]bool, seen map[*huma.Schema]bool) {
	if s == nil {
		return
	}
	if seen == nil {
		seen = map[*huma.Schema]bool{}
	}
	if seen[s] {
		return
	}
	seen[s] = true
	if s.Ref != "" {
		name := s.Ref[strings.LastIndexByte(s.Ref, '/')+1:]
		if names[name] {
			return
		}
		names[name] = true
		walkSchema(reg, reg.SchemaFromRef(s.Ref), names, seen)
		return
	}
	for _, p := range s.Properties {
		walkSchema(reg, p, names, seen)
	}
	walkSchema(reg, s.Items, names, seen)
	if ap, ok := s.AdditionalProperties.(*huma.Schema); ok {
		walkSchema(reg, ap, names, seen)
	}
	for _, list := range [][]*huma.Schema{s.OneOf, s.AnyOf, s.AllOf} {
		for _, x := range list {
			walkSchema(reg, x, names, seen)
		}
	}
	walkSchema(reg, s.Not, names, seen)
}

// nullEnums adds null to the values of every nullable enum under s.
func nullEnums(s *huma.Schema, seen map[*huma.Schema]bool) {
	if s == nil || seen[s] {
		return
	}
	seen[s] = true
	if s.Nullable && len(s.Enum) > 0 && !slices.Contains(s.Enum, any(nil)) {
		s.Enum = append(s.Enum, nil)
	}
	for _, p := range s.Properties {
		nullEnums(p, seen)
	}
	nullEnums(s.Items, seen)
	if ap, ok := s.AdditionalProperties.(*huma.Schema); ok {
		nullEnums(ap, seen)
	}
	for _, list := range [][]*huma.Schema{s.OneOf, s.AnyOf, s.AllOf} {
		for _, x := range list {
			nullEnums(x, seen)
		}
	}
	nullEnums(s.Not, seen)
}
