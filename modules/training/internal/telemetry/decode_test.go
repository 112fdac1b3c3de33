package telemetry

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sample = `{"points": [
 {"t": "2026-11-26T08:00:00Z", "lat": 52.5, "lon": 13.4, "ele": 34.2, "acc": 4.5, "speed": 3.1, "hr": 141, "cad": 172, "pwr": 250, "temp": 8.5, "lap": true},
 {"t": "2026-11-26T09:00:01.250+01:00", "lat": -33.9, "lon": 151.2, "hr": null, "lap": false, "extra": {"ignored": [1, 2]}},
 {"lat": 1, "lon": 2},
 {"t": "2026-11-26T08:00:02Z", "lon": 2}
]}`

// The decoder reads what encoding/json reads, except that a point without
// coordinates gets NaN ones, which the rules drop.
func TestDecoderReadsTheCompactFormat(t *testing.T) {
	var d Decoder
	got, err := d.Batch([]byte(sample))
	require.NoError(t, err)
	var want Batch
	require.NoError(t, json.Unmarshal([]byte(sample), &want))
	require.Len(t, got, 4)
	for i := range 3 {
		assert.Equal(t, want.Points[i].T.UTC(), got[i].T.UTC(), "point %d", i)
		assert.Equal(t, want.Points[i].Lat, got[i].Lat)
		assert.Equal(t, want.Points[i].Lon, got[i].Lon)
		assert.Equal(t, want.Points[i].Ele, got[i].Ele)
		assert.Equal(t, want.Points[i].HR, got[i].HR)
		assert.Equal(t, want.Points[i].Pwr, got[i].Pwr)
		assert.Equal(t, want.Points[i].Temp, got[i].Temp)
		assert.Equal(t, want.Points[i].Lap, got[i].Lap)
	}
	assert.True(t, got[0].Lap, "a lap marker")
	assert.Nil(t, got[1].HR, "null is absent")
	assert.True(t, got[2].T.IsZero(), "no time: dropped by the rules")
	assert.True(t, math.IsNaN(got[3].Lat), "a longitude without a latitude: dropped by the rules")
	res := Filter(got[2:], Session{Sport: "run", StartedAt: got[0].T, Until: got[0].T}, nil)
	assert.Equal(t, map[string]int{DropTime: 1, DropPartialPosition: 1}, res.Dropped)

	pts, err := d.Points([]byte(`[{"t": "2026-11-26T08:00:00Z", "lat": 1, "lon": 2}]`))
	require.NoError(t, err)
	assert.Len(t, pts, 1)
	pts, err = d.Batch([]byte(`{}`))
	require.NoError(t, err)
	assert.Empty(t, pts)
}

func TestDecoderRefusesMalformedMessages(t *testing.T) {
	var d Decoder
	for _, c := range []struct{ in, want string }{
		{`{"points": [`, "not JSON"},
		{``, "not JSON"},
		{`[]`, `want {"points"`},
		{`{"points": {}}`, "want a list"},
		{`{"points": [1]}`, "points[0]: want an object"},
		{`{"points": [{"t": 5, "lat": 1, "lon": 2}]}`, "points[0].t: want an RFC 3339 time"},
		{`{"points": [{"t": "yesterday", "lat": 1, "lon": 2}]}`, "points[0].t: want an RFC 3339 time"},
		{`{"points": [{"t": "2026-11-26T08:00:00Z", "lat": "52", "lon": 2}]}`, "points[0].lat"},
		{`{"points": [{"t": "2026-11-26T08:00:00Z", "lat": 1, "lon": 2}, {"hr": 140.5}]}`, "points[1].hr: want a whole number"},
		{`{"points": [{"ele": "high"}]}`, "points[0].ele: want a number"},
		{`{"points": [{"lap": 1}]}`, "points[0].lap"},
	} {
		_, err := d.Batch([]byte(c.in))
		require.Error(t, err, c.in)
		assert.Contains(t, err.Error(), c.want, c.in)
	}
}

func FuzzDecoder(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte(`{"points": [{"t": "2026-11-26T08:00:00Z", "lat": 1e400, "lon": -0}]}`))
	var d Decoder
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = d.Batch(data)
	})
}

func benchMessage(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"points": [`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"t": "2026-11-26T08:%02d:%02dZ", "lat": %.6f, "lon": 13.400000, "ele": 34.2, "acc": 4.5, "hr": %d, "cad": 172}`,
			i/60%60, i%60, 52.5+float64(i)*2.7e-5, 140+i%20)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// go test ./modules/training/internal/telemetry -run '^$' -bench Decode -benchmem
func BenchmarkDecode(b *testing.B) {
	msg := benchMessage(20)
	b.Run("fastjson", func(b *testing.B) {
		var d Decoder
		b.SetBytes(int64(len(msg)))
		for b.Loop() {
			if _, err := d.Batch(msg); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.SetBytes(int64(len(msg)))
		for b.Loop() {
			var batch Batch
			if err := json.Unmarshal(msg, &batch); err != nil {
				b.Fatal(err)
			}
		}
	})
}
