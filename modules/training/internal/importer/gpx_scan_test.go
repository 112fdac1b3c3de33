package importer

import (
	"bytes"
	"compress/gzip"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

// synthRun returns n points one second apart of a run heading north-east
// at 3 m/s (5:33 min/km), with elevation, heart rate and cadence on each:
// what a watch records in n seconds.
func synthRun(n int) []telemetry.Point {
	const (
		lat0, lon0 = 48.1371, 11.5754
		speed      = 3.0 // m/s
		mPerDegLat = 111_320.0
	)
	mPerDegLon := mPerDegLat * math.Cos(lat0*math.Pi/180)
	start := time.Date(2024, 5, 1, 6, 30, 0, 0, time.UTC)
	points := make([]telemetry.Point, n)
	for i := range points {
		d := speed * float64(i) / math.Sqrt2 // metres north and east
		ele := math.Round((520+15*math.Sin(float64(i)/600))*10) / 10
		hr := 140 + i%25
		cad := 84 + i%4
		points[i] = telemetry.Point{
			T:   start.Add(time.Duration(i) * time.Second),
			Lat: lat0 + d/mPerDegLat,
			Lon: lon0 + d/mPerDegLon,
			Ele: &ele,
			HR:  &hr,
			Cad: &cad,
		}
	}
	return points
}

// synthGPX is a GPX 1.1 run of n points as WriteGPX writes it: about
// 200 bytes a point, 2 MB for 10,000.
func synthGPX(tb testing.TB, n int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := WriteGPX(&buf, "Synthetic run", "run", synthRun(n)); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadGPXReadsBackWhatWriteGPXWrites(t *testing.T) {
	want := synthRun(2_000)
	act, err := ReadGPX(bytes.NewReader(synthGPX(t, len(want))))
	require.NoError(t, err)
	assert.Equal(t, "Synthetic run", act.Name)
	assert.Equal(t, "run", act.Sport)
	require.Len(t, act.Points, len(want))
	for i, p := range act.Points {
		w := want[i]
		require.True(t, p.T.Equal(w.T), i)
		require.InDelta(t, w.Lat, p.Lat, 1e-7, i)
		require.InDelta(t, w.Lon, p.Lon, 1e-7, i)
		require.Equal(t, *w.Ele, *p.Ele, i)
		require.Equal(t, *w.HR, *p.HR, i)
		require.Equal(t, *w.Cad, *p.Cad, i)
		require.Nil(t, p.Pwr)
	}
}

// TestReadGPXAllocatesPerFileNotPerPoint: the points' optional values come
// from shared chunks, and nothing is allocated per element.
func TestReadGPXAllocatesPerFileNotPerPoint(t *testing.T) {
	raw := synthGPX(t, 10_000)
	allocs := testing.AllocsPerRun(3, func() {
		if _, err := ReadGPX(bytes.NewReader(raw)); err != nil {
			t.Fatal(err)
		}
	})
	assert.Less(t, allocs, 200.0, "10,000 points")
}

func TestReadGPXDetails(t *testing.T) {
	const head = `<?xml version="1.0" encoding="UTF-8"?>` + "\r\n" +
		`<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1" xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">` + "\r\n"
	doc := head +
		"<trk><name> Fish &amp; chips <!-- not part of it --> run </name><type><![CDATA[running]]></type><trkseg>\r\n" +
		// time with an offset, a comment inside a value, an extension with its own <time>
		`<trkpt lat=' 45.5 ' lon="&#49;3.25"><ele>1<!-- c -->00</ele><time>2024-05-01T08:30:01.5+02:00</time>` +
		"<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>150.6</gpxtpx:hr><gpxtpx:atemp>21.5</gpxtpx:atemp></gpxtpx:TrackPointExtension>" +
		"<other><time>1999-01-01T00:00:00Z</time></other></extensions></trkpt>\r\n" +
		// an empty-element track point has no time
		`<trkpt lat="45.6" lon="13.3"/>` +
		// earlier than the first: sorted before it
		`<trkpt lat="45.4" lon="13.2"><time>2024-05-01T06:30:00Z</time><speed>3.5</speed><extensions><power>250</power></extensions></trkpt>` +
		"</trkseg></trk></gpx>\r\n"
	act, err := ReadGPX(strings.NewReader(doc))
	require.NoError(t, err)
	assert.Equal(t, "Fish & chips  run", act.Name)
	assert.Equal(t, "run", act.Sport)
	assert.Equal(t, 1, act.Untimed)
	require.Len(t, act.Points, 2)

	first, second := act.Points[0], act.Points[1]
	assert.Equal(t, time.Date(2024, 5, 1, 6, 30, 0, 0, time.UTC), first.T)
	assert.Equal(t, 3.5, *first.Speed)
	assert.Equal(t, 250, *first.Pwr)

	assert.Equal(t, time.Date(2024, 5, 1, 6, 30, 1, 5e8, time.UTC), second.T, "the offset applied; the extension's <time> ignored")
	assert.Equal(t, time.UTC, second.T.Location())
	assert.Equal(t, 45.5, second.Lat)
	assert.Equal(t, 13.25, second.Lon)
	assert.Equal(t, 100.0, *second.Ele)
	assert.Equal(t, 151, *second.HR, "rounded")
	assert.Equal(t, 21.5, *second.Temp)
}

func TestReadGPXRefusesWithAReason(t *testing.T) {
	raw := open(t, "georust-gpx__run-hr-cad__garmin-activity.gpx")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, err := zw.Write(raw[:len(raw)-40])
	require.NoError(t, err)
	require.NoError(t, zw.Close())

	pt := `<trkpt lat="1" lon="2"><time>2020-01-01T00:00:00Z</time></trkpt>`
	cases := map[string]string{
		string(raw[:len(raw)-40]): "the file is truncated at line 9897: <trkseg> (line 16) is never closed",
		gz.String():               "the file is truncated at line 9897: <trkseg> (line 16) is never closed",
		string(raw[:100_000]):     "the file is truncated at line 2709: it ends inside the tag <time",
		`<gpx><trk><trkseg>` + pt + `</trkseg></trk></gpx><gpx/>`:                                            "not well-formed XML at line 1: a second root element <gpx>",
		`<gpx><trk><trkseg>` + pt + `</trkseg></trk></gpx>` + "\n\n--boundary--":                             `not well-formed XML at line 3: text "--boundary--" after the end of the root element`,
		`<gpx><trk><trkseg>` + pt + `</trk></gpx>`:                                                           "not well-formed XML at line 1: expected </trkseg> to close <trkseg> of line 1, found </trk>",
		`<gpx><trk><trkseg><trkpt lat="1" lon="x"/></trkseg></trk></gpx>`:                                    `track point at line 1: lon "x" is not a number`,
		`<gpx><trk><trkseg><trkpt lat="1"/></trkseg></trk></gpx>`:                                            "track point at line 1: lat and lon are required",
		"<gpx><trk><trkseg>\n<trkpt lat=\"1\" lon=\"2\"><time>yesterday</time></trkpt></trkseg></trk></gpx>": `track point value <time> at line 2: "yesterday" is not an RFC 3339 time`,
		`<gpx><trk><trkseg><trkpt lat="1" lon="2"><ele>high</ele></trkpt></trkseg></trk></gpx>`:              `track point value <ele> at line 1: "high" is not a number`,
		`<kml><Document/></kml>`: "not a GPX file: the root element is <kml>",
		``:                       "not a GPX file: no <gpx> element",
		`<!-- nothing -->`:       "not a GPX file: no <gpx> element",
	}
	for doc, want := range cases {
		_, err := ReadGPX(strings.NewReader(doc))
		var fe *FileError
		require.True(t, errors.As(err, &fe), "%.60q: %v", doc, err)
		assert.Equal(t, want, fe.Reason[:min(len(fe.Reason), len(want))], "%.60q", doc)
	}
}

func TestParseTimeIsTimeParse(t *testing.T) {
	for _, s := range []string{
		"2024-05-01T06:30:00Z", "2017-07-29T14:46:35.000Z", "2024-05-01T06:30:00.5Z",
		"2024-05-01T06:30:00.123456789Z", "2024-05-01T06:30:00.1234567891234Z",
		"2024-05-01T08:30:00+02:00", "2024-05-01T01:00:00-05:30", "2024-05-01T00:00:00-00:00",
		"2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "2000-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
		"0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z",
		"2024-04-31T00:00:00Z", "2024-13-01T00:00:00Z", "2024-00-01T00:00:00Z", "2024-05-00T00:00:00Z",
		"2024-05-01T24:00:00Z", "2024-05-01T23:60:00Z", "2024-05-01T23:59:60Z",
		"2024-05-01T06:30:00+24:00", "2024-05-01T06:30:00+23:60", "2024-05-01T06:30:00+0200",
		"2024-05-01t06:30:00z", "2024-05-01 06:30:00Z", "2024-05-01T06:30:00", "2024-05-01T06:30:00.Z",
		"2024-05-01T06:30:00,5Z", "2024-5-01T06:30:00Z", "2024-05-01T6:30:00Z", "+2024-05-01T06:30:00Z",
		"2024-05-01T06:30:00ZZ", "2024-05-01T06:30:00.5", "", "yesterday", "２０２４-05-01T06:30:00Z",
	} {
		want, wantErr := time.Parse(time.RFC3339Nano, s)
		got, err := parseTime([]byte(s))
		if wantErr != nil {
			assert.Error(t, err, s)
			continue
		}
		require.NoError(t, err, s)
		assert.Equal(t, want.UTC(), got, s)
		if fast, ok := parseTimeFast([]byte(s)); ok {
			assert.Equal(t, want.UTC(), fast, s)
		}
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2024-05-01T06:30:00Z", "2024-05-01T08:30:00.25+02:00", "2024-02-29T23:59:59.999999999-11:59"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, wantErr := time.Parse(time.RFC3339Nano, s)
		got, err := parseTime([]byte(s))
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("%q: error %v, time.Parse's %v", s, err, wantErr)
		}
		if err == nil && got != want.UTC() {
			t.Fatalf("%q: %v, time.Parse says %v", s, got, want.UTC())
		}
	})
}

