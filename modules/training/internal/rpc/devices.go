package rpc

import (
	"context"

	"github.com/google/uuid"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/device"
	"github.com/athlos/athlos/modules/training/internal/service"
)

// registerDevices serves rpc.training.devices.*: the caller's recording
// devices.
func registerDevices(svc *bus.Service, s *service.Service) error {
	return handlers(svc, map[string]bus.HandlerFunc{
		api.SubjectDevicesList: asCaller(func(ctx context.Context, user uuid.UUID, in api.DeviceListRequest) (api.DeviceList, error) {
			return s.ListDevices(ctx, user, in.Limit, in.Cursor)
		}),
		api.SubjectDevicesCreate: asCaller(func(ctx context.Context, user uuid.UUID, in api.DeviceCreate) (api.Device, error) {
			return s.CreateDevice(ctx, user, device.Device{Kind: in.Kind, Manufacturer: in.Manufacturer, Model: in.Model,
				Name: in.Name, Sensors: in.Sensors})
		}),
		api.SubjectDevicesDelete: asCaller(func(ctx context.Context, user uuid.UUID, in api.DeviceRef) (api.Empty, error) {
			id, err := parseID("path.id", in.ID)
			if err != nil {
				return api.Empty{}, err
			}
			return api.Empty{}, s.DeleteDevice(ctx, user, id)
		}),
	})
}
