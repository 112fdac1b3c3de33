package gateway

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseIdempotencyKey(t *testing.T) {
	for _, c := range []struct{ header, key string }{
		{`"8e03978e-40d5-43e8-bc93-6894a57f9324"`, "8e03978e-40d5-43e8-bc93-6894a57f9324"},
		{`8e03978e-40d5-43e8-bc93-6894a57f9324`, "8e03978e-40d5-43e8-bc93-6894a57f9324"},
		{` "a b" `, "a b"},
		{`"say \"hi\" \\o/"`, `say "hi" \o/`},
		{`KG5LxwFBepaKHyUD`, "KG5LxwFBepaKHyUD"},
		{`"` + strings.Repeat("x", 255) + `"`, strings.Repeat("x", 255)},
		{strings.Repeat("y", 255), strings.Repeat("y", 255)},
	} {
		key, reason := parseIdempotencyKey([][]byte{[]byte(c.header)})
		assert.Empty(t, reason, c.header)
		assert.Equal(t, c.key, key, c.header)
	}
	for _, c := range []struct{ header, reason string }{
		{``, "must not be empty"},
		{`   `, "must not be empty"},
		{`""`, "must not be empty"},
		{`"` + strings.Repeat("x", 256) + `"`, "at most 255 characters"},
		{strings.Repeat("y", 256), "at most 255 characters"},
		{`"unterminated`, "not closed"},
		{`"bad \escape"`, "backslash"},
		{`"trailing\`, "backslash"},
		{`"key";param=1`, "nothing may follow"},
		{`"a" "b"`, "nothing may follow"},
		{"\"caf\xc3\xa9\"", "printable ASCII"},
		{"\"tab\there\"", "printable ASCII"},
		{"caf\xc3\xa9", "visible ASCII"},
		{`two words`, "visible ASCII"},
		{`a,b`, "visible ASCII"},
		{`a;b`, "visible ASCII"},
		{`a"b`, "visible ASCII"},
	} {
		key, reason := parseIdempotencyKey([][]byte{[]byte(c.header)})
		assert.Empty(t, key, c.header)
		assert.Contains(t, reason, c.reason, c.header)
	}
	_, reason := parseIdempotencyKey([][]byte{[]byte(`"a"`), []byte(`"a"`)})
	assert.Equal(t, "send the header once", reason)
}
