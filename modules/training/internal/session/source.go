package session

// Where a session's data came from (SessionRow.Source): recorded live,
// imported from a file (gpx, tcx, fit), or entered by hand.
const (
	SourceLive   = "live"
	SourceManual = "manual"
)
