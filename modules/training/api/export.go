package api

// SubjectExportGPX answers a piece of one of the caller's own sessions as
// GPX 1.1 (ExportGPXRequest → ExportChunk), for the client module's data
// export: a long session's track is larger than a NATS message, so it
// comes in pieces of at most ExportChunkBytes, asked for by offset.
// Errors: not_found (not the caller's session, unknown), conflict (no
// positioned point: nothing to export), invalid (offset).
const SubjectExportGPX = "rpc.training.export.gpx"

// SubjectExportSource answers a piece of the original file of one of the
// caller's own imported sessions, byte for byte as uploaded
// (ExportSourceRequest → ExportChunk, with Ext), for the client module's
// data export. Errors: not_found (not the caller's session, unknown, or
// no file kept: a live or manual session), invalid (offset).
const SubjectExportSource = "rpc.training.export.source"

// ExportSourceRequest asks for the original file of session SessionID
// from byte Offset.
type ExportSourceRequest struct {
	SessionID string `json:"session_id"`
	Offset    int64  `json:"offset"`
}

// ExportChunkBytes bounds the data of an ExportChunk.
const ExportChunkBytes = 1 << 20

// ExportGPXRequest asks for the GPX of session SessionID from byte
// Offset.
type ExportGPXRequest struct {
	SessionID string `json:"session_id"`
	Offset    int64  `json:"offset"`
}

// ExportChunk is a piece of a file: Data from Offset, of Total bytes in
// all; the last piece has Offset+len(Data) == Total.
type ExportChunk struct {
	Offset int64  `json:"offset"`
	Total  int64  `json:"total"`
	Data   []byte `json:"data"`
	// Ext names an original file's kind (SubjectExportSource): gpx, tcx or
	// fit, with .gz when it was uploaded gzipped.
	Ext string `json:"ext,omitempty"`
}
