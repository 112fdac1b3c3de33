package gateway

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClientIPBehindTrustedProxies(t *testing.T) {
	trusted, err := ParseTrustedProxies([]string{"loopback", "10.0.0.0/8"})
	require.NoError(t, err)
	for _, c := range []struct {
		name, peer string
		forwarded  []string
		xff        []string
		want       string
	}{
		{"no proxy configured is never trusted", "203.0.113.5", nil, []string{"198.51.100.1"}, "203.0.113.5"},
		{"a trusted proxy names the client", "127.0.0.1", nil, []string{"198.51.100.1"}, "198.51.100.1"},
		{"the right-most untrusted hop", "10.0.0.2", nil, []string{"6.6.6.6, 198.51.100.1, 10.0.0.7"}, "198.51.100.1"},
		{"a client's own header is not believed", "127.0.0.1", nil, []string{"203.0.113.99", "198.51.100.1"}, "198.51.100.1"},
		{"only proxies: the peer", "127.0.0.1", nil, []string{"10.0.0.1"}, "127.0.0.1"},
		{"garbage stops the walk", "127.0.0.1", nil, []string{"198.51.100.1, nonsense"}, "127.0.0.1"},
		{"Forwarded wins", "127.0.0.1", []string{`for=198.51.100.1;proto=https, for="[2001:db8::1]:4711"`}, []string{"6.6.6.6"}, "2001:db8::1"},
		{"Forwarded with a port", "127.0.0.1", []string{"for=198.51.100.2:5000"}, nil, "198.51.100.2"},
	} {
		assert.Equal(t, c.want, trusted.clientIP(c.peer, c.forwarded, c.xff), c.name)
	}
	var none TrustedProxies
	assert.Equal(t, "127.0.0.1", none.clientIP("127.0.0.1", nil, []string{"198.51.100.1"}), "no proxies configured")
	_, err = ParseTrustedProxies([]string{"10.0.0.0/33"})
	assert.Error(t, err)
	_, err = ParseTrustedProxies([]string{"not-an-address"})
	assert.Error(t, err)
}
