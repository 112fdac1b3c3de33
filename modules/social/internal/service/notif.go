package service

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/kit/page"
	"github.com/athlos/athlos/internal/kit/patch"
	"github.com/athlos/athlos/modules/social/api"
	"github.com/athlos/athlos/modules/social/internal/notif"
	"github.com/athlos/athlos/modules/social/internal/push"
	"github.com/athlos/athlos/modules/social/internal/store"
	"github.com/athlos/athlos/storage"
)

// Notify runs the notification use cases: fan-out of members' facts to
// their groups, the inbox, mutes, settings, push device tokens, and
// sending what waits (Dispatch).
type Notify struct {
	// Online, when set, tells which users have an app connected
	// (bus.Presence): only they get a message on notify.<user>, the
	// others read their inbox when they connect. Nil: everyone.
	Online func(user string) bool

	pool   *pgxpool.Pool
	log    *slog.Logger
	now    func() time.Time
	pusher push.Pusher
}

// NewNotify returns the notification use cases on the module's pool, with
// the clock quiet hours are read by and the pusher of phones.
func NewNotify(pool *pgxpool.Pool, log *slog.Logger, now func() time.Time, pusher push.Pusher) *Notify {
	return &Notify{pool: pool, log: log, now: now, pusher: pusher}
}

// Fact is something a member did that their groups hear of: its kind,
// the member (Actor), a key naming the fact among those of its kind (the
// same fact told twice, e.g. its event published again under another
// message id, has the same key), what the notification shows (Data,
// JSON encodable, with the fact's own times) and how many things it
// holds (Count: records set at once; 0 is 1), for the texts.
type Fact struct {
	Kind      notif.Kind
	Actor     uuid.UUID
	SourceKey string
	Data      any
	Count     int
	// Name is what the fact is called, for the texts: an achievement's
	// name, a challenge's title ("" for a record).
	Name string
}

