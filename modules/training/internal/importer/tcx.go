package importer

import (
	"encoding/xml"
	"errors"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

// ReadTCX reads a Garmin Training Center file (plain or gzipped): the
// trackpoints of every lap and track of its first activity. Trackpoints
// without a position (pauses, indoor sensors) are counted in NoPosition.
func ReadTCX(r io.Reader) (Activity, int, error) {
	dec, err := newDecoder(r)
	if err != nil {
		return Activity{}, 0, err
	}
	var (
		act        Activity
		path       []string
		cur        *tcxPoint
		text       strings.Builder
		noPosition int
		activities int
	)
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line, _ := dec.InputPos()
			return Activity{}, 0, refuse("not well-formed XML at line %d: %v", line, unwrapXML(err))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			if len(path) == 0 && name != "TrainingCenterDatabase" {
				return Activity{}, 0, refuse("not a TCX file: the root element is <%s>", name)
			}
			path = append(path, name)
			text.Reset()
			switch name {
			case "Activity":
				activities++
				if activities == 1 {
					for _, a := range t.Attr {
						if a.Name.Local == "Sport" {
							act.Sport = SportOf(a.Value)
						}
					}
				}
			case "Trackpoint":
				if activities == 1 {
					cur = &tcxPoint{}
				}
			}
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			name := t.Name.Local
			val := strings.TrimSpace(text.String())
			text.Reset()
			if cur != nil {
				if name == "Trackpoint" {
					switch {
					case cur.T.IsZero():
						act.Untimed++
					case !cur.hasLat || !cur.hasLon:
						noPosition++
					default:
						act.Points = append(act.Points, cur.Point)
					}
					cur = nil
				} else if err := cur.set(name, val); err != nil {
					line, _ := dec.InputPos()
					return Activity{}, 0, refuse("trackpoint value <%s> at line %d: %v", name, line, err)
				}
			}
			if len(path) > 0 {
				path = path[:len(path)-1]
			}
		}
	}
	switch {
	case len(path) > 0:
		return Activity{}, 0, refuse("the file is truncated: <%s> is never closed", path[len(path)-1])
	case activities == 0:
		return Activity{}, 0, refuse("the file holds no activity")
	case len(act.Points) == 0:
		return Activity{}, 0, refuse("the activity has no trackpoint with a time and a position")
	}
	sort.SliceStable(act.Points, func(i, j int) bool { return act.Points[i].T.Before(act.Points[j].T) })
	dropPlaceholderCadence(act.Points)
	return act, noPosition, nil
}

type tcxPoint struct {
	telemetry.Point
	hasLat, hasLon bool
}

func (p *tcxPoint) set(name, val string) error {
	num := func() (float64, error) {
		v, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return 0, refuse("%q is not a number", val)
		}
		return v, nil
	}
	var err error
	var v float64
	switch name {
	case "Time":
		t, perr := time.Parse(time.RFC3339Nano, val)
		if perr != nil {
			return refuse("%q is not an RFC 3339 time", val)
		}
		p.T = t.UTC()
		return nil
	case "LatitudeDegrees", "LongitudeDegrees", "AltitudeMeters", "Value", "Cadence", "RunCadence", "Watts", "Speed":
		if v, err = num(); err != nil {
			return err
		}
	default:
		return nil
	}
	switch name {
	case "LatitudeDegrees":
		p.Lat, p.hasLat = v, true
	case "LongitudeDegrees":
		p.Lon, p.hasLon = v, true
	case "AltitudeMeters":
		p.Ele = &v
	case "Value": // inside HeartRateBpm
		hr := int(v + 0.5)
		p.HR = &hr
	case "Cadence", "RunCadence":
		c := int(v + 0.5)
		p.Cad = &c
	case "Watts":
		w := int(v + 0.5)
		p.Pwr = &w
	case "Speed":
		p.Speed = &v
	}
	return nil
}
