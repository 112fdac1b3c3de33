package service_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/service"
	"github.com/athlos/athlos/modules/training/internal/zone"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/pgtest"
)

// The use cases check a zone themselves (a request that did not come
// through the front's schema, straight on NATS, is refused the same way),
// store a mask circle that covers the zone whole, and erase a deleted
// user's zones.
func TestZonesUseCases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	s := service.New(pool, nil, nil, nil, nil)
	user := uuid.Must(uuid.NewV7())
	field := func(err error) string {
		var be *bus.Error
		require.True(t, errors.As(err, &be), "%v", err)
		require.Equal(t, bus.CodeInvalid, be.Code)
		require.Len(t, be.Fields, 1)
		return be.Fields[0].Field
	}
	for _, c := range []struct {
		z     zone.Zone
		field string
	}{
		{zone.Zone{Lat: 91, Lon: 0, RadiusM: 500}, "body.center.lat"},
		{zone.Zone{Lat: 0, Lon: -181, RadiusM: 500}, "body.center.lon"},
		{zone.Zone{Lat: 0, Lon: 0, RadiusM: 199}, "body.radius_m"},
		{zone.Zone{Lat: 0, Lon: 0, RadiusM: math.NaN()}, "body.radius_m"},
	} {
		_, err := s.CreateZone(ctx, user, c.z)
		assert.Equal(t, c.field, field(err))
	}
	z, err := s.CreateZone(ctx, user, zone.Zone{Lat: 52.5, Lon: 13.4, RadiusM: 2000})
	require.NoError(t, err)
	id := uuid.MustParse(z.ID)
	big := 2001.0
	_, err = s.PatchZone(ctx, user, id, service.ZoneChange{RadiusM: &big})
	assert.Equal(t, "body.radius_m", field(err))
	_, err = s.PatchZone(ctx, user, id, service.ZoneChange{Center: &api.ZonePlace{Lat: -91, Lon: 0}})
	assert.Equal(t, "body.center.lat", field(err))

	// The mask circle covers the zone, and moves with it.
	covers := func() bool {
		var ok bool
		require.NoError(t, pool.QueryRow(ctx, `SELECT ST_Distance(center, mask_center) + radius_m <= mask_radius_m
			AND NOT ST_Equals(center::geometry, mask_center::geometry) FROM training.privacy_zones WHERE id = $1`, id).Scan(&ok))
		return ok
	}
	assert.True(t, covers())
	_, err = s.PatchZone(ctx, user, id, service.ZoneChange{Center: &api.ZonePlace{Lat: 48.1, Lon: 11.6}})
	require.NoError(t, err)
	assert.True(t, covers())
	var near bool
	require.NoError(t, pool.QueryRow(ctx, `SELECT ST_DWithin(mask_center, ST_MakePoint(11.6, 48.1)::geography, 600) FROM training.privacy_zones WHERE id = $1`, id).Scan(&near))
	assert.True(t, near, "moved with the zone")

	// Erasing the user erases the zones.
	require.NoError(t, storage.InTx(ctx, pool, func(tx pgx.Tx) error { return s.EraseUser(ctx, tx, user) }))
	l, err := s.ListZones(ctx, user)
	require.NoError(t, err)
	assert.Empty(t, l.Items)
}
