// Package device holds the rules of a user's recording devices. It has no
// SQL, NATS or fx in it.
package device

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/athlos/athlos/internal/kit/fielderr"
)

// Limits.
const (
	MaxPerUser = 50
	MaxTextLen = 100
)

// Kinds of devices and the sensors they may have (the API document's
// enums list the same).
var (
	Kinds   = []string{"phone", "watch", "chest_strap", "power_meter", "bike_computer", "other"}
	Sensors = []string{"gps", "heart_rate", "cadence", "speed", "power", "barometer", "temperature", "accelerometer"}
)

// Device is a recording device as the user describes it.
type Device struct {
	Kind         string
	Manufacturer string
	Model        string
	Name         string
	Sensors      []string
}

// Normalize checks a new device and returns it cleaned: texts trimmed,
// sensors sorted without duplicates. An invalid field is a
// *fielderr.Error.
func Normalize(d Device) (Device, error) {
	if !slices.Contains(Kinds, d.Kind) {
		return d, fielderr.New("kind", "must be one of %s", strings.Join(Kinds, ", "))
	}
	for field, v := range map[string]*string{"manufacturer": &d.Manufacturer, "model": &d.Model, "name": &d.Name} {
		*v = strings.TrimSpace(*v)
		if utf8.RuneCountInString(*v) > MaxTextLen {
			return d, fielderr.New(field, "must be at most %d characters", MaxTextLen)
		}
		if strings.ContainsAny(*v, "\x00\n\r\t") {
			return d, fielderr.New(field, "must not contain control characters")
		}
	}
	sensors := make([]string, 0, len(d.Sensors))
	for i, s := range d.Sensors {
		if !slices.Contains(Sensors, s) {
			return d, fielderr.New(fmt.Sprintf("sensors[%d]", i), "must be one of %s", strings.Join(Sensors, ", "))
		}
		if !slices.Contains(sensors, s) {
			sensors = append(sensors, s)
		}
	}
	slices.Sort(sensors)
	d.Sensors = sensors
	return d, nil
}