// FanOut notifies, in the consumer's transaction tx, the actor alone of a
// personal fact (Kind.Personal: their export is ready), else every member of each
// of the actor's groups once (a member of 30 of them gets one), except the
// actor, members who muted every group they share with the actor, and
// those who muted the kind: it saves the notification, and the relay
// (Dispatch) writes the inbox rows and sends it. Each of the actor's
// groups also gets a system message in its chat (sender the nil UUID,
// transaction id <kind>:<source key>; mutes do not apply to the chat),
// which the chat publishes on chat.<group> once the relay has sent the
// notification (Chat.PublishSystem). A fact
// notified before, or of a deleted account, changes nothing.
func (n *Notify) FanOut(ctx context.Context, tx pgx.Tx, f Fact) error {
	// The actor's facts lock: an erasure of the account at the same time
	// either takes back what this writes, or comes first and nothing is.
	if err := store.LockUserFacts(ctx, tx, f.Actor); err != nil {
		return err
	}
	if deleted, err := store.UserDeleted(ctx, tx, f.Actor); err != nil || deleted {
		return err
	}
	data, err := json.Marshal(f.Data)
	if err != nil {
		return fmt.Errorf("service: encode %s notification: %w", f.Kind, err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return fmt.Errorf("service: notification id: %w", err)
	}
	fresh, err := store.SaveNotification(ctx, tx, store.NotifEvent{ID: id, Kind: string(f.Kind), SourceKey: f.SourceKey,
		ActorID: f.Actor, Data: data, CreatedAt: n.now()})
	if err != nil || !fresh || f.Kind.Personal() {
		// A personal fact is the actor's alone: no group hears of it.
		return err
	}
	// Last in the transaction: each group's chat counter stays locked
	// until the commit.
	name, err := store.DisplayName(ctx, tx, f.Actor)
	if err != nil {
		return err
	}
	_, text := notif.PushText(f.Kind, name, max(f.Count, 1), f.Name)
	if _, err := store.PostSystemMessages(ctx, tx, f.Actor, string(f.Kind)+":"+f.SourceKey, text); err != nil {
		return err
	}
	return nil
}

var errNoNotification = bus.Errorf(bus.CodeNotFound, "no such notification")

// FanOutOfSession tells f, a fact of session (an achievement it
// unlocked), as FanOut does, when the session's feed card says it is not
// private; a card that says private, or a deleted session, tells nothing.
// A card not known yet (its event still on its way: it comes through
// another consumer) holds the fact until the card comes (SessionCardIn).
// The session's card lock (store.LockSessionCards) orders the two: the
// card's transaction either commits first and is read here, or finds the
// fact held.
func (n *Notify) FanOutOfSession(ctx context.Context, tx pgx.Tx, session uuid.UUID, f Fact) error {
	if err := store.LockSessionCards(ctx, tx, session, f.Actor); err != nil {
		return err
	}
	visibility, known, err := store.SessionVisibility(ctx, tx, session)
	switch {
	case err != nil:
		return err
	case known && told(visibility):
		return n.FanOut(ctx, tx, f)
	case known:
		return nil
	}
	data, err := json.Marshal(f.Data)
	if err != nil {
		return fmt.Errorf("service: encode %s notification: %w", f.Kind, err)
	}
	return store.HoldFact(ctx, tx, store.HeldFact{Kind: string(f.Kind), SourceKey: f.SourceKey, Session: session, Actor: f.Actor,
		Name: f.Name, Data: data, Count: f.Count, HeldAt: n.now()})
}

// SessionCardIn tells the facts held for session (FanOutOfSession) once
// its card is written in tx (its lock held): each is told if the card
// says the session is not private, and dropped otherwise (a private or
// deleted session). With no card (a deleted account's session) they stay.
func (n *Notify) SessionCardIn(ctx context.Context, tx pgx.Tx, session uuid.UUID) error {
	visibility, known, err := store.SessionVisibility(ctx, tx, session)
	if err != nil || !known {
		return err
	}
	held, err := store.TakeHeldFacts(ctx, tx, session)
	if err != nil || !told(visibility) {
		return err
	}
	for _, h := range held {
		if err := n.FanOut(ctx, tx, Fact{Kind: notif.Kind(h.Kind), Actor: h.Actor, SourceKey: h.SourceKey, Data: h.Data,
			Count: h.Count, Name: h.Name}); err != nil {
			return err
		}
	}
	return nil
}

// told says whether the groups hear of a fact of a session of visibility.
func told(visibility string) bool { return visibility == "followers" || visibility == "public" }

// Inbox returns a page of user's notifications, newest first (unreadOnly:
// the unread ones), and their unread count. invalid for a bad limit or
// cursor.
func (n *Notify) Inbox(ctx context.Context, user uuid.UUID, limit int, cursor string, unreadOnly bool) (api.NotificationList, error) {
	size, err := page.Size(limit)
	if err != nil {
		return api.NotificationList{}, bus.FieldInvalid("query.", err)
	}
	var before uuid.UUID
	if cursor != "" {
		id, err := page.After(cursor)
		if err != nil {
			return api.NotificationList{}, bus.FieldInvalid("query.", err)
		}
		before = id
	}
	items, err := store.Inbox(ctx, n.pool, user, before, unreadOnly, size+1)
	if err != nil {
		return api.NotificationList{}, err
	}
	unread, err := store.UnreadNotifications(ctx, n.pool, user)
	if err != nil {
		return api.NotificationList{}, err
	}
	items, next := page.Cut(items, size, func(it store.InboxItem) [16]byte { return it.ID })
	out := api.NotificationList{Items: make([]api.Notification, 0, len(items)), NextCursor: next, UnreadCount: unread}
	for _, it := range items {
		v, err := notificationView(it)
		if err != nil {
			return api.NotificationList{}, err
		}
		out.Items = append(out.Items, v)
	}
	return out, nil
}

// notificationView is a notification as the API shows it.
func notificationView(it store.InboxItem) (api.Notification, error) {
	v := api.Notification{ID: it.ID.String(), Kind: it.Kind, CreatedAt: it.CreatedAt.UTC(), Read: it.ReadAt != nil,
		Actor: api.NotificationActor{UserID: it.ActorID.String(), DisplayName: it.ActorName}, Data: map[string]any{}}
	if it.ReadAt != nil {
		t := it.ReadAt.UTC()
		v.ReadAt = &t
	}
	if err := json.Unmarshal(it.Data, &v.Data); err != nil {
		return v, fmt.Errorf("service: notification %s data: %w", it.ID, err)
	}
	return v, nil
}

// MarkRead marks one of user's notifications read. not_found when user
// has no such notification (another user's too).
func (n *Notify) MarkRead(ctx context.Context, user, id uuid.UUID) error {
	ok, err := store.MarkNotificationRead(ctx, n.pool, user, id, n.now())
	if err != nil {
		return err
	}
	if !ok {
		return errNoNotification
	}
	return nil
}

// MarkAllRead marks every notification of user's read.
func (n *Notify) MarkAllRead(ctx context.Context, user uuid.UUID) (api.NotificationsRead, error) {
	marked, err := store.MarkAllNotificationsRead(ctx, n.pool, user, n.now())
	if err != nil {
		return api.NotificationsRead{}, err
	}
	return api.NotificationsRead{Marked: marked}, nil
}

// MuteGroup mutes (mute) or unmutes a group for user: no notification
// comes through it. not_found for an unknown group, and when muting one
// user is not a member of.
func (n *Notify) MuteGroup(ctx context.Context, user, group uuid.UUID, mute bool) error {
	ok, err := store.GroupExists(ctx, n.pool, group)
	if err != nil {
		return err
	}
	if !ok {
		return errNoGroup
	}
	if !mute {
		return store.UnmuteGroup(ctx, n.pool, user, group)
	}
	if _, member, err := store.MemberRole(ctx, n.pool, group, user); err != nil {
		return err
	} else if !member {
		return bus.Errorf(bus.CodeNotFound, "you are not a member of this group")
	}
	return store.MuteGroup(ctx, n.pool, user, group)
}

// Settings returns user's notification settings.
func (n *Notify) Settings(ctx context.Context, user uuid.UUID) (api.NotificationSettings, error) {
	s, err := store.GetNotifSettings(ctx, n.pool, user)
	if err != nil {
		return api.NotificationSettings{}, err
	}
	return settingsView(s), nil
}

func settingsView(s store.NotifSettings) api.NotificationSettings {
	v := api.NotificationSettings{MutedKinds: s.MutedKinds, MutedGroups: make([]string, 0, len(s.MutedGroups)),
		PushEnabled: s.PushEnabled, TimeZone: s.TimeZone}
	if v.MutedKinds == nil {
		v.MutedKinds = []string{}
	}
	for _, g := range s.MutedGroups {
		v.MutedGroups = append(v.MutedGroups, g.String())
	}
	if s.QuietStart != nil && s.QuietEnd != nil {
		v.QuietHours = &api.QuietHoursSetting{Start: notif.Clock(int(*s.QuietStart)), End: notif.Clock(int(*s.QuietEnd))}
	}
	return v
}

// SettingsChanges are the fields of a settings patch: nil and unset stay.
type SettingsChanges struct {
	MutedKinds  *[]notif.Kind
	PushEnabled *bool
	QuietHours  patch.Field[notif.QuietHours]
}

// PatchSettings changes user's settings and returns them.
func (n *Notify) PatchSettings(ctx context.Context, user uuid.UUID, ch SettingsChanges) (api.NotificationSettings, error) {
	var out store.NotifSettings
	err := storage.InTx(ctx, n.pool, func(tx pgx.Tx) error {
		if err := store.LockNotifSettings(ctx, tx, user); err != nil {
			return err
		}
		s, err := store.GetNotifSettings(ctx, tx, user)
		if err != nil {
			return err
		}
		if ch.MutedKinds != nil {
			s.MutedKinds = make([]string, 0, len(*ch.MutedKinds))
			for _, k := range *ch.MutedKinds {
				s.MutedKinds = append(s.MutedKinds, string(k))
			}
		}
		if ch.PushEnabled != nil {
			s.PushEnabled = *ch.PushEnabled
		}
		switch {
		case ch.QuietHours.Null:
			s.QuietStart, s.QuietEnd = nil, nil
		case ch.QuietHours.Set:
			start, end := int16(ch.QuietHours.Value.Start), int16(ch.QuietHours.Value.End)
			s.QuietStart, s.QuietEnd = &start, &end
		}
		out = s
		return store.PutNotifSettings(ctx, tx, user, s)
	})
	if err != nil {
		return api.NotificationSettings{}, err
	}
	return settingsView(out), nil
}

// SaveTimeZone keeps user's time zone from the client module's profile
// event of at, in the consumer's transaction (an older one changes
// nothing).
func (n *Notify) SaveTimeZone(ctx context.Context, tx pgx.Tx, user uuid.UUID, tz string, at time.Time) error {
	if tz == "" {
		return nil
	}
	return store.SaveTimeZone(ctx, tx, user, tz, at)
}

// EraseUser applies a deleted account in the consumer's transaction: its
// inbox, settings, mutes and device tokens go, and the notifications that
// told others of it.
func (n *Notify) EraseUser(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	return store.EraseNotifications(ctx, tx, user)
}

// AddPushToken registers a device token for user (a token registered
// before keeps its id; one another user registered moves to user: a token
// names a device, and the device is user's now). invalid for a malformed
// token or platform; conflict past notif.MaxTokensPerUser.
func (n *Notify) AddPushToken(ctx context.Context, user uuid.UUID, platform, token string) (api.PushToken, error) {
	token, err := notif.CheckToken(platform, token)
	if err != nil {
		return api.PushToken{}, bus.FieldInvalid("", err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return api.PushToken{}, fmt.Errorf("service: push token id: %w", err)
	}
	var row store.PushTokenRow
	err = storage.InTx(ctx, n.pool, func(tx pgx.Tx) error {
		if err := store.LockUserTokens(ctx, tx, user); err != nil {
			return err
		}
		have, err := store.PushTokens(ctx, tx, user)
		if err != nil {
			return err
		}
		known := false
		for _, t := range have {
			known = known || (t.Platform == platform && t.Token == token)
		}
		if !known && len(have) >= notif.MaxTokensPerUser {
			return bus.Errorf(bus.CodeConflict, "you have %d push tokens, the most there may be: delete one first", len(have))
		}
		row, _, err = store.AddPushToken(ctx, tx, id, user, platform, token)
		return err
	})
	if err != nil {
		return api.PushToken{}, err
	}
	return tokenView(row), nil
}

func tokenView(t store.PushTokenRow) api.PushToken {
	return api.PushToken{ID: t.ID.String(), Platform: t.Platform, TokenEnd: push.TokenEnd(t.Token), CreatedAt: t.CreatedAt.UTC()}
}

// PushTokens lists user's device tokens, newest first.
func (n *Notify) PushTokens(ctx context.Context, user uuid.UUID) (api.PushTokenList, error) {
	rows, err := store.PushTokens(ctx, n.pool, user)
	if err != nil {
		return api.PushTokenList{}, err
	}
	out := api.PushTokenList{Items: make([]api.PushToken, 0, len(rows))}
	for _, r := range rows {
		out.Items = append(out.Items, tokenView(r))
	}
	return out, nil
}

// DeletePushToken forgets one of user's device tokens. not_found when
// user has no such token (another user's too).
func (n *Notify) DeletePushToken(ctx context.Context, user, id uuid.UUID) error {
	ok, err := store.DeletePushToken(ctx, n.pool, user, id)
	if err != nil {
		return err
	}
	if !ok {
		return bus.Errorf(bus.CodeNotFound, "no such push token")
	}
	return nil
}

// Outbound is one message of a notification for its recipient's
// notify.<user> subject, with its Nats-Msg-Id.
type Outbound struct {
	Subject string
	MsgID   string
	Data    []byte
}

// Dispatch sends the oldest notification waiting to be sent, if any. It
// holds its row in social.notif_outbox (so no other relay sends it at the
// same time) while it finds the recipients (store.Recipients), writes the
// inbox rows of those online (Online) and commits them, then sends each of
// them their message through publish (which returns once the stream
// acknowledged them all) while it writes the others' rows and pushes to
// the phones, and takes it off the outbox once all is done. A message thus
// never comes before its inbox row. A failure leaves it waiting: the next
// round adds the inbox rows missing and sends the messages again under
// the same ids, which the stream drops as duplicates. It reports whether
// there was one.
func (n *Notify) Dispatch(ctx context.Context, publish func(ctx context.Context, msgs []Outbound) error) (bool, error) {
	sent := false
	err := storage.InTx(ctx, n.pool, func(tx pgx.Tx) error {
		out, gone, err := store.NextOutgoing(ctx, tx)
		if errors.Is(err, store.ErrNothingPending) {
			return nil
		}
		if err != nil {
			return err
		}
		sent = true
		if gone {
			return store.DoneOutgoing(ctx, tx, out.ID)
		}
		var recipients []uuid.UUID
		if notif.Kind(out.Kind).Personal() {
			recipients, err = store.PersonalRecipients(ctx, n.pool, out.ActorID, out.Kind)
		} else {
			recipients, err = store.Recipients(ctx, n.pool, out.ActorID, out.Kind)
		}
		if err != nil {
			return err
		}
		if len(recipients) == 0 {
			return store.DoneOutgoing(ctx, tx, out.ID)
		}
		var online, offline []uuid.UUID
		for _, r := range recipients {
			if n.Online == nil || n.Online(r.String()) {
				online = append(online, r)
			} else {
				offline = append(offline, r)
			}
		}
		if err := n.writeInbox(ctx, out.ID, online); err != nil {
			return err
		}
		v, err := notificationView(out)
		if err != nil {
			return err
		}
		data, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("service: encode notification: %w", err)
		}
		msgs := make([]Outbound, len(online))
		for i, r := range online {
			u := r.String()
			msgs[i] = Outbound{Subject: api.NotifySubject(u), MsgID: out.ID.String() + "." + u, Data: data}
		}
		g, gctx := errgroup.WithContext(ctx)
		g.Go(func() error { return n.writeInbox(gctx, out.ID, offline) })
		g.Go(func() error {
			if err := publish(gctx, msgs); err != nil {
				return fmt.Errorf("service: publish notification %s: %w", out.ID, err)
			}
			return nil
		})
		if err := g.Wait(); err != nil {
			return err
		}
		n.pushAll(ctx, tx, out, recipients)
		return store.DoneOutgoing(ctx, tx, out.ID)
	})
	return sent, err
}

// inboxWriters is how many transactions write a share of inbox rows at
// once, each a contiguous part of it (in id order, so their index pages
// hardly meet): thousands of rows are mostly the database's CPU, and a
// machine has more than one.
const inboxWriters = 2

// writeInbox writes and commits the inbox rows of notification id for
// recipients, in inboxWriters transactions at once, without waiting for
// their commit records to reach the disk (synchronous_commit off): the
// outbox row's deletion, which commits after them, waits for its own
// record and so for theirs, and until then the notification is sent
// again. A part that meets rows written before (a round that failed after
// writing some) is written again around them.
func (n *Notify) writeInbox(ctx context.Context, id uuid.UUID, recipients []uuid.UUID) error {
	write := func(ctx context.Context, part []uuid.UUID, again bool) error {
		return storage.InTx(ctx, n.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "SET LOCAL synchronous_commit = off"); err != nil {
				return fmt.Errorf("service: inbox: %w", err)
			}
			_, err := store.WriteInbox(ctx, tx, id, part, again)
			return err
		})
	}
	g, gctx := errgroup.WithContext(ctx)
	share := max((len(recipients)+inboxWriters-1)/inboxWriters, 1)
	for start := 0; start < len(recipients); start += share {
		part := recipients[start:min(start+share, len(recipients))]
		g.Go(func() error {
			err := write(gctx, part, false)
			if storage.IsUniqueViolation(err) {
				return write(gctx, part, true)
			}
			return err
		})
	}
	return g.Wait()
}

