package service_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/service"
	"github.com/athlos/athlos/modules/training/internal/session"
	"github.com/athlos/athlos/modules/training/internal/telemetry"
	"github.com/athlos/athlos/modules/training/internal/zone"
	"github.com/athlos/athlos/storage/pgtest"
)

// A share token gets a watch credential of its session only, which holds
// until it expires, the link is revoked or replaced, or the session ends;
// the view's track leaves out what the owner's privacy zones hide.
func TestLiveViewAndCredential(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	s := service.New(pool, nil, nil, nil, nil)
	user := uuid.Must(uuid.NewV7())
	now := time.Now().UTC().Truncate(time.Second)
	newSession := func() uuid.UUID {
		points := make([]telemetry.Point, 100)
		for i := range points {
			// 100 points northwards, 3 m apart: the first ones inside a
			// privacy zone around the start.
			points[i] = telemetry.Point{T: now.Add(time.Duration(i-100) * time.Second), Lat: 52.5 + float64(i)*3/111_257.0, Lon: 13.4}
		}
		return openSession(t, pool, user, now.Add(-100*time.Second), points, nil)
	}
	a, b := newSession(), newSession()
	linkA, err := s.ShareSession(ctx, user, a)
	require.NoError(t, err)
	linkB, err := s.ShareSession(ctx, user, b)
	require.NoError(t, err)

	// Without a zone, the whole track.
	v, err := s.LiveView(ctx, linkA.ShareToken, now, api.LiveCredentialTTL)
	require.NoError(t, err)
	assert.Equal(t, user, v.Owner)
	assert.Equal(t, api.LiveWatchSubject(a.String()), v.View.Subject)
	require.Len(t, v.View.Track, 1)
	assert.Len(t, v.View.Track[0], 100)
	assert.Equal(t, now.Add(api.LiveCredentialTTL), v.View.ExpiresAt)

	// A zone around the start hides the track's start.
	_, err = s.CreateZone(ctx, user, zone.Zone{Lat: 52.4995, Lon: 13.4, RadiusM: 200})
	require.NoError(t, err)
	v, err = s.LiveView(ctx, linkA.ShareToken, now, api.LiveCredentialTTL)
	require.NoError(t, err)
	visible := 0
	for _, part := range v.View.Track {
		for _, p := range part {
			assert.Greater(t, p.Lat, 52.4995+200/111_257.0, "a position inside the zone is shown")
			visible++
		}
	}
	assert.Less(t, visible, 100)

	cred := v.View.NATSToken
	got, err := s.AuthorizeLiveWatch(ctx, cred, now)
	require.NoError(t, err)
	assert.Equal(t, a.String(), got.SessionID)
	assert.Equal(t, api.LiveWatchSubject(a.String()), got.Subject)

	code := func(err error) bus.Code { return bus.CodeOf(err) }
	// Expired.
	_, err = s.AuthorizeLiveWatch(ctx, cred, now.Add(api.LiveCredentialTTL))
	assert.Equal(t, bus.CodeUnauthorized, code(err))
	// Another session's id under A's signature; B's credential is B's.
	payload, _, _ := strings.Cut(strings.TrimPrefix(cred, api.LiveCredentialPrefix), ".")
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	require.NoError(t, err)
	copy(raw, b[:])
	forged := api.LiveCredentialPrefix + base64.RawURLEncoding.EncodeToString(raw) + cred[strings.LastIndex(cred, "."):]
	_, err = s.AuthorizeLiveWatch(ctx, forged, now)
	assert.Equal(t, bus.CodeUnauthorized, code(err))
	vb, err := s.LiveView(ctx, linkB.ShareToken, now, api.LiveCredentialTTL)
	require.NoError(t, err)
	gotB, err := s.AuthorizeLiveWatch(ctx, vb.View.NATSToken, now)
	require.NoError(t, err)
	assert.Equal(t, b.String(), gotB.SessionID)
	// Malformed ones.
	for _, bad := range []string{"", "lw1.", "lw1.x.y", cred + "A", "ey" + cred, strings.Repeat("A", 200)} {
		_, err = s.AuthorizeLiveWatch(ctx, bad, now)
		assert.Equal(t, bus.CodeUnauthorized, code(err), bad)
	}
	// Wrong and malformed share tokens.
	_, err = s.LiveView(ctx, strings.Repeat("A", 32), now, api.LiveCredentialTTL)
	assert.Equal(t, bus.CodeNotFound, code(err))
	for _, bad := range []string{"", "short", strings.Repeat("A", 31) + "=", strings.Repeat("A", 33)} {
		_, err = s.LiveView(ctx, bad, now, api.LiveCredentialTTL)
		assert.Equal(t, bus.CodeInvalid, code(err), bad)
	}

	// A new link voids the old link and its credentials.
	linkA2, err := s.ShareSession(ctx, user, a)
	require.NoError(t, err)
	_, err = s.AuthorizeLiveWatch(ctx, cred, now)
	assert.Equal(t, bus.CodeUnauthorized, code(err))
	_, err = s.LiveView(ctx, linkA.ShareToken, now, api.LiveCredentialTTL)
	assert.Equal(t, bus.CodeNotFound, code(err))
	v, err = s.LiveView(ctx, linkA2.ShareToken, now, api.LiveCredentialTTL)
	require.NoError(t, err)
	cred = v.View.NATSToken
	// Revoked: the same.
	require.NoError(t, s.UnshareSession(ctx, user, a))
	_, err = s.AuthorizeLiveWatch(ctx, cred, now)
	assert.Equal(t, bus.CodeUnauthorized, code(err))
	_, err = s.LiveView(ctx, linkA2.ShareToken, now, api.LiveCredentialTTL)
	assert.Equal(t, bus.CodeNotFound, code(err))

	// B ends: gone, for the link and its credentials.
	_, err = s.ActOnSession(ctx, user, b, session.Finish)
	require.NoError(t, err)
	_, err = s.LiveView(ctx, linkB.ShareToken, now, api.LiveCredentialTTL)
	assert.Equal(t, bus.CodeGone, code(err))
	_, err = s.AuthorizeLiveWatch(ctx, vb.View.NATSToken, now)
	assert.Equal(t, bus.CodeGone, code(err))

	// Each closing told the client module (the outbox): a new link and
	// the revocation of A, the end of B.
	var closed int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM training.outbox WHERE subject = $1`, api.EventLiveLinkClosed).Scan(&closed))
	assert.Equal(t, 3, closed)
}