// FuzzReadGPX checks that ReadGPX (and ReadTCX, on the same scanner) never
// panics, refuses only with a *FileError, and accepts only timed points in
// time order.
func FuzzReadGPX(f *testing.F) {
	f.Add(synthGPX(f, 3))
	f.Add([]byte(`<?xml version="1.0" encoding="ISO-8859-1"?><gpx><trk><name>Caf` + "\xE9" + `</name><type>hike</type><trkseg>` +
		`<trkpt lat="1" lon="2"><time>2020-01-01T00:00:01+01:00</time><extensions><ns3:TrackPointExtension><ns3:hr>150</ns3:hr><ns3:cad>0</ns3:cad></ns3:TrackPointExtension></extensions></trkpt>` +
		`<trkpt lat='1.1' lon='2.1'/><trkpt lat="1" lon="2"><time>2020-01-01T00:00:00Z</time></trkpt></trkseg></trk></gpx>`))
	f.Add([]byte("<!DOCTYPE gpx [<!ENTITY x 'y'>]><gpx><!-- c --><?pi x?><trk><trkseg><trkpt lat=\"1\" lon=\"2\"><time><![CDATA[2020-01-01T00:00:00Z]]></time><ele>&#49;&#x32;</ele></trkpt></trkseg></trk></gpx>"))
	f.Add([]byte(`<gpx><trk><trkseg><trkpt lat="1" lon="2"><time>2020-01-01T00:00:00Z</time></trkseg></trk></gpx>`))
	f.Add([]byte(`<TrainingCenterDatabase><Activities><Activity Sport="Running"><Lap><Track><Trackpoint><Time>2020-01-01T00:00:00Z</Time><Position><LatitudeDegrees>1</LatitudeDegrees><LongitudeDegrees>2</LongitudeDegrees></Position><HeartRateBpm><Value>140</Value></HeartRateBpm></Trackpoint></Track></Lap></Activity></Activities></TrainingCenterDatabase>`))
	for _, name := range []string{"togeojson__run-3seg-pauses-hr__Friday-Evening-Run.gpx", "jpx__malformed-xml__GPX_invalid_extensions.gpx"} {
		raw, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw[:min(len(raw), 4096)]) // small seeds keep minimising fast
	}
	byTime := func(a, b telemetry.Point) int { return a.T.Compare(b.T) }
	f.Fuzz(func(t *testing.T, data []byte) {
		var fe *FileError
		act, err := ReadGPX(bytes.NewReader(data))
		if err != nil {
			if !errors.As(err, &fe) || fe.Reason == "" {
				t.Fatalf("ReadGPX: %T %v", err, err)
			}
		} else if len(act.Points) == 0 || !slices.IsSortedFunc(act.Points, byTime) {
			t.Fatalf("ReadGPX accepted %d points, or not in time order", len(act.Points))
		}
		tcx, _, err := ReadTCX(bytes.NewReader(data))
		if err != nil {
			if !errors.As(err, &fe) || fe.Reason == "" {
				t.Fatalf("ReadTCX: %T %v", err, err)
			}
		} else if len(tcx.Points) == 0 || !slices.IsSortedFunc(tcx.Points, byTime) {
			t.Fatalf("ReadTCX accepted %d points, or not in time order", len(tcx.Points))
		}
	})
}

// BenchmarkReadGPX10k parses a 10,000-point (about 2 MB) GPX 1.1 run with
// elevation, time and Garmin TrackPointExtension hr and cad on each point.
func BenchmarkReadGPX10k(b *testing.B) {
	raw := synthGPX(b, 10_000)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		act, err := ReadGPX(bytes.NewReader(raw))
		if err != nil {
			b.Fatal(err)
		}
		if len(act.Points) != 10_000 {
			b.Fatalf("%d points", len(act.Points))
		}
	}
}
