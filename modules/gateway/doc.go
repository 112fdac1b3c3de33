// Package gateway is the HTTP front of Athlos (docs/architecture.md, How a request travels): fiber v2 with huma
// v2 on top, serving the operations that every module's httpapi package
// registers through api.Routes, wherever the module itself runs.
//
// What every request gets, in one middleware (see serve.go):
//
//   - a request id: the client's X-Request-ID when sane (1..128 visible ASCII
//     characters), else a new UUID; echoed in the response header, carried by
//     the handler's context (api.RequestID) to be forwarded in NATS headers,
//     and written in the access log line;
//   - a context with the Config.RequestTimeout deadline, so that RPCs made
//     with it stop waiting; a handler error wrapping context.DeadlineExceeded
//     becomes 504 "timeout";
//   - errors as RFC 9457 application/problem+json (api.ProblemDetails) with a
//     code, the request id and field errors: huma's validation failures and
//     malformed JSON (400), unknown routes (404), a known path with the wrong
//     method (405, with Allow), a body over Config.BodyLimit (413), bus errors
//     by bus.Code.HTTPStatus(), panics and other errors as a generic 500;
//   - metrics athlos_http_requests_total{method,route,status} and
//     athlos_http_request_duration_seconds{method,route}, where route is the
//     route template ("/v1/sessions/{id}") or "unmatched", never the raw path;
//   - one structured access log line: method, route, status, duration,
//     request_id, and the cause of an error answer (logged, never sent);
//   - CORS, when Config.CORSOrigins allows origins (cors.go): preflights of
//     every path answered, allowed and exposed headers, no credentials;
//   - gzip of text answers over MinCompressBytes when the client accepts it,
//     and Vary: Accept-Encoding on every text answer (compress.go);
//   - on a 429, the RateLimit-Policy and RateLimit headers of the policies
//     that refused it (api.SetRateLimitHeaders), besides Retry-After.
//
// And every operation, in huma middlewares: the access token checked
// (auth_middleware.go); for operations marked api.Idempotent, the Idempotency-Key
// header checked and passed on to the module (idempotency.go, bus.Once);
// for GETs, a weak ETag over the caller and the body, and 304 Not
// Modified when If-None-Match names it (etag.go). The OpenAPI document
// shows these headers and answers.
//
// Operational endpoints: /livez, /readyz (runs the readiness checks),
// /metrics, and the OpenAPI 3.1 document at /openapi.json (/openapi.yaml)
// with its docs page at /docs (docs.go: Stoplight Elements, a pinned build
// vendored in docsassets/ and embedded, so the page needs no other host).
// /live/<share token> is the live-tracking page of a shared session
// (live.go: its script, stylesheet and a pinned nats.ws build vendored in
// liveassets/ and embedded; it calls POST /v1/live/{token} and follows the
// session over NATS WebSocket; --live-tiles-url adds a map).
// /asyncapi.json is the AsyncAPI 3.0 document of the real-time API (NATS
// over WebSocket): the channels every module's httpapi package describes
// (api.Channel), their payloads' schemas made from the Go types by huma's
// registry as the OpenAPI document's are.
//
// The package holds no NATS and no SQL: forwarding lives in each module's
// httpapi, readiness checks are given to New.
//
// One process-wide effect: New replaces huma.NewError (once) so that huma's
// own errors are built as api.ProblemDetails.
package gateway
