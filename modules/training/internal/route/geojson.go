package route

import (
	"errors"

	"github.com/twpayne/go-geom"
	"github.com/twpayne/go-geom/encoding/geojson"

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

// FeatureJSON returns a GeoJSON Feature whose geometry is the points'
// LineString (see LineString for the order of the coordinates and when
// they carry the elevation), and whose properties are props (an empty
// object when props is nil). Values in props must be encodable as JSON.
// Simplify the points first (SimplifyTo, Pick) for a line a map can draw.
func FeatureJSON(points []telemetry.Point, props map[string]any, withElevation bool) ([]byte, error) {
	ls, err := LineString(points, withElevation)
	if err != nil {
		return nil, err
	}
	if props == nil {
		props = map[string]any{}
	}
	f := &geojson.Feature{Geometry: ls, Properties: props}
	return f.MarshalJSON()
}

func allHaveElevation(points []telemetry.Point) bool {
	for _, p := range points {
		if p.Ele == nil {
			return false
		}
	}
	return true
}
