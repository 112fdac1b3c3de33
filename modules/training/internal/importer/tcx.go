package importer

import (
	"bytes"
	"fmt"
	"io"
	"strconv"

	"github.com/athlos/athlos/modules/training/internal/telemetry"
	"github.com/athlos/athlos/modules/training/internal/xmlscan"
)

// ReadTCX reads a Garmin Training Center file (plain or gzipped): the
// trackpoints of every lap and track of its first activity. Trackpoints
// without a position (indoor sensors, a GPS fix lost) are kept when they
// carry a value (heart rate, cadence, power, speed, DistanceMeters,
// altitude); those with only a time (pauses) are counted as skipped.
func ReadTCX(r io.Reader) (Activity, int, error) {
	s, err := openXML(r)
	if err != nil {
		return Activity{}, 0, err
	}
	var (
		act        Activity
		pt         tcxPoint // the trackpoint being read, when inPt
		inPt       bool
		text       []byte // the text of the element being read
		points     pointList
		vals       pointValues
		empty      int
		activities int
	)
	for {
		tok, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Activity{}, 0, xmlRefusal(err)
		}
		switch tok {
		case xmlscan.StartTag:
			if s.Depth() == 1 && string(s.Local) != "TrainingCenterDatabase" {
				return Activity{}, 0, refuse("not a TCX file: the root element is <%s>", s.Local)
			}
			text = text[:0]
			switch string(s.Local) {
			case "Activity":
				activities++
				if sport, ok := s.Attr("Sport"); ok && activities == 1 {
					act.Sport = SportOf(string(sport))
				}
			case "Trackpoint":
				if activities == 1 {
					pt, inPt = tcxPoint{}, true
				}
			case "Lap":
				if start, ok := s.Attr("StartTime"); ok && activities == 1 {
					t, err := parseTime(start)
					if err != nil {
						return Activity{}, 0, refuse("lap StartTime at line %d: %v", s.Line(), err)
					}
					act.LapStarts = append(act.LapStarts, t)
				}
			}
		case xmlscan.CharData:
			text = append(text, s.Text...)
		case xmlscan.EndTag:
			val := bytes.TrimSpace(text)
			text = text[:0]
			if !inPt {
				continue
			}
			if string(s.Local) == "Trackpoint" {
				switch {
				case pt.T.IsZero():
					act.Untimed++
				case !pt.hasLat || !pt.hasLon:
					p := telemetry.NoPosition(pt.Point)
					if p.Empty() {
						empty++
					} else {
						points.add(p)
					}
				default:
					points.add(pt.Point)
				}
				inPt = false
			} else if err := pt.set(&vals, s.Local, val); err != nil {
				return Activity{}, 0, refuse("trackpoint value <%s> at line %d: %v", s.Local, s.Line(), err)
			}
		}
	}
	act.Points = points.slice()
	switch {
	case !s.SawRoot():
		return Activity{}, 0, refuse("not a TCX file: no <TrainingCenterDatabase> element")
	case activities == 0:
		return Activity{}, 0, refuse("the file holds no activity")
	case len(act.Points) == 0:
		return Activity{}, 0, refuse("the activity has no trackpoint with a time and a position or a value")
	}
	act.Disorder = orderByTime(act.Points)
	dropPlaceholderCadence(act.Points)
	return act, empty, nil
}

type tcxPoint struct {
	telemetry.Point
	hasLat, hasLon bool
}

// set stores a child element's value of a trackpoint.
func (p *tcxPoint) set(vals *pointValues, name, val []byte) error {
	var v float64
	switch string(name) {
	case "Time":
		t, err := parseTime(val)
		if err != nil {
			return err
		}
		p.T = t
		return nil
	case "LatitudeDegrees", "LongitudeDegrees", "AltitudeMeters", "DistanceMeters", "Value", "Cadence", "RunCadence", "Watts", "Speed":
		var err error
		if v, err = strconv.ParseFloat(string(val), 64); err != nil {
			return fmt.Errorf("%s is not a number", short(val))
		}
	default:
		return nil
	}
	switch string(name) {
	case "LatitudeDegrees":
		p.Lat, p.hasLat = v, true
	case "LongitudeDegrees":
		p.Lon, p.hasLon = v, true
	case "AltitudeMeters":
		p.Ele = vals.float(v)
	case "DistanceMeters": // cumulative, from a footpod, trainer or the GPS
		p.Dist = vals.float(v)
	case "Value": // inside HeartRateBpm
		p.HR = vals.int(v)
	case "Cadence", "RunCadence":
		p.Cad = vals.int(v)
	case "Watts":
		p.Pwr = vals.int(v)
	case "Speed":
		p.Speed = vals.float(v)
	}
	return nil
}
