// Package training is the training module: workout sessions, their
// telemetry and routes (PostGIS), recording devices, analytics and
// training plans. So far: the users' recording devices, and the parts of
// sessions that are built and tested on their own (telemetry rules, state
// machine, stats, file import and export, the point store).
//
// Schema: training (migrations/training): devices, sessions,
// session_gear, session_parameters, points (PostGIS geography, keyed by
// session and time).
// Stream: EVT_TRAINING (evt.training.>).
//
// Publishes (through the outbox in training.outbox): nothing yet.
//
// Answers (rpc.training.*, payloads in package api):
//
//	devices.list, devices.create, devices.delete   the caller's devices
//	status.get                                      module status (every module)
//
// Consumes: evt.client.user.deleted (durable consumer
// training__evt_client_user_deleted): erases the user's sessions, points and devices.
//
// HTTP (package httpapi, served by the front): /v1/me/devices.
package training
