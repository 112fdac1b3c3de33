package gateway

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEntityTag(t *testing.T) {
	a := entityTag("u1", []byte(`{"x":1}`))
	assert.Regexp(t, `^W/"[A-Za-z0-9_-]{22}"$`, a)
	assert.Equal(t, a, entityTag("u1", []byte(`{"x":1}`)), "stable")
	assert.NotEqual(t, a, entityTag("u2", []byte(`{"x":1}`)), "per user")
	assert.NotEqual(t, a, entityTag("u1", []byte(`{"x":2}`)), "per body")
	assert.NotEqual(t, entityTag("u1", []byte("0x")), entityTag("u10", []byte("x")), "user and body are kept apart")
}

func TestNoneMatch(t *testing.T) {
	tag := `W/"abc"`
	for header, want := range map[string]bool{
		"":                          true,
		"*":                         false,
		`W/"abc"`:                   false,
		`"abc"`:                     false, // weak comparison
		`"x", W/"abc"`:              false,
		`"x",W/"y" , "abc"`:         false,
		`"x"`:                       true,
		`W/"abcd"`:                  true,
		`abc`:                       true, // malformed: ignored
		`W/abc`:                     true,
		`"abc`:                      true,
		`"x" "abc"`:                 true,
		`"abc" junk`:                true,
		`"abc", junk`:               true,
		strings.Repeat(`"x",`, 100): true,
	} {
		assert.Equal(t, want, noneMatch(header, tag), "%q", header)
	}
}

// BenchmarkEntityTag is the cost of tagging an answer the size of a
// 10,000-point GPX (2 MB) and of a 50-session list (80 KB).
//
//	go test ./modules/gateway -run '^$' -bench EntityTag
func BenchmarkEntityTag(b *testing.B) {
	for _, size := range []int{80 << 10, 2 << 20} {
		body := []byte(strings.Repeat(`<trkpt lat="52.5" lon="13.4"><ele>34.2</ele></trkpt>`, size/52+1))[:size]
		b.Run(strconv.Itoa(size>>10)+"KiB", func(b *testing.B) {
			b.SetBytes(int64(size))
			for b.Loop() {
				entityTag("0190a7c4-0000-7000-8000-000000000001", body)
			}
		})
	}
}
