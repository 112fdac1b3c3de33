package platform_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/platform"
)

// In JSON logs a duration is seconds, a number, wherever it is (in a group
// too); slog's default was integer nanoseconds.
func TestJSONLogsDurationsInSeconds(t *testing.T) {
	var buf bytes.Buffer
	log, err := platform.NewLogger(&buf, "info", "json")
	require.NoError(t, err)
	log.With("component", "x").WithGroup("g").Info("done", "took", 1500*time.Millisecond, "n", 3, "tiny", 250*time.Microsecond)
	var line struct {
		G struct {
			Took float64 `json:"took"`
			N    int     `json:"n"`
			Tiny float64 `json:"tiny"`
		} `json:"g"`
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &line), buf.String())
	assert.Equal(t, 1.5, line.G.Took)
	assert.Equal(t, 0.00025, line.G.Tiny)
	assert.Equal(t, 3, line.G.N, "other values stay as they are")

	buf.Reset()
	log, err = platform.NewLogger(&buf, "info", "text")
	require.NoError(t, err)
	log.Info("done", "took", 1500*time.Millisecond)
	assert.True(t, strings.Contains(buf.String(), "took=1.5s"), buf.String())

	_, err = platform.NewLogger(&buf, "info", "xml")
	assert.ErrorContains(t, err, `log format "xml"`)
	_, err = platform.NewLogger(&buf, "loud", "json")
	assert.ErrorContains(t, err, `log level "loud"`)
}
