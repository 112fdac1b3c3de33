package notif_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/athlos/athlos/modules/social/internal/notif"
)

func field(t *testing.T, err error) string {
	t.Helper()
	var fe *fielderr.Error
	require.ErrorAs(t, err, &fe)
	return fe.Field
}

func TestQuietHoursInTheUsersTimeZone(t *testing.T) {
	night, err := notif.ParseQuietHours("q", "22:00", "07:00")
	require.NoError(t, err)
	lunch, err := notif.ParseQuietHours("q", "12:00", "13:30")
	require.NoError(t, err)
	berlin, tokyo := notif.Location("Europe/Berlin"), notif.Location("Asia/Tokyo")
	for _, c := range []struct {
		q    notif.QuietHours
		at   string
		loc  *time.Location
		want bool
	}{
		{night, "2026-12-07T21:00:00Z", berlin, true},   // 22:00 in Berlin: the start is in
		{night, "2026-12-07T20:59:00Z", berlin, false},  // 21:59
		{night, "2026-12-07T05:59:00Z", berlin, true},   // 06:59
		{night, "2026-12-07T06:00:00Z", berlin, false},  // 07:00: the end is out
		{night, "2026-07-07T05:30:00Z", berlin, false},  // 07:30 in summer time (UTC+2)
		{night, "2026-07-07T04:30:00Z", berlin, true},   // 06:30 in summer time
		{night, "2026-12-07T13:30:00Z", tokyo, true},    // 22:30 in Tokyo (UTC+9)
		{night, "2026-12-07T12:00:00Z", tokyo, false},   // 21:00 in Tokyo
		{night, "2026-12-07T23:00:00Z", time.UTC, true}, // 23:00 UTC
		{lunch, "2026-12-07T12:29:00Z", time.UTC, true},
		{lunch, "2026-12-07T13:30:00Z", time.UTC, false},
		{lunch, "2026-12-07T11:59:00Z", time.UTC, false},
	} {
		at, err := time.Parse(time.RFC3339, c.at)
		require.NoError(t, err)
		assert.Equal(t, c.want, c.q.Contains(at, c.loc), "%v at %s in %s", c.q, c.at, c.loc)
	}
	assert.Equal(t, "22:00", notif.Clock(night.Start))
	assert.Equal(t, "07:00", notif.Clock(night.End))
	assert.Equal(t, time.UTC, notif.Location("Mars/Olympus_Mons"), "an unknown zone is read as UTC")
	assert.Equal(t, time.UTC, notif.Location(""))

	for _, bad := range [][3]string{{"24:00", "07:00", "q.start"}, {"7:00", "08:00", "q.start"}, {"22:00", "", "q.end"},
		{"22:00", "22:00", "q.end"}, {"22:60", "07:00", "q.start"}, {"22:00 ", "07:00", "q.start"}} {
		_, err := notif.ParseQuietHours("q", bad[0], bad[1])
		assert.Equal(t, bad[2], field(t, err), bad)
	}
}

func TestKinds(t *testing.T) {
	ks, err := notif.ParseKinds("muted_kinds", []string{"record", "achievement", "record"})
	require.NoError(t, err)
	assert.Equal(t, []notif.Kind{notif.Achievement, notif.Record}, ks, "sorted, once each")
	_, err = notif.ParseKinds("muted_kinds", []string{"record", "gossip"})
	assert.Equal(t, "muted_kinds[1]", field(t, err))
	ks, err = notif.ParseKinds("muted_kinds", nil)
	require.NoError(t, err)
	assert.Empty(t, ks)
}

func TestDeviceTokens(t *testing.T) {
	apns := strings.Repeat("aB", 32)
	got, err := notif.CheckToken(notif.APNs, apns)
	require.NoError(t, err)
	assert.Equal(t, strings.ToLower(apns), got)
	_, err = notif.CheckToken(notif.APNs, strings.Repeat("ab", 100))
	assert.NoError(t, err, "100 bytes")
	fcm := "dGVzdA:APA91b" + strings.Repeat("x_Y-z", 30)
	got, err = notif.CheckToken(notif.FCM, fcm)
	require.NoError(t, err)
	assert.Equal(t, fcm, got, "FCM tokens keep their case")
	for _, bad := range [][3]string{
		{notif.APNs, strings.Repeat("ab", 31), "body.token"},
		{notif.APNs, strings.Repeat("ab", 101), "body.token"},
		{notif.APNs, strings.Repeat("a", 65), "body.token"},
		{notif.APNs, strings.Repeat("zz", 32), "body.token"},
		{notif.FCM, strings.Repeat("a", 31), "body.token"},
		{notif.FCM, strings.Repeat("a", notif.MaxTokenLen+1), "body.token"},
		{notif.FCM, strings.Repeat("a", 40) + " ", "body.token"},
		{notif.FCM, strings.Repeat("a", 40) + "\n", "body.token"},
		{"sms", apns, "body.platform"},
	} {
		_, err := notif.CheckToken(bad[0], bad[1])
		assert.Equal(t, bad[2], field(t, err), bad[0])
	}
}

func TestPushText(t *testing.T) {
	title, body := notif.PushText(notif.Record, "Ana", 1, "")
	assert.Equal(t, "New personal record", title)
	assert.Equal(t, "Ana set a personal record", body)
	_, body = notif.PushText(notif.Record, "", 3, "")
	assert.Equal(t, "A member set 3 personal records", body)
	title, _ = notif.PushText(notif.ChallengeCompleted, "Ana", 1, "")
	assert.Equal(t, "Challenge completed", title)
	_, body = notif.PushText(notif.ChallengeCompleted, "Ana", 1, "December 100 km")
	assert.Equal(t, "Ana completed December 100 km", body)
	_, body = notif.PushText(notif.Achievement, "Ana", 1, "Marathoner (gold)")
	assert.Equal(t, "Ana unlocked Marathoner (gold)", body)
}
