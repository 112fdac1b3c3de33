package rpc

import (
	"context"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/service"
	"github.com/athlos/athlos/modules/training/internal/zone"
)

// registerZones serves rpc.training.zones.*: the caller's privacy zones.
func registerZones(svc *bus.Service, s *service.Service) error {
	return handlers(svc, map[string]bus.HandlerFunc{
		api.SubjectZonesList: asCaller(func(ctx context.Context, user uuid.UUID, _ api.Empty) (api.PrivacyZoneList, error) {
			return s.ListZones(ctx, user)
		}),
		api.SubjectZonesCreate: asCaller(func(ctx context.Context, user uuid.UUID, in api.PrivacyZoneCreate) (api.PrivacyZone, error) {
			return s.CreateZone(ctx, user, zone.Zone{Lat: in.Center.Lat, Lon: in.Center.Lon, RadiusM: in.RadiusM})
		}),
		api.SubjectZonesPatch: asCaller(func(ctx context.Context, user uuid.UUID, in api.PrivacyZonePatch) (api.PrivacyZone, error) {
			id, err := parseID("path.id", in.ID)
			if err != nil {
				return api.PrivacyZone{}, err
			}
			return s.PatchZone(ctx, user, id, service.ZoneChange{Center: in.Center, RadiusM: in.RadiusM})
		}),
		api.SubjectZonesDelete: asCaller(func(ctx context.Context, user uuid.UUID, in api.PrivacyZoneRef) (api.Empty, error) {
			id, err := parseID("path.id", in.ID)
			if err != nil {
				return api.Empty{}, err
			}
			return api.Empty{}, s.DeleteZone(ctx, user, id)
		}),
	})
}
