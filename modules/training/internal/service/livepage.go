package service

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/session"
	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/modules/training/internal/telemetry"
)

// The live-tracking page. A share token is exchanged for a watch
// credential: "lw1." + base64url(session id, 16 bytes; expiry, 8 bytes Unix
// seconds) + "." + base64url(HMAC-SHA256 of the link's key over them). The
// key is made for the link on its first credential and dropped with the
// link (store.SetShareToken), so a revoked or replaced link voids its
// credentials at once, and nobody, holding the share token or not, can
// make one without the key (which never leaves the database). A
// credential is checked (AuthorizeLiveWatch) when a connection is made
// with it; open connections are closed through EventLiveLinkClosed.

// shareTokenLen is the length of a share token (24 random bytes,
// base64url).
const shareTokenLen = 32

// maxTrackPoints bounds the positions of a page's track (a long session
// is thinned, keeping each part's first and last).
const maxTrackPoints = 2000

// credentialLabel separates the MAC of credentials from any other use of
// the key.
const credentialLabel = "athlos live watch credential v1\x00"

var (
	errNoLink    = &bus.Error{Code: bus.CodeNotFound, Message: "no live session at this link: it is unknown, or the athlete revoked it"}
	errBadLink   = bus.Invalid("path.token", "is not a share token: 32 characters of A-Z, a-z, 0-9, - and _")
	errLinkEnded = func(state string) error {
		return bus.Errorf(bus.CodeGone, "the session is %s: there is nothing to watch live any more", state)
	}
	errBadCredential = &bus.Error{Code: bus.CodeUnauthorized, Message: "not a valid watch credential"}
)

