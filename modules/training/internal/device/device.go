// Package device holds the rules of a user's recording devices. It has no
// SQL, NATS or fx in it.
package device

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/athlos/athlos/modules/training/api"
)

// Limits.
const (
	MaxPerUser   = 50
	MaxTextLen   = 100
	DefaultLimit = 20
	MaxLimit     = 100
)

// invalid is the error of an invalid field.
func invalid(field, format string, args ...any) *fielderr.Error {
	return fielderr.New(field, format, args...)
}

// Normalize checks a new device and returns it cleaned: texts trimmed,
// sensors sorted without duplicates.
func Normalize(d api.DeviceCreate) (api.DeviceCreate, error) {
	if !slices.Contains(api.DeviceKinds, d.Kind) {
		return d, invalid("kind", "must be one of %s", strings.Join(api.DeviceKinds, ", "))
	}
	for field, v := range map[string]*string{"manufacturer": &d.Manufacturer, "model": &d.Model, "name": &d.Name} {
		*v = strings.TrimSpace(*v)
		if utf8.RuneCountInString(*v) > MaxTextLen {
			return d, invalid(field, "must be at most %d characters", MaxTextLen)
		}
		if strings.ContainsAny(*v, "\x00\n\r\t") {
			return d, invalid(field, "must not contain control characters")
		}
	}
	sensors := make([]string, 0, len(d.Sensors))
	for i, s := range d.Sensors {
		if !slices.Contains(api.Sensors, s) {
			return d, invalid(fmt.Sprintf("sensors[%d]", i), "must be one of %s", strings.Join(api.Sensors, ", "))
		}
		if !slices.Contains(sensors, s) {
			sensors = append(sensors, s)
		}
	}
	slices.Sort(sensors)
	d.Sensors = sensors
	return d, nil
}

// PageSize returns the page size for a requested limit (0 means default).
func PageSize(limit int) (int, error) {
	switch {
	case limit == 0:
		return DefaultLimit, nil
	case limit < 1 || limit > MaxLimit:
		return 0, invalid("limit", "must be between 1 and %d", MaxLimit)
	}
	return limit, nil
}

// EncodeCursor makes the opaque cursor that continues a list after id.
func EncodeCursor(id uuid.UUID) string { return base64.RawURLEncoding.EncodeToString(id[:]) }

// DecodeCursor reads a cursor made by EncodeCursor.
func DecodeCursor(s string) (uuid.UUID, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 16 {
		return uuid.Nil, invalid("cursor", "is not a cursor this API returned")
	}
	return uuid.UUID(b), nil
}
