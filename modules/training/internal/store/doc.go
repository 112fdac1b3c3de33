// Package store is the training module's SQL, in schema training: functions
// taking a storage.Querier (a pool or a transaction) or a pgx.Tx, with row
// types of their own (SessionRow, Summary, Device, ...), never the API's:
// a renamed API field must not change how a stored row decodes. One file
// per table or concern: sessions, summary (the JSON of a finished
// session's figures), points, ingest (the running figures), devices,
// athletes (the profiles' read model), gear (who owns which item), users
// (deleted accounts).
package store
