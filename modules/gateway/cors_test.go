package gateway_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/gateway"
)

func TestParseCORSOrigins(t *testing.T) {
	got, err := gateway.ParseCORSOrigins([]string{" https://App.Example.com ", "", "http://localhost:5173", "https://*.example.org", "https://x.example.com/"})
	require.NoError(t, err)
	assert.Equal(t, gateway.CORSOrigins{"https://app.example.com", "http://localhost:5173", "https://*.example.org", "https://x.example.com"}, got)

	got, err = gateway.ParseCORSOrigins([]string{"*"})
	require.NoError(t, err)
	assert.Equal(t, gateway.CORSOrigins{"*"}, got)

	got, err = gateway.ParseCORSOrigins(nil)
	require.NoError(t, err)
	assert.Empty(t, got)

	for _, bad := range [][]string{
		{"app.example.com"},               // no scheme
		{"ftp://app.example.com"},         // not http(s)
		{"https://app.example.com/path"},  // a path
		{"https://app.example.com?x=1"},   // a query
		{"https://user@app.example.com"},  // a user
		{"https://app.example.com:99999"}, // a port out of range
		{"https://"},                      // no host
		{"*", "https://app.example.com"},  // "*" with others
		{"https://app.example.com:"},      // an empty port
	} {
		_, err := gateway.ParseCORSOrigins(bad)
		assert.Error(t, err, "%q", bad)
	}
	_, err = gateway.New(gateway.FrontConfig{CORSOrigins: gateway.CORSOrigins{"nonsense"}}, nil, nil, nil, nil)
	assert.Error(t, err, "New refuses what fiber's middleware would panic on")
}
