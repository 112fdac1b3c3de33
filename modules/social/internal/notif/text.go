package notif

import "fmt"

// PushText is what a phone shows of a notification of kind about actor
// (their display name; "A member" when not known); n is how many things
// the fact holds (records set at once, 1 for other kinds); name is what
// the fact is called (an achievement's or a challenge's name; "" for none).
func PushText(kind Kind, actor string, n int, name string) (title, body string) {
	if actor == "" {
		actor = "A member"
	}
	switch kind {
	case Record:
		if n > 1 {
			return "New personal records", fmt.Sprintf("%s set %d personal records", actor, n)
		}
		return "New personal record", actor + " set a personal record"
	case Achievement:
		if name != "" {
			return "New achievement", actor + " unlocked " + name
		}
		return "New achievement", actor + " unlocked an achievement"
	case ChallengeCompleted:
		if name != "" {
			return "Challenge completed", actor + " completed " + name
		}
		return "Challenge completed", actor + " completed a challenge"
	case ExportReady:
		return "Your data export is ready", "Download it within 7 days in the app's settings"
	}
	return "Notification", actor
}
