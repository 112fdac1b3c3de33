package callout

import (
	"testing"

	"github.com/nats-io/nkeys"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The cached keys speak exactly what the nkeys key pairs (and so the NATS
// server) speak.
func TestCachedKeysMatchNKeys(t *testing.T) {
	acc, err := nkeys.CreateAccount()
	require.NoError(t, err)
	s, err := newSigner(acc)
	require.NoError(t, err)
	pub, _ := acc.PublicKey()
	assert.Equal(t, pub, s.pub)
	sig, err := s.Sign([]byte("hello"))
	require.NoError(t, err)
	require.NoError(t, acc.Verify([]byte("hello"), sig))

	ours, err := nkeys.CreateCurveKeys()
	require.NoError(t, err)
	server, err := nkeys.CreateCurveKeys()
	require.NoError(t, err)
	serverPub, _ := server.PublicKey()
	oursPub, _ := ours.PublicKey()
	x, err := newSealer(ours)
	require.NoError(t, err)
	assert.Equal(t, oursPub, x.pub)

	sealed, err := server.Seal([]byte("request"), oursPub)
	require.NoError(t, err)
	plain, err := x.Open(sealed, serverPub)
	require.NoError(t, err)
	assert.Equal(t, "request", string(plain))

	for range 2 { // the second time from the cache
		sealed, err = x.Seal([]byte("answer"), serverPub)
		require.NoError(t, err)
		plain, err = server.Open(sealed, oursPub)
		require.NoError(t, err)
		assert.Equal(t, "answer", string(plain))
	}

	sealed[len(sealed)-1] ^= 1
	_, err = server.Open(sealed, oursPub)
	assert.Error(t, err)
	_, err = x.Open([]byte("xkv1short"), serverPub)
	assert.Error(t, err)
	_, err = x.Seal([]byte("x"), "not a key")
	assert.Error(t, err)

	_, err = newSigner(ours)
	assert.Error(t, err, "an xkey cannot sign")
	_, err = newSealer(acc)
	assert.Error(t, err, "an account key cannot seal")
}

func TestWebSocketURL(t *testing.T) {
	c := &Callout{publicURL: "wss://rt.example.com"}
	assert.Equal(t, "wss://rt.example.com", c.websocketURL("api.example.com"))
	c = &Callout{wsPort: 4280}
	assert.Equal(t, "ws://api.example.com:4280", c.websocketURL("api.example.com:8080"))
	assert.Equal(t, "ws://api.example.com:4280", c.websocketURL("api.example.com"))
	assert.Equal(t, "ws://[::1]:4280", c.websocketURL("[::1]:8080"))
	assert.Equal(t, "", c.websocketURL(""))
	assert.Equal(t, "", (&Callout{}).websocketURL("api.example.com"), "no port known (external NATS)")
}

func TestGrantable(t *testing.T) {
	for s, ok := range map[string]bool{
		"chat.g1": true, "chat.0193b7e4-7c1a-7d2e-9a41-3f0c2d5e8b10": true, "chat.a_b": true,
		"chat.": false, "chat.*": false, "chat.>": false, "chat.a.b": false, "chat.a b": false, "notify.x": false,
		"chatx": false, "chat.ü": false,
	} {
		assert.Equal(t, ok, grantable("chat.", s), s)
	}
}
