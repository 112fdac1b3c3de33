package group

import (
	"encoding/base64"
	"encoding/binary"
	"math"
	"strconv"
	"strings"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/athlos/athlos/internal/kit/page"
	"github.com/athlos/athlos/internal/kit/sport"
)

// Search bounds.
const (
	DefaultRadiusM   = 25_000
	MaxSearchRadiusM = 500_000
	MinText          = 3
	MaxText          = 100
)

// Query is a checked search of groups. Every filter given must hold.
// Near sorts by distance from the point (within RadiusM); otherwise
// groups come newest first.
type Query struct {
	Sport, Goal, Text string
	Near              *Place // RadiusM: the search radius
	Mine              bool
	Limit             int
	After             *Cursor
}

// Cursor is where a page of a search ends: the last group's id and, in a
// near search, its distance.
type Cursor struct {
	DistanceM float64
	ID        [16]byte
}

// SearchInput is a search as the API takes it.
type SearchInput struct {
	Sport, Goal, Text, Near string
	RadiusM                 int
	Mine                    bool
	Limit                   int
	Cursor                  string
}

// ParseQuery checks a search; the error names the query parameter.
func ParseQuery(in SearchInput) (Query, error) {
	q := Query{Sport: in.Sport, Mine: in.Mine}
	var err error
	if q.Limit, err = page.Size(in.Limit); err != nil {
		return q, err
	}
	if in.Sport != "" && !sport.Valid(in.Sport) {
		return q, fielderr.New("sport", "%q is not a sport", in.Sport)
	}
	if in.Goal != "" {
		if q.Goal, err = Goal("goal", in.Goal); err != nil {
			return q, err
		}
	}
	if in.Text != "" {
		if q.Text, err = text("q", in.Text, MinText, MaxText, false); err != nil {
			return q, err
		}
	}
	if in.Near != "" {
		p, err := parsePoint(in.Near)
		if err != nil {
			return q, err
		}
		switch {
		case in.RadiusM == 0:
			p.RadiusM = DefaultRadiusM
		case in.RadiusM < 1 || in.RadiusM > MaxSearchRadiusM:
			return q, fielderr.New("radius_m", "must be between 1 and %d", MaxSearchRadiusM)
		default:
			p.RadiusM = in.RadiusM
		}
		q.Near = &p
	} else if in.RadiusM != 0 {
		return q, fielderr.New("radius_m", "needs near")
	}
	if in.Cursor != "" {
		c, err := decodeCursor(in.Cursor, q.Near != nil)
		if err != nil {
			return q, err
		}
		q.After = &c
	}
	return q, nil
}

// parsePoint reads "lat,lon".
func parsePoint(s string) (Place, error) {
	lat, lon, ok := strings.Cut(s, ",")
	if !ok {
		return Place{}, fielderr.New("near", "must be lat,lon in degrees")
	}
	var p Place
	var err1, err2 error
	p.Lat, err1 = strconv.ParseFloat(strings.TrimSpace(lat), 64)
	p.Lon, err2 = strconv.ParseFloat(strings.TrimSpace(lon), 64)
	if err1 != nil || err2 != nil {
		return Place{}, fielderr.New("near", "must be lat,lon in degrees")
	}
	if !(p.Lat >= -90 && p.Lat <= 90) || !(p.Lon >= -180 && p.Lon <= 180) {
		return Place{}, fielderr.New("near", "lat must be between -90 and 90, lon between -180 and 180")
	}
	return p, nil
}

// Encode makes the cursor the API returns; near cursors carry the
// distance.
func (c Cursor) Encode(near bool) string {
	if !near {
		return page.Cursor(c.ID)
	}
	b := make([]byte, 24)
	binary.BigEndian.PutUint64(b, math.Float64bits(c.DistanceM))
	copy(b[8:], c.ID[:])
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a cursor Encode made for the same kind of search.
func decodeCursor(s string, near bool) (Cursor, error) {
	if !near {
		id, err := page.After(s)
		return Cursor{ID: id}, err
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 24 {
		return Cursor{}, fielderr.New("cursor", "is not a cursor of this search")
	}
	c := Cursor{DistanceM: math.Float64frombits(binary.BigEndian.Uint64(b))}
	if math.IsNaN(c.DistanceM) || c.DistanceM < 0 || math.IsInf(c.DistanceM, 0) {
		return Cursor{}, fielderr.New("cursor", "is not a cursor of this search")
	}
	copy(c.ID[:], b[8:])
	return c, nil
}

// TimeCursor is where a page ordered by time ends: the last item's time
// (microseconds since the epoch, as PostgreSQL keeps it) and id.
type TimeCursor struct {
	Micros int64
	ID     [16]byte
}

// Encode makes the cursor the API returns.
func (c TimeCursor) Encode() string {
	b := make([]byte, 24)
	binary.BigEndian.PutUint64(b, uint64(c.Micros))
	copy(b[8:], c.ID[:])
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeTimeCursor reads a cursor TimeCursor.Encode made; the error names
// the field "cursor".
func DecodeTimeCursor(s string) (TimeCursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 24 {
		return TimeCursor{}, fielderr.New("cursor", "is not a cursor this API returned")
	}
	c := TimeCursor{Micros: int64(binary.BigEndian.Uint64(b))}
	copy(c.ID[:], b[8:])
	return c, nil
}
