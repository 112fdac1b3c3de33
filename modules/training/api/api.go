// Package api is the training module's contract with the other modules and
// the front: subjects and payloads. It depends on the standard library only.
package api

import "time"

// Module is the module's name: its schema, stream (EVT_TRAINING) and
// subject prefix.
const Module = "training"

// Subjects of the devices operations (they need a caller).
const (
	SubjectDevicesList   = "rpc.training.devices.list"   // DeviceListRequest → DeviceList
	SubjectDevicesCreate = "rpc.training.devices.create" // DeviceCreate → Device
	SubjectDevicesDelete = "rpc.training.devices.delete" // DeviceRef → Empty
)

// Device kinds and sensors.
var (
	DeviceKinds = []string{"phone", "watch", "chest_strap", "power_meter", "bike_computer", "other"}
	Sensors     = []string{"gps", "heart_rate", "cadence", "speed", "power", "barometer", "temperature", "accelerometer"}
)

// Device is a recording device of the caller.
type Device struct {
	ID           string    `json:"id" format:"uuid"`
	Kind         string    `json:"kind" enum:"phone,watch,chest_strap,power_meter,bike_computer,other"`
	Manufacturer string    `json:"manufacturer"`
	Model        string    `json:"model"`
	Name         string    `json:"name"`
	Sensors      []string  `json:"sensors"`
	CreatedAt    time.Time `json:"created_at"`
}

// DeviceCreate adds a device.
type DeviceCreate struct {
	Kind         string   `json:"kind" enum:"phone,watch,chest_strap,power_meter,bike_computer,other"`
	Manufacturer string   `json:"manufacturer,omitempty" maxLength:"100"`
	Model        string   `json:"model,omitempty" maxLength:"100"`
	Name         string   `json:"name,omitempty" maxLength:"100" doc:"what the user calls it"`
	Sensors      []string `json:"sensors,omitempty" maxItems:"8" doc:"gps, heart_rate, cadence, speed, power, barometer, temperature, accelerometer"`
}

// DeviceListRequest asks for a page of the caller's devices, newest first.
type DeviceListRequest struct {
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
}

// DeviceList is a page of devices.
type DeviceList struct {
	Items      []Device `json:"items"`
	NextCursor *string  `json:"next_cursor"`
}

// DeviceRef names one of the caller's devices.
type DeviceRef struct {
	ID string `json:"id"`
}

// Empty is the reply of operations that return nothing.
type Empty struct{}
