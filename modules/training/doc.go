// Package training is the training module: workout sessions, their
// telemetry and routes (PostGIS), recording devices, analytics and
// training plans. So far: recording devices, and live sessions over HTTP
// (start, points, pause, resume, finish with figures), plus file import
// and export built and tested on their own.
//
// Schema: training (migrations/training): devices, sessions,
// session_gear, session_parameters, points (PostGIS geography, keyed by
// session and time).
// Stream: EVT_TRAINING (evt.training.>).
//
// Publishes (through the outbox in training.outbox):
//
//	evt.training.session.completed   api.SessionCompleted, when a session is finished
//
// Answers (rpc.training.*, payloads in package api):
//
//	devices.list, devices.create, devices.delete   the caller's devices
//	sessions.start, sessions.get, sessions.list, sessions.action, sessions.points, sessions.gpx   the caller's sessions
//	status.get                                      module status (every module)
//
// Consumes: live.telemetry.<user>.<session> (stream TELEMETRY, durable
// consumer training__live_telemetry): the app's points, stored like HTTP's;
// evt.client.user.deleted (durable consumer
// training__evt_client_user_deleted): erases the user's sessions, points and devices.
//
// HTTP (package httpapi, served by the front): /v1/me/devices, /v1/sessions,
// /v1/sessions/{id}, /v1/sessions/{id}/pause|resume|finish|points|gpx.
package training
