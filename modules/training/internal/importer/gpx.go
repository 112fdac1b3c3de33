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
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/athlos/athlos/modules/training/internal/telemetry"
	"github.com/athlos/athlos/modules/training/internal/xmlscan"
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
	// Disorder is how the file's points were out of time order before
	// they were put in order (CheckTimes judges it).
	Disorder Disorder
	// LapStarts are when the file's laps start (FIT lap messages, TCX
	// <Lap StartTime>; none in GPX), in the file's order.
	LapStarts []time.Time
}

// FileError says what is wrong with a file.
type FileError struct {
	Reason string
}

func (e *FileError) Error() string { return e.Reason }

// maxReason bounds a refusal's text: whatever part of the file it quotes
// (a 2 MB attribute) stays a few dozen characters (short), and the whole
// at most this.
const maxReason = 300

func refuse(format string, args ...any) error {
	r := fmt.Sprintf(format, args...)
	if len(r) > maxReason {
		r = strings.ToValidUTF8(r[:maxReason], "") + "…"
	}
	return &FileError{Reason: r}
}

// short quotes a value of the file, cut to a few dozen characters.
func short(b []byte) string {
	const n = 40
	if len(b) > n {
		return strconv.Quote(strings.ToValidUTF8(string(b[:n]), "")) + "…"
	}
	return strconv.Quote(string(b))
}

// Gzipped tells whether data starts with the gzip magic bytes.
func Gzipped(data []byte) bool { return len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b }

// Decompress returns r as it is, or its gunzipped content when it starts
// with the gzip magic bytes; either way bounded by MaxFileBytes.
func Decompress(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(io.LimitReader(r, MaxFileBytes+1))
	magic, _ := br.Peek(2)
	if Gzipped(magic) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, refuse("not a valid gzip file: %v", err)
		}
		return io.LimitReader(zr, MaxFileBytes+1), nil
	}
	return br, nil
}

// ReadGPX reads a GPX file (plain or gzipped): the points of all its
// tracks and segments, in time order. Elements are matched by local name
// whatever their namespace prefix.
func ReadGPX(r io.Reader) (Activity, error) {
	s, err := openXML(r)
	if err != nil {
		return Activity{}, err
	}
	var (
		act     Activity
		pt      telemetry.Point // the track point being read, when inPt
		inPt    bool
		text    []byte // the text of the element being read
		points  pointList
		vals    pointValues
		routePt int
	)
	for {
		tok, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Activity{}, xmlRefusal(err)
		}
		switch tok {
		case xmlscan.StartTag:
			if s.Depth() == 1 && string(s.Local) != "gpx" {
				return Activity{}, refuse("not a GPX file: the root element is <%s>", s.Local)
			}
			text = text[:0]
			switch string(s.Local) {
			case "rtept":
				routePt++
			case "trkpt":
				if pt, err = pointAttrs(s); err != nil {
					return Activity{}, refuse("track point at line %d: %v", s.Line(), err)
				}
				inPt = true
			}
		case xmlscan.CharData:
			text = append(text, s.Text...)
		case xmlscan.EndTag:
			val := bytes.TrimSpace(text)
			text = text[:0]
			name, parent := s.Local, s.Parent()
			switch {
			case inPt && string(name) == "trkpt":
				if pt.T.IsZero() {
					act.Untimed++
				} else {
					points.add(pt)
				}
				inPt = false
			case inPt:
				if err := setPointValue(&pt, &vals, name, parent, val); err != nil {
					return Activity{}, refuse("track point value <%s> at line %d: %v", name, s.Line(), err)
				}
			case string(name) == "name" && string(parent) == "trk" && act.Name == "":
				act.Name = string(val)
			case string(name) == "type" && string(parent) == "trk" && act.Sport == "":
				act.Sport = SportOf(string(val))
			}
		}
	}
	act.Points = points.slice()
	switch {
	case !s.SawRoot():
		return Activity{}, refuse("not a GPX file: no <gpx> element")
	case len(act.Points) == 0 && act.Untimed > 0:
		return Activity{}, refuse("the track has %d points but none has a time", act.Untimed)
	case len(act.Points) == 0 && routePt > 0:
		return Activity{}, refuse("the file holds a planned route (%d route points) but no recorded track", routePt)
	case len(act.Points) == 0:
		return Activity{}, refuse("the file holds no track points")
	}
	act.Disorder = orderByTime(act.Points)
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

// pointList collects the points of a file in chunks, then puts them in
// one slice: the points of a large file are copied once, not at each
// growth of the slice.
type pointList struct {
	full [][]telemetry.Point
	last []telemetry.Point
	n    int
}

func (l *pointList) add(p telemetry.Point) {
	if len(l.last) == cap(l.last) {
		if l.last != nil {
			l.full = append(l.full, l.last)
		}
		l.last = make([]telemetry.Point, 0, min(max(64, 2*cap(l.last)), 4096))
	}
	l.last = append(l.last, p)
	l.n++
}

// slice returns the points in the order they were added.
func (l *pointList) slice() []telemetry.Point {
	if len(l.full) == 0 {
		return l.last
	}
	all := make([]telemetry.Point, 0, l.n)
	for _, c := range l.full {
		all = append(all, c...)
	}
	return append(all, l.last...)
}

// pointValues hands out the optional values of points (elevation, heart
// rate...) from shared chunks: a few allocations per file instead of one
// per value.
type pointValues struct {
	floats []float64
	ints   []int
}

