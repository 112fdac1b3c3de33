package route

import (
	"errors"

	"github.com/twpayne/go-geom"

	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

// ErrTooFewPoints is returned when a line is asked of fewer than two points.
var ErrTooFewPoints = errors.New("route: a line needs at least two points")

// LineString is the points' line, with positions in [lon, lat] order as
// GeoJSON (RFC 7946) and WKB have them. With withElevation, and when every
// point has an elevation, positions are [lon, lat, ele]; otherwise the
// line is two-dimensional.
func LineString(points []telemetry.Point, withElevation bool) (*geom.LineString, error) {
	if len(points) < 2 {
		return nil, ErrTooFewPoints
	}
	layout := geom.XY
	if withElevation && allHaveElevation(points) {
		layout = geom.XYZ
	}
	stride := layout.Stride()
	flat := make([]float64, 0, len(points)*stride)
	for _, p := range points {
		flat = append(flat, p.Lon, p.Lat)
		if layout == geom.XYZ {
			flat = append(flat, *p.Ele)
		}
	}
	return geom.NewLineStringFlat(layout, flat), nil
}

func allHaveElevation(points []telemetry.Point) bool {
	for _, p := range points {
		if p.Ele == nil {
			return false
		}
	}
	return true
}