// validShareToken reports whether s could be a share token.
func validShareToken(s string) bool {
	if len(s) != shareTokenLen {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// LiveLink is a share link's page, with the owner (the caller adds the
// athlete's display name; the page never shows the owner's id).
type LiveLink struct {
	Owner uuid.UUID
	View  api.LiveView
}

// LiveView answers the live-tracking page for a share token at now: the
// session as watchers see it (figures, and the track so far as far as the
// owner's privacy zones leave it visible) and a watch credential valid for
// ttl. Errors: invalid (not a share token), not_found
// (unknown, revoked or replaced link), gone (the session ended).
func (s *Service) LiveView(ctx context.Context, token string, now time.Time, ttl time.Duration) (LiveLink, error) {
	if !validShareToken(token) {
		return LiveLink{}, errBadLink
	}
	hash := sha256Of(token)
	l, err := store.SessionByShareHash(ctx, s.pool, hash)
	if errors.Is(err, store.ErrNotFound) {
		return LiveLink{}, errNoLink
	}
	if err != nil {
		return LiveLink{}, err
	}
	if !session.Open(l.State) {
		return LiveLink{}, errLinkEnded(l.State)
	}
	key := l.Key
	if key == nil {
		fresh := make([]byte, 32)
		_, _ = rand.Read(fresh)
		if key, err = store.LinkKey(ctx, s.pool, l.ID, hash, fresh); errors.Is(err, store.ErrNotFound) {
			return LiveLink{}, errNoLink
		} else if err != nil {
			return LiveLink{}, err
		}
	}
	live, err := store.LiveOf(ctx, s.pool, l.ID)
	if err != nil {
		return LiveLink{}, err
	}
	points, err := store.Points(ctx, s.pool, l.ID)
	if err != nil {
		return LiveLink{}, err
	}
	mask, err := store.MaskOf(ctx, s.pool, l.User)
	if err != nil {
		return LiveLink{}, err
	}
	mask = mask.ForSession(l.ID)
	figures := liveStats(l.ID, l.State, live, now.UTC())
	if p := figures.Position; p != nil && mask.Hides(p.Lat, p.Lon) {
		figures.Position = nil
	}
	expires := now.Add(ttl).Truncate(time.Second).UTC()
	return LiveLink{Owner: l.User, View: api.LiveView{
		Sport: l.Sport, State: l.State, StartedAt: l.StartedAt.UTC(), Figures: figures,
		Track:   liveTrack(mask.Parts(points)),
		Subject: api.LiveWatchSubject(l.ID.String()), NATSToken: credential(key, l.ID, expires),
		ExpiresAt: expires, ExpiresIn: int(expires.Sub(now).Seconds()),
	}}, nil
}

// liveTrack turns the visible parts of a track into places, thinned to at
// most maxTrackPoints in all.
func liveTrack(parts [][]telemetry.Point) [][]api.Place {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	step := 1
	if n > maxTrackPoints {
		step = (n + maxTrackPoints - 1) / maxTrackPoints
	}
	out := make([][]api.Place, 0, len(parts))
	for _, part := range parts {
		line := make([]api.Place, 0, len(part)/step+2)
		for i, p := range part {
			if i%step == 0 || i == len(part)-1 {
				line = append(line, api.Place{Lat: p.Lat, Lon: p.Lon})
			}
		}
		out = append(out, line)
	}
	return out
}

// credential makes a watch credential of session until expires, signed
// with key.
func credential(key []byte, session uuid.UUID, expires time.Time) string {
	payload := make([]byte, 24)
	copy(payload, session[:])
	binary.BigEndian.PutUint64(payload[16:], uint64(expires.Unix()))
	return api.LiveCredentialPrefix + base64.RawURLEncoding.EncodeToString(payload) + "." +
		base64.RawURLEncoding.EncodeToString(credentialMAC(key, payload))
}

func credentialMAC(key, payload []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(credentialLabel))
	m.Write(payload)
	return m.Sum(nil)
}

// AuthorizeLiveWatch checks a watch credential at now: the session it
// grants and until when. Errors: unauthorized (malformed, expired, forged,
// or of a link revoked or replaced since), gone (the session ended).
func (s *Service) AuthorizeLiveWatch(ctx context.Context, cred string, now time.Time) (api.LiveAuthorization, error) {
	rest, ok := strings.CutPrefix(cred, api.LiveCredentialPrefix)
	if !ok || len(cred) > 128 {
		return api.LiveAuthorization{}, errBadCredential
	}
	p, m, ok := strings.Cut(rest, ".")
	payload, err1 := base64.RawURLEncoding.DecodeString(p)
	mac, err2 := base64.RawURLEncoding.DecodeString(m)
	if !ok || err1 != nil || err2 != nil || len(payload) != 24 || len(mac) != sha256.Size {
		return api.LiveAuthorization{}, errBadCredential
	}
	id, _ := uuid.FromBytes(payload[:16])
	expires := time.Unix(int64(binary.BigEndian.Uint64(payload[16:])), 0).UTC()
	if !expires.After(now) {
		return api.LiveAuthorization{}, &bus.Error{Code: bus.CodeUnauthorized, Message: "the watch credential expired: ask the page for a new one"}
	}
	l, err := store.SharedSession(ctx, s.pool, id)
	if errors.Is(err, store.ErrNotFound) {
		return api.LiveAuthorization{}, errBadCredential
	}
	if err != nil {
		return api.LiveAuthorization{}, err
	}
	if l.Key == nil || !hmac.Equal(mac, credentialMAC(l.Key, payload)) {
		return api.LiveAuthorization{}, errBadCredential
	}
	if !session.Open(l.State) {
		return api.LiveAuthorization{}, errLinkEnded(l.State)
	}
	return api.LiveAuthorization{SessionID: id.String(), Subject: api.LiveWatchSubject(id.String()), ExpiresAt: expires}, nil
}

// linkClosed tells the client module, through the outbox, that the watch
// credentials of a session's share link no longer hold (their connections
// are closed), when the session has a link.
func linkClosed(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	shared, err := store.IsShared(ctx, tx, id)
	if err != nil || !shared {
		return err
	}
	_, err = bus.Enqueue(ctx, tx, api.Module, api.EventLiveLinkClosed, api.LiveLinkClosed{SessionID: id.String()})
	return err
}
