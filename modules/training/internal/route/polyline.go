package route

import (
	"errors"
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

// LatLon is a position decoded from a polyline.
type LatLon struct {
	Lat, Lon float64
}

// ErrBadPolyline is returned for a string that is not an encoded polyline.
var ErrBadPolyline = errors.New("route: malformed encoded polyline")

// DecodePolyline decodes a string made by EncodePolyline (or any
// precision-5 encoded polyline): the privacy zones mask a stored polyline
// with it.
func DecodePolyline(s string) ([]LatLon, error) {
	var out []LatLon
	var lat, lon int64
	for i := 0; i < len(s); {
		dLat, n, err := decodeValue(s[i:])
		if err != nil {
			return nil, err
		}
		i += n
		dLon, n, err := decodeValue(s[i:])
		if err != nil {
			return nil, err
		}
		i += n
		lat += dLat
		lon += dLon
		out = append(out, LatLon{Lat: float64(lat) / polylineFactor, Lon: float64(lon) / polylineFactor})
	}
	return out, nil
}

// decodeValue reads one value, returning it and how many bytes it took.
func decodeValue(s string) (int64, int, error) {
	var u uint64
	for i, shift := 0, uint(0); i < len(s) && shift < 64; i, shift = i+1, shift+5 {
		c := s[i]
		if c < 63 || c > 63+0x3f {
			return 0, 0, ErrBadPolyline
		}
		chunk := uint64(c - 63)
		u |= (chunk & 0x1f) << shift
		if chunk < 0x20 {
			v := int64(u >> 1)
			if u&1 != 0 {
				v = ^v
			}
			return v, i + 1, nil
		}
	}
	return 0, 0, ErrBadPolyline
}
