package httpkit

import "github.com/danielgtaylor/huma/v2"

// HeaderIdempotencyKey is the request header that makes a creating POST
// safe to send again (IETF draft "The Idempotency-Key HTTP Header Field").
const HeaderIdempotencyKey = "Idempotency-Key"

// metadataIdempotent marks, in huma.Operation.Metadata, an operation that
// takes the Idempotency-Key header.
const metadataIdempotent = "athlos-idempotent"

// Idempotent marks op as taking an Idempotency-Key header, and returns it
// for use inline in huma.Register. The front then checks the header (400
// when it is malformed), documents it, and passes the key on to the
// module with the request (bus.WithIdempotencyKey), whose use case must
// run in bus.Once for the key to take effect.
func Idempotent(op huma.Operation) huma.Operation {
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	op.Metadata[metadataIdempotent] = true
	return op
}

// IsIdempotent reports whether op was marked with Idempotent.
func IsIdempotent(op *huma.Operation) bool {
	if op == nil {
		return false
	}
	v, _ := op.Metadata[metadataIdempotent].(bool)
	return v
}
