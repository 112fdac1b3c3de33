package importer

import (
	"bufio"
	"encoding/xml"
	"io"
	"strconv"
	"time"

	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

// gpxTypes is the GPX <type> of each sport, as Garmin Connect writes it,
// so that other tools (and ReadGPX) recognise it.
var gpxTypes = map[string]string{
	"run": "running", "trail_run": "trail_running", "walk": "walking", "hike": "hiking", "ride": "cycling",
	"mountain_bike": "mountain_biking", "swim": "swimming", "row": "rowing", "ski": "skiing",
	"strength": "strength_training", "yoga": "yoga", "other": "other",
}

// WriteGPX writes points as one GPX 1.1 track with Garmin's
// TrackPointExtension v1 (hr, cad, atemp) and a <power> extension, the
// forms ReadGPX (and most tools) read back. A GPX track point must have a
// position: points without one (indoors, a tunnel) are left out.
func WriteGPX(w io.Writer, name, sport string, points []telemetry.Point) error {
	return WriteGPXSegments(w, name, sport, [][]telemetry.Point{points})
}

// WriteGPXSegments is WriteGPX with the points in several track segments
// (<trkseg>), one for each part of a line with gaps (a route the owner's
// privacy zones cut); a track has at least one, empty when there is no
// point.
func WriteGPXSegments(w io.Writer, name, sport string, segments [][]telemetry.Point) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	ws := func(s string) { _, _ = bw.WriteString(s) }
	esc := func(s string) { _ = xml.EscapeText(bw, []byte(s)) }
	f := func(v float64, prec int) string { return strconv.FormatFloat(v, 'f', prec, 64) }

	ws(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	ws(`<gpx version="1.1" creator="Athlos" xmlns="http://www.topografix.com/GPX/1/1"` +
		` xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1"` +
		` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"` +
		` xsi:schemaLocation="http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd">` + "\n")
	if len(segments) > 0 && len(segments[0]) > 0 {
		ws(" <metadata><time>" + segments[0][0].T.UTC().Format(time.RFC3339) + "</time></metadata>\n")
	}
	ws(" <trk>\n  <name>")
	esc(name)
	ws("</name>\n")
	if t, ok := gpxTypes[sport]; ok {
		ws("  <type>" + t + "</type>\n")
	}
	if len(segments) == 0 {
		segments = [][]telemetry.Point{nil}
	}
	for _, points := range segments {
		writeSegment(ws, f, points)
	}
	ws(" </trk>\n</gpx>\n")
	return bw.Flush()
}

// writeSegment writes one <trkseg> of positioned points.
func writeSegment(ws func(string), f func(float64, int) string, points []telemetry.Point) {
	ws("  <trkseg>\n")
	for _, p := range points {
		if !p.HasPosition() {
			continue
		}
		ws(`   <trkpt lat="` + f(p.Lat, 7) + `" lon="` + f(p.Lon, 7) + `">`)
		if p.Ele != nil {
			ws("<ele>" + f(*p.Ele, 1) + "</ele>")
		}
		ws("<time>" + p.T.UTC().Format(time.RFC3339Nano) + "</time>")
		if p.HR != nil || p.Cad != nil || p.Temp != nil || p.Pwr != nil {
			ws("<extensions>")
			if p.Pwr != nil {
				ws("<power>" + strconv.Itoa(*p.Pwr) + "</power>")
			}
			if p.HR != nil || p.Cad != nil || p.Temp != nil {
				ws("<gpxtpx:TrackPointExtension>")
				if p.Temp != nil {
					ws("<gpxtpx:atemp>" + f(*p.Temp, 1) + "</gpxtpx:atemp>")
				}
				if p.HR != nil {
					ws("<gpxtpx:hr>" + strconv.Itoa(*p.HR) + "</gpxtpx:hr>")
				}
				if p.Cad != nil {
					ws("<gpxtpx:cad>" + strconv.Itoa(*p.Cad) + "</gpxtpx:cad>")
				}
				ws("</gpxtpx:TrackPointExtension>")
			}
			ws("</extensions>")
		}
		ws("</trkpt>\n")
	}
	ws("  </trkseg>\n")
}
