package group

import (
	"slices"

	"github.com/athlos/athlos/internal/kit/fielderr"
)

// Reports: reasons from a fixed list, a bounded text.

// MaxReportText is the longest text of a report or of its resolution's note.
const MaxReportText = 1000

// ReportReasons are the reasons a user may be reported for.
var ReportReasons = []string{"spam", "harassment", "hate", "violence", "sexual_content", "impersonation", "self_harm", "other"}

// ReportReason checks a report's reason.
func ReportReason(s string) error {
	if !slices.Contains(ReportReasons, s) {
		return fielderr.New("reason", "must be one of spam, harassment, hate, violence, sexual_content, impersonation, self_harm, other")
	}
	return nil
}

// ReportText checks the text of a report or the note of its resolution
// (field), trimmed: at most MaxReportText characters, lines allowed, no
// other control characters.
func ReportText(field, s string) (string, error) {
	return text(field, s, 0, MaxReportText, true)
}
