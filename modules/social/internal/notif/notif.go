// Package notif is the domain of notifications: their kinds, a user's
// settings (muted kinds, quiet hours in their time zone) and the rules of
// push device tokens. Plain Go: no SQL, NATS or api types.
package notif

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/athlos/athlos/internal/kit/fielderr"
)

// Kind is what a notification tells of.
type Kind string

// The kinds of notifications. Record comes from the training module's
// evt.training.record.set; Achievement and ChallengeCompleted are for the
// gamification module's achievement.unlocked and challenge.completed.
const (
	Record             Kind = "record"
	Achievement        Kind = "achievement"
	ChallengeCompleted Kind = "challenge_completed"
	// ExportReady tells a user their own data export is ready (the
	// client module's evt.client.export.ready): a personal kind.
	ExportReady Kind = "export_ready"
)

// Kinds are every kind, in the order the API lists them.
func Kinds() []Kind { return []Kind{Record, Achievement, ChallengeCompleted, ExportReady} }

// Personal reports whether notifications of kind k go to the actor
// themselves (about their own account) rather than to their groups.
func (k Kind) Personal() bool { return k == ExportReady }

// ParseKinds checks a list of kinds (field names the list in an error) and
// returns it sorted without repeats.
func ParseKinds(field string, in []string) ([]Kind, error) {
	out := make([]Kind, 0, len(in))
	for i, s := range in {
		k := Kind(s)
		if !slices.Contains(Kinds(), k) {
			return nil, fielderr.New(fmt.Sprintf("%s[%d]", field, i), "%q is not a kind of notification (%s)", s, kindList())
		}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out, nil
}

func kindList() string {
	var names []string
	for _, k := range Kinds() {
		names = append(names, string(k))
	}
	return strings.Join(names, ", ")
}

// QuietHours is a daily span of local time without pushes: from Start to
// End, minutes after midnight; a Start after End spans midnight (22:00 to
// 07:00). Start == End is refused (use none).
type QuietHours struct {
	Start, End int
}

// ParseQuietHours reads "HH:MM" start and end (field is the prefix of the
// error's field name).
func ParseQuietHours(field, start, end string) (QuietHours, error) {
	s, err := parseClock(field+".start", start)
	if err != nil {
		return QuietHours{}, err
	}
	e, err := parseClock(field+".end", end)
	if err != nil {
		return QuietHours{}, err
	}
	if s == e {
		return QuietHours{}, fielderr.New(field+".end", "must differ from start (send null for no quiet hours)")
	}
	return QuietHours{Start: s, End: e}, nil
}

var clockRE = regexp.MustCompile(`^([01][0-9]|2[0-3]):([0-5][0-9])$`)

func parseClock(field, s string) (int, error) {
	m := clockRE.FindStringSubmatch(s)
	if m == nil {
		return 0, fielderr.New(field, "must be a time of day HH:MM (00:00 to 23:59), not %q", s)
	}
	return int(m[1][0]-'0')*600 + int(m[1][1]-'0')*60 + int(m[2][0]-'0')*10 + int(m[2][1]-'0'), nil
}

// Clock formats minutes after midnight as HH:MM.
func Clock(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

// Contains reports whether now, read in loc, falls in the quiet hours
// (Start included, End not).
func (q QuietHours) Contains(now time.Time, loc *time.Location) bool {
	t := now.In(loc)
	m := t.Hour()*60 + t.Minute()
	if q.Start < q.End {
		return m >= q.Start && m < q.End
	}
	return m >= q.Start || m < q.End
}

// Location is the time zone named (IANA), UTC for one this machine does
// not know (the client module checked it when the user set it).
func Location(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" {
		return time.UTC
	}
	return loc
}

// Push device tokens.
const (
	// APNs and FCM are the platforms a push token is for.
	APNs = "apns"
	FCM  = "fcm"
	// MaxTokensPerUser bounds a user's devices (phones, tablets, watches).
	MaxTokensPerUser = 10
	// MaxTokenLen bounds a token: an FCM registration token is about 160
	// characters, an APNs device token 64 hex digits.
	MaxTokenLen = 4096
)

var (
	apnsToken = regexp.MustCompile(`^(?:[0-9a-fA-F]{2}){32,100}$`) // 32 to 100 bytes
	fcmToken  = regexp.MustCompile(`^[A-Za-z0-9_:\-]+$`)
)

// CheckToken checks a device token of platform: an APNs token is hex (32
// bytes or more), an FCM one 32 to 4,096 characters of letters, digits,
// '-', '_' and ':'. It returns the token as kept (APNs in lower case).
func CheckToken(platform, token string) (string, error) {
	switch platform {
	case APNs:
		if !apnsToken.MatchString(token) {
			return "", fielderr.New("body.token", "an APNs device token is 64 or more hexadecimal digits")
		}
		return strings.ToLower(token), nil
	case FCM:
		if len(token) < 32 || len(token) > MaxTokenLen || !fcmToken.MatchString(token) {
			return "", fielderr.New("body.token", "an FCM registration token is 32 to %d letters, digits, '-', '_' or ':'", MaxTokenLen)
		}
		return token, nil
	}
	return "", fielderr.New("body.platform", "must be apns or fcm, not %q", platform)
}
