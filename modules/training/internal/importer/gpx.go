// Package importer reads workout files into telemetry points, and writes
// them back as GPX: GPX 1.0 and 1.1 (with Garmin's TrackPointExtension
// heart rate and cadence, and the usual power extensions), TCX, and FIT
// (muktihari/fit), each optionally gzipped. A file that is malformed,
// truncated or holds no timed track is refused with the reason; nothing of
// it is kept. It has no SQL, NATS or fx in it.
package importer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

// MaxFileBytes bounds an import, compressed or not.
const MaxFileBytes = 25 << 20

// Activity is what a file holds: its points in time order, the sport it
// names (empty when it names none we know) and its name.
type Activity struct {
	Name   string
	Sport  string
	Points []telemetry.Point
	// Untimed counts track points without a time, which a session cannot use.
	Untimed int
}

// FileError says what is wrong with a file.
type FileError struct {
	Reason string
}

func (e *FileError) Error() string { return e.Reason }

func refuse(format string, args ...any) error {
	return &FileError{Reason: fmt.Sprintf(format, args...)}
}

// Decompress returns r as it is, or its gunzipped content when it starts
// with the gzip magic bytes; either way bounded by MaxFileBytes.
func Decompress(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(io.LimitReader(r, MaxFileBytes+1))
	magic, _ := br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, refuse("not a valid gzip file: %v", err)
		}
		return io.LimitReader(zr, MaxFileBytes+1), nil
	}
	return br, nil
}

// ReadGPX reads a GPX file (plain or gzipped).
func ReadGPX(r io.Reader) (Activity, error) {
	dec, err := newDecoder(r)
	if err != nil {
		return Activity{}, err
	}
	var (
		act     Activity
		path    []string // local names of the open elements
		cur     *telemetry.Point
		text    strings.Builder
		sawGPX  bool
		tracks  int
		routePt int
	)
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line, _ := dec.InputPos()
			return Activity{}, refuse("not well-formed XML at line %d: %v", line, unwrapXML(err))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			if len(path) == 0 {
				if name != "gpx" {
					return Activity{}, refuse("not a GPX file: the root element is <%s>", name)
				}
				sawGPX = true
			}
			path = append(path, name)
			text.Reset()
			switch name {
			case "trk":
				tracks++
			case "rtept":
				routePt++
			case "trkpt":
				p, err := pointAttrs(t)
				if err != nil {
					line, _ := dec.InputPos()
					return Activity{}, refuse("track point at line %d: %v", line, err)
				}
				cur = &p
			}
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			name := t.Name.Local
			val := strings.TrimSpace(text.String())
			text.Reset()
			parent := ""
			if len(path) >= 2 {
				parent = path[len(path)-2]
			}
			switch {
			case name == "trkpt" && cur != nil:
				if cur.T.IsZero() {
					act.Untimed++
				} else {
					act.Points = append(act.Points, *cur)
				}
				cur = nil
			case cur != nil:
				if err := setPointValue(cur, name, parent, val); err != nil {
					line, _ := dec.InputPos()
					return Activity{}, refuse("track point value <%s> at line %d: %v", name, line, err)
				}
			case name == "name" && parent == "trk" && act.Name == "":
				act.Name = val
			case name == "type" && parent == "trk" && act.Sport == "":
				act.Sport = SportOf(val)
			}
			if len(path) > 0 {
				path = path[:len(path)-1]
			}
		}
	}
	switch {
	case !sawGPX:
		return Activity{}, refuse("not a GPX file: no <gpx> element")
	case len(path) > 0:
		return Activity{}, refuse("the file is truncated: <%s> is never closed", path[len(path)-1])
	case len(act.Points) == 0 && act.Untimed > 0:
		return Activity{}, refuse("the track has %d points but none has a time", act.Untimed)
	case len(act.Points) == 0 && routePt > 0:
		return Activity{}, refuse("the file holds a planned route (%d route points) but no recorded track", routePt)
	case len(act.Points) == 0:
		return Activity{}, refuse("the file holds no track points")
	}
	sort.SliceStable(act.Points, func(i, j int) bool { return act.Points[i].T.Before(act.Points[j].T) })
	dropPlaceholderCadence(act.Points)
	return act, nil
}