// valueChunk is how many values a chunk holds.
const valueChunk = 1024

func (v *pointValues) float(x float64) *float64 {
	if len(v.floats) == 0 {
		v.floats = make([]float64, valueChunk)
	}
	p := &v.floats[0]
	*p, v.floats = x, v.floats[1:]
	return p
}

// int stores x rounded to the nearest integer.
func (v *pointValues) int(x float64) *int {
	if len(v.ints) == 0 {
		v.ints = make([]int, valueChunk)
	}
	p := &v.ints[0]
	*p, v.ints = int(x+0.5), v.ints[1:]
	return p
}

// pointAttrs reads the lat and lon of a <trkpt>.
func pointAttrs(s *xmlscan.Scanner) (telemetry.Point, error) {
	var p telemetry.Point
	lat, haveLat := s.Attr("lat")
	if haveLat {
		v, err := strconv.ParseFloat(string(bytes.TrimSpace(lat)), 64)
		if err != nil {
			return p, fmt.Errorf("lat %s is not a number", short(lat))
		}
		p.Lat = v
	}
	lon, haveLon := s.Attr("lon")
	if haveLon {
		v, err := strconv.ParseFloat(string(bytes.TrimSpace(lon)), 64)
		if err != nil {
			return p, fmt.Errorf("lon %s is not a number", short(lon))
		}
		p.Lon = v
	}
	if !haveLat || !haveLon {
		return p, errors.New("lat and lon are required")
	}
	return p, nil
}

// setPointValue stores a child element's value of a track point. Extension
// elements are matched by local name whatever their prefix (Garmin's
// TrackPointExtension under any prefix, Strava's bare <power>).
func setPointValue(p *telemetry.Point, vals *pointValues, name, parent, val []byte) error {
	var v float64
	switch string(name) {
	case "time":
		if string(parent) != "trkpt" {
			return nil
		}
		t, err := parseTime(val)
		if err != nil {
			return err
		}
		p.T = t
		return nil
	case "ele", "hr", "HeartRateBpm", "cad", "RunCadence", "Cadence", "power", "PowerInWatts", "Watts", "atemp", "temp", "speed":
		var err error
		if v, err = strconv.ParseFloat(string(val), 64); err != nil {
			return fmt.Errorf("%s is not a number", short(val))
		}
	default:
		return nil
	}
	switch string(name) {
	case "ele":
		p.Ele = vals.float(v)
	case "hr", "HeartRateBpm":
		p.HR = vals.int(v)
	case "cad", "RunCadence", "Cadence":
		p.Cad = vals.int(v)
	case "power", "PowerInWatts", "Watts":
		p.Pwr = vals.int(v)
	case "atemp", "temp":
		p.Temp = vals.float(v)
	case "speed":
		p.Speed = vals.float(v)
	}
	return nil
}

// parseTime parses an RFC 3339 time, as time.Parse(time.RFC3339Nano)
// does, in UTC. The common form YYYY-MM-DDTHH:MM:SS[.fff](Z|±hh:mm) is
// read without allocating; anything else goes to time.Parse.
func parseTime(b []byte) (time.Time, error) {
	if t, ok := parseTimeFast(b); ok {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return time.Time{}, fmt.Errorf("%s is not an RFC 3339 time", short(b))
	}
	return t.UTC(), nil
}

// parseTimeFast is parseTime for YYYY-MM-DDTHH:MM:SS[.fff](Z|±hh:mm), with
// the ranges time.Parse checks; false for anything else, which time.Parse
// then accepts or refuses.
func parseTimeFast(b []byte) (time.Time, bool) {
	if len(b) < len("2006-01-02T15:04:05Z") ||
		b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	ok := true
	num := func(s []byte, lo, hi int) int {
		n := 0
		for _, c := range s {
			if c < '0' || c > '9' {
				ok = false
				return lo
			}
			n = n*10 + int(c-'0')
		}
		if n < lo || n > hi {
			ok = false
		}
		return n
	}
	year := num(b[0:4], 0, 9999)
	month := num(b[5:7], 1, 12)
	day := num(b[8:10], 1, daysIn(month, year))
	hour := num(b[11:13], 0, 23)
	minute := num(b[14:16], 0, 59)
	sec := num(b[17:19], 0, 59)
	if !ok {
		return time.Time{}, false
	}
	b = b[19:]
	nsec := 0
	if len(b) >= 2 && b[0] == '.' && '0' <= b[1] && b[1] <= '9' {
		n := 1
		for ; n < len(b) && '0' <= b[n] && b[n] <= '9'; n++ {
			if n <= 9 {
				nsec = nsec*10 + int(b[n]-'0')
			}
		}
		for i := n; i <= 9; i++ { // scale to nanoseconds; digits past the ninth are dropped
			nsec *= 10
		}
		b = b[n:]
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if len(b) == 1 && b[0] == 'Z' {
		return t, true
	}
	if len(b) != len("-07:00") || b[0] != '+' && b[0] != '-' || b[3] != ':' {
		return time.Time{}, false
	}
	offset := (num(b[1:3], 0, 23)*60 + num(b[4:6], 0, 59)) * 60
	if !ok {
		return time.Time{}, false
	}
	if b[0] == '-' {
		offset = -offset
	}
	return t.Add(-time.Duration(offset) * time.Second), true
}

// daysIn is the number of days of a month (1-12) of a year.
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
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
