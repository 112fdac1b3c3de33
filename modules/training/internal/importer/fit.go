package importer

import (
	"fmt"
	"io"
	"math"
	"time"

	"github.com/muktihari/fit/decoder"
	"github.com/muktihari/fit/profile/basetype"
	"github.com/muktihari/fit/profile/filedef"

	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

// ReadFIT reads a FIT activity file (plain or gzipped) with the
// muktihari/fit decoder: the records of its first activity. The decoder
// checks the file's CRC, so a truncated or corrupt file is refused whole.
// Records without a position (indoor: a treadmill, a trainer, a pool, a
// rowing machine; before a GPS fix; a tunnel) are kept when they carry a
// value (heart rate, power, cadence, speed, the device's distance,
// altitude); those that carry nothing are counted as skipped, and a file
// with no record left is refused.
func ReadFIT(r io.Reader) (Activity, int, error) {
	r, err := Decompress(r)
	if err != nil {
		return Activity{}, 0, err
	}
	lis := filedef.NewListener()
	defer lis.Close()
	dec := decoder.New(r, decoder.WithMesgListener(lis), decoder.WithBroadcastOnly())
	if _, err := dec.Decode(); err != nil {
		return Activity{}, 0, refuse("not a valid FIT file: %v", err)
	}
	file, ok := lis.File().(*filedef.Activity)
	if !ok {
		return Activity{}, 0, refuse("the FIT file is not an activity (it holds %T)", lis.File())
	}
	var act Activity
	// The sport of the sessions; a multisport file (a triathlon: swim,
	// transitions, ride, run) names none, as one session has one sport.
	for i, s := range file.Sessions {
		sport := SportOf(s.SubSport.String())
		if sport == "" {
			sport = SportOf(s.Sport.String())
		}
		if i > 0 && sport != act.Sport {
			act.Sport = ""
			break
		}
		act.Sport = sport
	}
	for _, l := range file.Laps {
		if !l.StartTime.IsZero() {
			act.LapStarts = append(act.LapStarts, l.StartTime.UTC())
		}
	}
	empty := 0
	for _, rec := range file.Records {
		if rec.Timestamp.IsZero() {
			act.Untimed++
			continue
		}
		p := telemetry.NoPosition(telemetry.Point{T: rec.Timestamp.UTC()})
		if rec.PositionLat != basetype.Sint32Invalid && rec.PositionLong != basetype.Sint32Invalid {
			p.Lat, p.Lon = rec.PositionLatDegrees(), rec.PositionLongDegrees()
		}
		if rec.Distance != basetype.Uint32Invalid {
			v := rec.DistanceScaled()
			p.Dist = &v
		}
		if v := rec.EnhancedAltitudeScaled(); !math.IsNaN(v) && rec.EnhancedAltitude != basetype.Uint32Invalid {
			p.Ele = &v
		} else if v := rec.AltitudeScaled(); rec.Altitude != basetype.Uint16Invalid {
			p.Ele = &v
		}
		if rec.EnhancedSpeed != basetype.Uint32Invalid {
			v := rec.EnhancedSpeedScaled()
			p.Speed = &v
		} else if rec.Speed != basetype.Uint16Invalid {
			v := rec.SpeedScaled()
			p.Speed = &v
		}
		if rec.HeartRate != basetype.Uint8Invalid {
			v := int(rec.HeartRate)
			p.HR = &v
		}
		if rec.Cadence != basetype.Uint8Invalid {
			v := int(rec.Cadence)
			p.Cad = &v
		}
		if rec.Power != basetype.Uint16Invalid {
			v := int(rec.Power)
			p.Pwr = &v
		}
		if rec.Temperature != basetype.Sint8Invalid {
			v := float64(rec.Temperature)
			p.Temp = &v
		}
		if p.Empty() {
			empty++
			continue
		}
		act.Points = append(act.Points, p)
	}
	if len(act.Points) == 0 {
		return Activity{}, 0, refuse("the activity has %s", describeEmpty(len(file.Records), empty))
	}
	// A device whose clock is not set counts seconds from when it was
	// switched on: such times come out before 1998-07 (FIT's epoch plus
	// 0x10000000 s).
	for _, p := range act.Points {
		if p.T.Before(fitRelativeTimes) {
			return Activity{}, 0, refuse("the device's clock was not set: its times count from when it was switched on (%s)",
				p.T.UTC().Format(time.RFC3339))
		}
	}
	act.Disorder = orderByTime(act.Points)
	dropPlaceholderCadence(act.Points)
	return act, empty, nil
}

// fitRelativeTimes is where FIT's device-relative timestamps end: FIT's
// epoch (1989-12-31) plus 0x10000000 seconds.
var fitRelativeTimes = time.Date(1989, 12, 31, 0, 0, 0, 0, time.UTC).Add(0x10000000 * time.Second)

func describeEmpty(records, empty int) string {
	if records == 0 {
		return "no records"
	}
	return fmt.Sprintf("%d records but none with a time and a position or a value (%d hold nothing)", records, empty)
}