// pushAll pushes a notification to its recipients' devices whose owners
// are not in their quiet hours, and forgets the tokens the provider no
// longer knows. Failures are logged: the push is best effort.
func (n *Notify) pushAll(ctx context.Context, tx pgx.Tx, out store.InboxItem, recipients []uuid.UUID) {
	targets, err := store.PushTargets(ctx, tx, recipients)
	if err != nil {
		n.log.Warn("push targets", "notification_id", out.ID, "err", err)
		return
	}
	now := n.now()
	var d struct {
		Records []json.RawMessage `json:"records"`
		Name    string            `json:"name"`  // an achievement's
		Title   string            `json:"title"` // a challenge's
	}
	_ = json.Unmarshal(out.Data, &d) // a kind without records counts 1
	count := max(len(d.Records), 1)
	title, body := notif.PushText(notif.Kind(out.Kind), out.ActorName, count, cmp.Or(d.Name, d.Title))
	var msgs []push.Message
	for _, t := range targets {
		if t.QuietStart != nil && t.QuietEnd != nil &&
			(notif.QuietHours{Start: int(*t.QuietStart), End: int(*t.QuietEnd)}).Contains(now, notif.Location(t.TimeZone)) {
			continue
		}
		msgs = append(msgs, push.Message{Platform: t.Platform, Token: t.Token, UserID: t.UserID.String(), ID: out.ID.String(),
			Kind: out.Kind, Title: title, Body: body, Data: map[string]string{"notification_id": out.ID.String(), "kind": out.Kind}})
	}
	if len(msgs) == 0 {
		return
	}
	results := n.pusher.Push(ctx, msgs)
	gone := map[string][]string{}
	for i, r := range results {
		if i >= len(msgs) {
			break
		}
		switch {
		case r.Unregistered:
			gone[msgs[i].Platform] = append(gone[msgs[i].Platform], msgs[i].Token)
		case r.Err != nil:
			n.log.Warn("push failed", "notification_id", out.ID, "platform", msgs[i].Platform,
				"token_end", push.TokenEnd(msgs[i].Token), "err", r.Err)
		}
	}
	for platform, tokens := range gone {
		if err := store.DeletePushTokensByValue(ctx, tx, platform, tokens); err != nil {
			n.log.Warn("forgetting unregistered push tokens", "err", err)
		}
	}
}

// NotificationRetention is how long a notification stays in the inbox.
const NotificationRetention = 90 * 24 * time.Hour

// Sweep deletes notifications older than NotificationRetention, a batch
// at a time, and the facts held as long (their session's card never
// came); it returns how many went.
func (n *Notify) Sweep(ctx context.Context) (int, error) {
	total, err := store.SweepHeldFacts(ctx, n.pool, n.now().Add(-NotificationRetention))
	if err != nil {
		return total, err
	}
	for {
		k, err := store.SweepNotifications(ctx, n.pool, n.now().Add(-NotificationRetention), 1000)
		total += k
		if err != nil || k < 1000 {
			return total, err
		}
	}
}
