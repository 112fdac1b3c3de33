package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/kit/sport"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/session"
	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/storage"
)

// Live tracking. Who may watch a live session follows its visibility: the
// owner, anyone for a public session, the owner's followers (follows.go)
// and members of the owner's groups (groups.go) for a followers one, and
// anyone holding the session's share link; never a user the owner blocked.
// The owner receives the figures on live.session.<owner>.<session>, which
// every connection of the owner may subscribe to (the client module's
// auth callout grants live.session.<user>.> to all), so a session started
// after the app connected needs no new grant. Watchers receive them on
// live.watch.<session>, which names only the session: the callout grants
// it at connect time from RealtimeGrants, and a new grant closes the
// watcher's connections once (evt.training.realtime.grants_changed) so the
// app reconnects with it.

// RealtimeGrants answers the client module's auth callout: the
// live.watch subjects user may subscribe to, those of the open sessions
// of others it watches. (Its own sessions' figures come on
// live.session.<user>.>, which needs no grant from here.) It returns no
// error of its own (only the database's).
func (s *Service) RealtimeGrants(ctx context.Context, user uuid.UUID) (api.RealtimeGrants, error) {
	ids, err := store.WatchedSessions(ctx, s.pool, user, 1000)
	if err != nil {
		return api.RealtimeGrants{}, err
	}
	out := api.RealtimeGrants{Subscribe: make([]string, len(ids))}
	for i, id := range ids {
		out.Subscribe[i] = api.LiveWatchSubject(id.String())
	}
	return out, nil
}

// ShareSession creates (or replaces) the live-tracking link of one of
// user's open sessions. With an idempotency key, a retry gets the first
// link (bus.Once). Errors: not_found (another user's session, or an
// unknown one), conflict (the session is closed).
func (s *Service) ShareSession(ctx context.Context, user, id uuid.UUID) (api.ShareLink, error) {
	return bus.Once(ctx, s.pool, s.keys, func(tx pgx.Tx) (api.ShareLink, error) {
		raw := make([]byte, 24)
		_, _ = rand.Read(raw)
		token := base64.RawURLEncoding.EncodeToString(raw)
		hash := sha256.Sum256([]byte(token))
		row, err := lockOwnSession(ctx, tx, user, id)
		if err != nil {
			return api.ShareLink{}, err
		}
		if !session.Open(row.State) {
			return api.ShareLink{}, bus.Errorf(bus.CodeConflict, "the session is %s: there is nothing to watch live", row.State)
		}
		// The previous link's watch credentials no longer hold.
		if err := linkClosed(ctx, tx, id); err != nil {
			return api.ShareLink{}, err
		}
		if err := store.SetShareToken(ctx, tx, id, hash[:]); err != nil {
			return api.ShareLink{}, err
		}
		// The new link replaces the old one: those who came with it go.
		if err := removeWatchers(ctx, tx, id, store.WatchLink); err != nil {
			return api.ShareLink{}, err
		}
		return api.ShareLink{SessionID: id.String(), ShareToken: token}, nil
	})
}

// UnshareSession revokes the link of one of user's sessions: watchers who
// may no longer watch lose the grant (their connections are closed once).
// Errors: not_found (another user's session, or an unknown one).
func (s *Service) UnshareSession(ctx context.Context, user, id uuid.UUID) error {
	return storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := lockOwnSession(ctx, tx, user, id); err != nil {
			return err
		}
		if err := linkClosed(ctx, tx, id); err != nil {
			return err
		}
		if err := store.SetShareToken(ctx, tx, id, nil); err != nil {
			return err
		}
		return removeWatchers(ctx, tx, id, store.WatchLink)
	})
}

// WatchSession lets user watch a live session it may see: its own, a
// public one, a followers one of someone it follows or shares a group
// with, or one whose share link (token) it holds; none of an owner who
// blocked user. The owner is told
// its own subject, which it may subscribe to already. Errors: not_found
// (a session user may not see, or an unknown one), conflict (the session
// is closed).
func (s *Service) WatchSession(ctx context.Context, user, id uuid.UUID, token string) (api.Watch, error) {
	owner := false
	err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		owner, err = s.WatchSessionIn(ctx, tx, user, id, token)
		return err
	})
	if err != nil {
		return api.Watch{}, err
	}
	if owner {
		return api.Watch{SessionID: id.String(), Subject: api.LiveSessionSubject(user.String(), id.String())}, nil
	}
	return api.Watch{SessionID: id.String(), Subject: api.LiveWatchSubject(id.String())}, nil
}

// WatchSessionIn is WatchSession's work in tx (a test orders it against
// other transactions): it reports whether user owns the session.
func (s *Service) WatchSessionIn(ctx context.Context, tx pgx.Tx, user, id uuid.UUID, token string) (owner bool, err error) {
	w, err := store.SessionForWatch(ctx, tx, id)
	if errors.Is(err, store.ErrNotFound) {
		return false, errNoSession
	}
	if err != nil {
		return false, err
	}
	var viewer store.Viewer
	if w.User != user {
		if viewer, err = store.ViewerForWatch(ctx, tx, user, w.User); err != nil {
			return false, err
		}
	}
	via := watchVia(user, w, token, viewer)
	if via == "" {
		return false, errNoSession
	}
	if !session.Open(w.State) {
		return false, bus.Errorf(bus.CodeConflict, "the session is %s: there is nothing to watch live", w.State)
	}
	if via == store.WatchOwner {
		return true, nil
	}
	added, err := store.AddWatcher(ctx, tx, id, user, via)
	if err != nil || !added {
		return false, err
	}
	return false, grantsChanged(ctx, tx, []uuid.UUID{user})
}

// watchVia says how user may watch a session: as its owner, because it is
// public, with its share link, or as a follower of the owner or a member
// of a group of the owner's (viewer) when it is a followers session (""
// when not at all; never when the owner blocked user, the link and public
// included). A valid link wins over public, so a watcher who holds it
// keeps watching if the session turns private.
func watchVia(user uuid.UUID, w store.WatchSession, token string, viewer store.Viewer) string {
	switch {
	case w.User == user:
		return store.WatchOwner
	case viewer.Blocked:
		return ""
	case token != "" && w.ShareTokenHash != nil && subtle.ConstantTimeCompare(sha256Of(token), w.ShareTokenHash) == 1:
		return store.WatchLink
	case w.Visibility == sport.Public:
		return store.WatchPublic
	case w.Visibility == sport.Followers && viewer.Follower:
		return store.WatchFollower
	case w.Visibility == sport.Followers && viewer.CoMember:
		return store.WatchGroup
	}
	return ""
}

func sha256Of(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// removeWatchers takes the grant from the watchers of a session let in as
// via, and tells the client module.
func removeWatchers(ctx context.Context, tx pgx.Tx, id uuid.UUID, via string) error {
	gone, err := store.RemoveWatchers(ctx, tx, id, via)
	if err != nil || len(gone) == 0 {
		return err
	}
	return grantsChanged(ctx, tx, gone)
}

// grantsChanged tells the client module, through the outbox, that users'
// real-time grants changed, so their app connections are renewed.
func grantsChanged(ctx context.Context, tx pgx.Tx, users []uuid.UUID) error {
	ev := api.RealtimeGrantsChanged{UserIDs: make([]string, len(users))}
	for i, u := range users {
		ev.UserIDs[i] = u.String()
	}
	_, err := bus.Enqueue(ctx, tx, api.Module, api.EventRealtimeGrantsChanged, ev)
	return err
}
