// Package training is the training module: workout sessions, their telemetry and routes (PostGIS), recording devices, analytics and training plans.
//
// Schema: training (migrations/training). Stream: EVT_TRAINING (evt.training.>).
//
// Publishes (through the outbox in training.outbox): none yet.
//
// Answers: rpc.training.status.get (bus.ModuleStatus).
//
// Consumes: nothing yet.
package training
