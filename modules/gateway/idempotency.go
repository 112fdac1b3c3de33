package gateway

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humafiber"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/httpkit"
)

// idempotencyKey is the huma middleware that takes the Idempotency-Key
// header of the operations marked httpkit.Idempotent: a well-formed key goes
// on to the module with the request (bus.WithIdempotencyKey); a malformed
// one is refused with 400 before anything runs. Other operations ignore
// the header.
func (f *Front) idempotencyKey(hctx huma.Context, next func(huma.Context)) {
	if !httpkit.IsIdempotent(hctx.Operation()) {
		next(hctx)
		return
	}
	fc := humafiber.Unwrap(hctx)
	values := fc.Request().Header.PeekAll(httpkit.HeaderIdempotencyKey)
	if len(values) == 0 {
		next(hctx)
		return
	}
	key, reason := parseIdempotencyKey(values)
	if reason != "" {
		f.writeProblem(fc, httpkit.NewError(http.StatusBadRequest, "invalid "+httpkit.HeaderIdempotencyKey+" header",
			&huma.ErrorDetail{Location: "header." + httpkit.HeaderIdempotencyKey, Message: reason}), httpkit.RequestID(hctx.Context()))
		return
	}
	next(huma.WithContext(hctx, bus.WithIdempotencyKey(hctx.Context(), key)))
}

// parseIdempotencyKey reads the Idempotency-Key header fields: one field,
// whose value is a Structured Field string (RFC 8941, 3.3.3) as the IETF
// draft defines it, e.g. "8e03978e-40d5-43e8-bc93-6894a57f9324" with its
// quotes; or, as Stripe and most clients send it, the key bare, without
// quotes, of visible ASCII characters other than quotes, backslashes,
// commas and semicolons. The key is 1 to bus.MaxIdempotencyKeyLen
// characters. It returns the key, or why the header was refused.
func parseIdempotencyKey(values [][]byte) (string, string) {
	if len(values) > 1 {
		return "", "send the header once"
	}
	v := strings.Trim(string(values[0]), " \t")
	var key string
	switch {
	case v == "":
		return "", "must not be empty"
	case v[0] == '"':
		var b strings.Builder
		closed := false
		i := 1
		for ; i < len(v) && !closed; i++ {
			c := v[i]
			switch {
			case c == '"':
				closed = true
			case c == '\\':
				if i+1 == len(v) || (v[i+1] != '"' && v[i+1] != '\\') {
					return "", `in a quoted key, a backslash may only escape " or \`
				}
				i++
				b.WriteByte(v[i])
			case c < 0x20 || c > 0x7e:
				return "", "may hold printable ASCII characters only"
			default:
				b.WriteByte(c)
			}
		}
		if !closed {
			return "", "the quoted string is not closed"
		}
		if strings.Trim(v[i:], " \t") != "" {
			return "", "nothing may follow the quoted string"
		}
		key = b.String()
	default:
		for i := 0; i < len(v); i++ {
			if c := v[i]; c <= 0x20 || c > 0x7e || c == '"' || c == '\\' || c == ',' || c == ';' {
				return "", `must be a quoted string ("…") or a key of visible ASCII characters without spaces, quotes, backslashes, commas or semicolons`
			}
		}
		key = v
	}
	switch {
	case key == "":
		return "", "must not be empty"
	case len(key) > bus.MaxIdempotencyKeyLen:
		return "", "at most " + strconv.Itoa(bus.MaxIdempotencyKeyLen) + " characters"
	}
	return key, ""
}

// documentIdempotency documents the Idempotency-Key header of the
// operations marked httpkit.Idempotent, and their answers 409 (the key is in
// use by a request still running) and 422 (the key was used for another
// request).
func documentIdempotency(oapi *huma.OpenAPI, op *huma.Operation) {
	if !httpkit.IsIdempotent(op) {
		return
	}
	op.Parameters = append(op.Parameters, &huma.Param{
		Name: httpkit.HeaderIdempotencyKey, In: "header",
		Description: "Makes the request safe to send again: a retry with the same key within 24 hours (after a lost answer) " +
			"gets the first answer, status and body, and creates nothing more. A key is the caller's own and this operation's; " +
			"use a new random one (a UUID) for every new request. A Structured Field string (\"…\", IETF draft) or the key " +
			"bare, 1 to 255 printable ASCII characters. The same key with a different request answers 422; while the first " +
			"request is still running, 409.",
		Schema:  &huma.Schema{Type: huma.TypeString, MinLength: intPtr(1), MaxLength: intPtr(2*bus.MaxIdempotencyKeyLen + 2)},
		Example: `"8e03978e-40d5-43e8-bc93-6894a57f9324"`,
	})
	for status, desc := range map[int]string{
		http.StatusConflict:            "A request with this Idempotency-Key is still running; try again in a moment.",
		http.StatusUnprocessableEntity: "This Idempotency-Key was used for a different request.",
	} {
		key := strconv.Itoa(status)
		if r, ok := op.Responses[key]; ok {
			r.Description += ". " + desc
			continue
		}
		op.Responses[key] = problemResponse(http.StatusText(status)+". "+desc, problemSchema(oapi))
	}
}

func intPtr(n int) *int { return &n }
