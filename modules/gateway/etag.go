package gateway

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"
	"github.com/gofiber/fiber/v2"

	"github.com/athlos/athlos/bus"
)

// Conditional GETs: every successful GET answer of the API carries an
// entity tag, and a client that sends it back in If-None-Match gets 304
// Not Modified with no body when the answer has not changed.
//
// The tag is weak (W/"…"): it is a hash of the answer's body as the module
// produced it, before compression, so the gzip and the plain answer carry
// the same tag, and weak comparison (which If-None-Match uses) is all it
// needs. The hash covers the caller's user id too: two users never share
// a tag, and a 304 is only ever given to the caller the answer is for,
// after the module answered that caller (another user's session is 404,
// never 304).
const (
	headerIfNoneMatch = "If-None-Match"
	headerETag        = "ETag"
	// cacheControlPrivate lets the caller's own client keep a signed-in
	// answer but revalidate it every time; no shared cache keeps it.
	cacheControlPrivate = "private, no-cache"
	// cacheControlPublic is for answers that are the same for everyone.
	cacheControlPublic = "no-cache"
)

// conditional is the huma middleware of every GET operation: after the
// handler it tags a 200 answer, and turns it into 304 when the request's
// If-None-Match names the tag.
func (f *Front) conditional(hctx huma.Context, next func(huma.Context)) {
	next(hctx)
	if hctx.Method() != http.MethodGet {
		return
	}
	fc := humafiber.Unwrap(hctx)
	resp := fc.Response()
	if resp.StatusCode() != http.StatusOK || resp.IsBodyStream() {
		return
	}
	caller, signedIn := bus.CallerFrom(hctx.Context())
	tag := entityTag(caller.UserID, resp.Body())
	resp.Header.Set(headerETag, tag)
	if signedIn {
		resp.Header.Set(fiber.HeaderCacheControl, cacheControlPrivate)
	} else {
		resp.Header.Set(fiber.HeaderCacheControl, cacheControlPublic)
	}
	if !noneMatch(string(fc.Request().Header.Peek(headerIfNoneMatch)), tag) {
		// Not modified: the same headers a 200 would have had for caches
		// (ETag, Cache-Control, Vary), no body, no content type.
		resp.SetStatusCode(http.StatusNotModified)
		resp.ResetBody()
		resp.Header.Del(fiber.HeaderContentType)
		resp.Header.SetNoDefaultContentType(true)
		fc.Vary(fiber.HeaderAcceptEncoding)
	}
}

// entityTag is the weak tag of an answer for user: 128 bits of SHA-256
// over the user id and the body, base64url.
func entityTag(user string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(user))
	h.Write([]byte{0})
	h.Write(body)
	sum := h.Sum(nil)
	return `W/"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
}

// noneMatch evaluates If-None-Match (RFC 9110, 13.1.2) against the
// answer's tag with the weak comparison: false when the header is "*" or
// lists the tag (then the answer is 304), true otherwise, also when the
// header is absent or malformed (it is then ignored).
func noneMatch(header, tag string) bool {
	header = strings.TrimSpace(header)
	if header == "" {
		return true
	}
	if header == "*" {
		return false
	}
	opaque := strings.TrimPrefix(tag, "W/")
	matched := false
	for rest := header; rest != ""; {
		rest = strings.TrimLeft(rest, " \t,")
		if rest == "" {
			break
		}
		candidate := strings.TrimPrefix(rest, "W/")
		if !strings.HasPrefix(candidate, `"`) {
			return true // malformed: ignore the header
		}
		end := strings.IndexByte(candidate[1:], '"')
		if end < 0 {
			return true
		}
		matched = matched || candidate[:end+2] == opaque
		rest = strings.TrimLeft(candidate[end+2:], " \t")
		if rest != "" && rest[0] != ',' {
			return true
		}
	}
	return !matched
}

// documentConditional documents conditional GETs in the OpenAPI
// document: the If-None-Match parameter, the ETag and Cache-Control
// headers of the 200 answer, and the 304 answer.
func documentConditional(_ *huma.OpenAPI, op *huma.Operation) {
	if op.Method != http.MethodGet {
		return
	}
	op.Parameters = append(op.Parameters, &huma.Param{
		Name: headerIfNoneMatch, In: "header",
		Description: "The ETag of an earlier answer (or several, comma-separated): when the answer is unchanged, " +
			"304 Not Modified with no body. Compared weakly; a malformed value is ignored.",
		Schema:  &huma.Schema{Type: huma.TypeString},
		Example: `W/"q3NpO3zBFYo5dJx0c3kO5g"`,
	})
	if ok := op.Responses["200"]; ok != nil {
		if ok.Headers == nil {
			ok.Headers = map[string]*huma.Param{}
		}
		ok.Headers[headerETag] = &huma.Param{Description: "A weak tag of this answer for this caller; send it back in If-None-Match.",
			Schema: &huma.Schema{Type: huma.TypeString}}
		ok.Headers[fiber.HeaderCacheControl] = &huma.Param{Description: "private, no-cache (no-cache without a caller): keep the answer, revalidate it.",
			Schema: &huma.Schema{Type: huma.TypeString}}
	}
	if _, ok := op.Responses["304"]; !ok {
		op.Responses["304"] = &huma.Response{
			Description: "Not Modified: the answer is the one If-None-Match names; no body.",
			Headers: map[string]*huma.Param{
				headerETag: {Description: "The tag of the unchanged answer.", Schema: &huma.Schema{Type: huma.TypeString}},
			},
		}
	}
}
