package device

import (
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/athlos/athlos/modules/training/api"
)

func TestNormalize(t *testing.T) {
	d, err := Normalize(api.DeviceCreate{Kind: "watch", Manufacturer: " Garmin ", Sensors: []string{"heart_rate", "gps", "gps"}})
	require.NoError(t, err)
	assert.Equal(t, "Garmin", d.Manufacturer)
	assert.Equal(t, []string{"gps", "heart_rate"}, d.Sensors)

	for field, in := range map[string]api.DeviceCreate{
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

func TestPagingHelpers(t *testing.T) {
	n, err := PageSize(0)
	require.NoError(t, err)
	assert.Equal(t, DefaultLimit, n)
	_, err = PageSize(MaxLimit + 1)
	assert.Error(t, err)
	id := uuid.Must(uuid.NewV7())
	got, err := DecodeCursor(EncodeCursor(id))
	require.NoError(t, err)
	assert.Equal(t, id, got)
	for _, c := range []string{"", "***", "AAAA"} {
		_, err := DecodeCursor(c)
		assert.Error(t, err, c)
	}
}
