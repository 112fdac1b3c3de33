package route

import (
	"math"
	"strings"

	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

// PolylinePrecision is the number of decimal digits the encoded polyline
// keeps: 5, as Google's format has it (about a metre).
const PolylinePrecision = 5

const polylineFactor = 1e5

// EncodePolyline encodes the points' positions with Google's Encoded
// Polyline Algorithm Format, precision 5. Each coordinate is rounded to
// 1e-5 degree first, and the differences between rounded values are
// encoded, so rounding errors do not add up along the line.
func EncodePolyline(points []telemetry.Point) string {
	var b strings.Builder
	b.Grow(len(points) * 8)
	var prevLat, prevLon int64
	for _, p := range points {
		lat := int64(math.Round(p.Lat * polylineFactor))
		lon := int64(math.Round(p.Lon * polylineFactor))
		encodeValue(&b, lat-prevLat)
		encodeValue(&b, lon-prevLon)
		prevLat, prevLon = lat, lon
	}
	return b.String()
}

func encodeValue(b *strings.Builder, v int64) {
	u := uint64(v) << 1
	if v < 0 {
		u = ^u
	}
	for u >= 0x20 {
		b.WriteByte(byte(0x20|u&0x1f) + 63)
		u >>= 5
	}
	b.WriteByte(byte(u) + 63)
}
