package platform_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/athlos/athlos/platform"
)

// TestNodeWebSocketURLsWithPeers: on an external NATS, GET /v1/realtime
// names this node's public URL, then the peers given, each once.
func TestNodeWebSocketURLsWithPeers(t *testing.T) {
	cfg := &platform.Config{NATS: platform.NATSConfig{URLs: []string{"nats://n1:4222"},
		PublicWebSocketURL: "wss://rt1.example.com",
		PeerWebSocketURLs:  []string{"wss://rt2.example.com", "wss://rt1.example.com", "wss://rt3.example.com"}}}
	assert.Equal(t, []string{"wss://rt1.example.com", "wss://rt2.example.com", "wss://rt3.example.com"},
		platform.NodeWebSocketURLs(cfg, nil)("athlos.example.com"))

	cfg.NATS.PeerWebSocketURLs = nil
	assert.Equal(t, []string{"wss://rt1.example.com"}, platform.NodeWebSocketURLs(cfg, nil)("athlos.example.com"))
	cfg.NATS.PublicWebSocketURL = ""
	assert.Nil(t, platform.NodeWebSocketURLs(cfg, nil)("athlos.example.com"), "nothing known: the client module decides")
}
