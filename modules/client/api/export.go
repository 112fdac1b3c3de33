package api

import "time"

// Subjects of the data export (GDPR Art. 20), all on the caller's behalf.
const (
	// SubjectExportCreate asks for an archive of everything the modules
	// hold of the caller (Empty → Export): pending at first.
	SubjectExportCreate = "rpc.client.export.create"
	// SubjectExportGet answers the caller's latest export (Empty → Export).
	SubjectExportGet = "rpc.client.export.get"
	// SubjectExportPart answers one part of the caller's ready archive
	// (ExportPartRequest → ExportPart): the front streams them in order.
	SubjectExportPart = "rpc.client.export.part"
)

// EventExportReady says a user's archive is ready to download (the social
// module tells the user with a notification; the client module mails
// them).
const EventExportReady = "evt.client.export.ready"

// Export states.
const (
	ExportPending = "pending" // asked for, or being built
	ExportReady   = "ready"   // ready to download until expires_at
	ExportFailed  = "failed"  // could not be built; ask again
	ExportExpired = "expired" // past expires_at: the archive is deleted
)

// ExportTTL is how long a ready archive stays downloadable.
const ExportTTL = 7 * 24 * time.Hour

// ExportEvery is how often a user may ask for an export: once per this
// span (a failed export does not count).
const ExportEvery = 24 * time.Hour

// ExportPartBytes is the size of an archive's parts (the last is
// smaller): each crosses NATS in one message.
const ExportPartBytes = 1 << 20

// Export is a data export as its owner sees it.
type Export struct {
	ID          string     `json:"id" format:"uuid"`
	Status      string     `json:"status" enum:"pending,ready,failed,expired" doc:"pending: being built; ready: download it until expires_at; failed: ask again; expired: deleted"`
	RequestedAt time.Time  `json:"requested_at"`
	ReadyAt     *time.Time `json:"ready_at,omitempty"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty" doc:"ready: when the archive is deleted (7 days after it was ready)"`
	SizeBytes   *int64     `json:"size_bytes,omitempty" doc:"the archive's size (a zip file), once ready"`
	SHA256      *string    `json:"sha256,omitempty" doc:"hex SHA-256 of the archive, once ready"`
	DownloadURL *string    `json:"download_url,omitempty" doc:"ready: where to download it (with your access token)"`
	Error       *string    `json:"error,omitempty" doc:"failed: why"`
	// NextAllowedAt is when the caller may ask for another export.
	NextAllowedAt time.Time `json:"next_allowed_at" doc:"when you may ask for a new export (one a day)"`
}

// ExportDownloadPath is the path of the download of the caller's archive.
const ExportDownloadPath = "/v1/me/export/download"

// ExportPartRequest asks for part Seq (from 0) of the caller's ready
// archive; ExportID, when set, must be that archive's (a download that
// began with one export does not continue with another).
type ExportPartRequest struct {
	ExportID string `json:"export_id,omitempty"`
	Seq      int    `json:"seq"`
}

// ExportPart is one part of an archive.
type ExportPart struct {
	ExportID  string `json:"export_id"`
	Seq       int    `json:"seq"`
	Parts     int    `json:"parts"`
	SizeBytes int64  `json:"size_bytes"`
	SHA256    string `json:"sha256"`
	Data      []byte `json:"data"`
}

// ExportReadyEvent is the payload of EventExportReady.
type ExportReadyEvent struct {
	ExportID  string    `json:"export_id"`
	UserID    string    `json:"user_id"`
	SizeBytes int64     `json:"size_bytes"`
	ReadyAt   time.Time `json:"ready_at"`
	ExpiresAt time.Time `json:"expires_at"`
}
