package device

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/athlos/athlos/modules/training/api"
)

func TestNormalize(t *testing.T) {
	d, err := Normalize(Device{Kind: "watch", Manufacturer: " Garmin ", Sensors: []string{"heart_rate", "gps", "gps"}})
	require.NoError(t, err)
	assert.Equal(t, "Garmin", d.Manufacturer)
	assert.Equal(t, []string{"gps", "heart_rate"}, d.Sensors)

	for field, in := range map[string]Device{
		"kind":         {Kind: "toaster"},
		"name":         {Kind: "phone", Name: strings.Repeat("n", MaxTextLen+1)},
		"model":        {Kind: "phone", Model: "a\nb"},
		"sensors[1]":   {Kind: "phone", Sensors: []string{"gps", "lidar"}},
		"manufacturer": {Kind: "phone", Manufacturer: "x\x00"},
	} {
		_, err := Normalize(in)
		var fe *fielderr.Error
		require.ErrorAs(t, err, &fe, field)
		assert.Equal(t, field, fe.Field)
	}
}

// The API document's enums list the kinds and sensors the rules accept.
func TestAPIEnumsAreTheRules(t *testing.T) {
	typ := reflect.TypeFor[api.DeviceCreate]()
	for field, want := range map[string][]string{"Kind": Kinds, "Sensors": Sensors} {
		f, ok := typ.FieldByName(field)
		require.True(t, ok, field)
		assert.Equal(t, strings.Join(want, ","), f.Tag.Get("enum"), field)
	}
}
