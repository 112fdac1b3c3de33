package gateway

import (
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