// dropPlaceholderCadence forgets the cadence of a file whose every cadence
// is 0: devices without a sensor write 0 on each point (one 0 while
// standing still is a real value).
func dropPlaceholderCadence(points []telemetry.Point) {
	for _, p := range points {
		if p.Cad != nil && *p.Cad != 0 {
			return
		}
	}
	for i := range points {
		points[i].Cad = nil
	}
}

// newDecoder reads a whole (possibly gzipped) file, bounded, and returns an
// XML decoder over it that understands the encodings workout files use.
func newDecoder(r io.Reader) (*xml.Decoder, error) {
	r, err := Decompress(r)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, refuse("cannot read the file: %v", err)
	}
	if len(data) > MaxFileBytes {
		return nil, refuse("the file is larger than %d MB", MaxFileBytes>>20)
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "iso-8859-1", "latin1", "latin-1":
			return charmap.ISO8859_1.NewDecoder().Reader(in), nil
		case "windows-1252", "cp1252":
			return charmap.Windows1252.NewDecoder().Reader(in), nil
		case "us-ascii", "ascii":
			return in, nil
		}
		return nil, fmt.Errorf("unsupported encoding %q", label)
	}
	return dec, nil
}

func unwrapXML(err error) string {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return se.Msg
	}
	return err.Error()
}

func pointAttrs(t xml.StartElement) (telemetry.Point, error) {
	var p telemetry.Point
	var haveLat, haveLon bool
	for _, a := range t.Attr {
		switch a.Name.Local {
		case "lat":
			v, err := strconv.ParseFloat(strings.TrimSpace(a.Value), 64)
			if err != nil {
				return p, fmt.Errorf("lat %q is not a number", a.Value)
			}
			p.Lat, haveLat = v, true
		case "lon":
			v, err := strconv.ParseFloat(strings.TrimSpace(a.Value), 64)
			if err != nil {
				return p, fmt.Errorf("lon %q is not a number", a.Value)
			}
			p.Lon, haveLon = v, true
		}
	}
	if !haveLat || !haveLon {
		return p, errors.New("lat and lon are required")
	}
	return p, nil
}

// setPointValue stores a child element's value of a track point. Extension
// elements are matched by local name whatever their prefix (Garmin's
// TrackPointExtension under any prefix, Strava's bare <power>).
func setPointValue(p *telemetry.Point, name, parent, val string) error {
	num := func() (float64, error) {
		v, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a number", val)
		}
		return v, nil
	}
	switch name {
	case "time":
		if parent != "trkpt" {
			return nil
		}
		t, err := time.Parse(time.RFC3339Nano, val)
		if err != nil {
			return fmt.Errorf("%q is not an RFC 3339 time", val)
		}
		p.T = t.UTC()
	case "ele":
		v, err := num()
		if err != nil {
			return err
		}
		p.Ele = &v
	case "hr", "HeartRateBpm":
		v, err := num()
		if err != nil {
			return err
		}
		hr := int(v + 0.5)
		p.HR = &hr
	case "cad", "RunCadence", "Cadence":
		v, err := num()
		if err != nil {
			return err
		}
		c := int(v + 0.5)
		p.Cad = &c
	case "power", "PowerInWatts", "Watts":
		v, err := num()
		if err != nil {
			return err
		}
		w := int(v + 0.5)
		p.Pwr = &w
	case "atemp", "temp":
		v, err := num()
		if err != nil {
			return err
		}
		p.Temp = &v
	case "speed":
		v, err := num()
		if err != nil {
			return err
		}
		p.Speed = &v
	}
	return nil
}

// SportOf maps a file's activity type to a sport; "" when unknown.
func SportOf(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "running", "run", "street_running", "track_running", "treadmill_running", "1", "9":
		return "run"
	case "trail_running", "trail run", "trail_run", "trail":
		return "trail_run"
	case "walking", "walk", "casual_walking", "speed_walking":
		return "walk"
	case "hiking", "hike", "mountaineering":
		return "hike"
	case "cycling", "biking", "ride", "road_biking", "road_cycling", "road", "gravel_cycling", "indoor_cycling", "2":
		return "ride"
	case "mountain_biking", "mountain_bike", "mtb", "mountain":
		return "mountain_bike"
	case "swimming", "swim", "open_water_swimming", "lap_swimming", "5":
		return "swim"
	case "rowing", "row", "indoor_rowing", "15":
		return "row"
	case "skiing", "ski", "alpine_skiing", "cross_country_skiing", "backcountry_skiing", "nordic_skiing", "13":
		return "ski"
	}
	return ""
}
