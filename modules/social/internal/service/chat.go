package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/budget"
	"github.com/athlos/athlos/modules/social/api"
	"github.com/athlos/athlos/modules/social/internal/chat"
	"github.com/athlos/athlos/modules/social/internal/store"
	"github.com/athlos/athlos/storage"
)

// ChatBudget is what one user may write to chats, per process running
// the module: messages and edits one a second, with bursts of 20 (a user
// answering a few messages at once; Matrix's default lets 0.2 a second
// with bursts of 10, Discord 5 per 5 s per channel), and reactions (the
// budget's items) five a second, with bursts of 50. Past it a write is
// refused (rate_limited) before it touches the database.
var ChatBudget = budget.Limits{Messages: 1, MessageBurst: 20, Items: 5, ItemBurst: 50}

// UnreadCap bounds each group's unread count (a member back after months
// in a busy club sees "1000+", not a count that scanned everything).
const UnreadCap = 1000

// MaxGrantedGroups bounds the chat.<group> subjects granted to one app
// connection (the callout takes at most 1,000 from a module).
const MaxGrantedGroups = 1000

// Chat runs the group chat's use cases.
type Chat struct {
	pool    *pgxpool.Pool
	log     *slog.Logger
	budgets *budget.Budgets
	now     func() time.Time
	pub     Publisher
	// published are deliveries to forget (RunDeliveries).
	published chan uuid.UUID
	// What a refusal past the budget says.
	limited, limitedReactions string
}

// NewChat returns the chat's use cases on the module's pool, with the
// write budget l per user, publishing chat events with pub (nil: none are
// published).
func NewChat(pool *pgxpool.Pool, log *slog.Logger, l budget.Limits, pub Publisher) *Chat {
	return &Chat{pool: pool, log: log, budgets: budget.New(l), now: time.Now, pub: pub, published: make(chan uuid.UUID, 4096),
		limited:          fmt.Sprintf("more than %g messages and edits a second (bursts of %d)", l.Messages, l.MessageBurst),
		limitedReactions: fmt.Sprintf("more than %g reactions a second (bursts of %d)", l.Items, l.ItemBurst)}
}

// The errors of the chat.
var (
	errChatNoGroup = &bus.Error{Code: bus.CodeNotFound, Message: "no such group"}
	errNoMessage   = &bus.Error{Code: bus.CodeNotFound, Message: "no such message in this group"}
	errNotMember   = &bus.Error{Code: bus.CodeForbidden, Message: "you are not a member of this group"}
	errBanned      = &bus.Error{Code: bus.CodeForbidden, Message: "you are banned from this group"}
	errDeleted     = &bus.Error{Code: bus.CodeConflict, Message: "the message was deleted"}
)

// take takes one message or edit of user's budget.
func (c *Chat) take(user uuid.UUID) error {
	ok, wait := c.budgets.TakeMessage(user.String(), c.now())
	return limited(ok, wait, c.limited)
}

// takeReaction takes one reaction of user's budget.
func (c *Chat) takeReaction(user uuid.UUID) error {
	ok, wait := c.budgets.TakeItems(user.String(), 1, c.now())
	return limited(ok, wait, c.limitedReactions)
}

// limited is the refusal past a budget (nil when ok), the wait in whole
// seconds.
func limited(ok bool, wait time.Duration, what string) error {
	if ok {
		return nil
	}
	secs := max(1, int(wait.Seconds()+0.999))
	return &bus.Error{Code: bus.CodeRateLimited, Message: what + ": try again in " + strconv.Itoa(secs) + " s", RetryAfter: secs}
}

// member checks that user may use group's chat: its membership, or
// not_found (no such group) or forbidden (not a member, banned).
func member(ctx context.Context, q store.Querier, group, user uuid.UUID) (store.ChatStanding, error) {
	m, err := store.ChatMembership(ctx, q, group, user)
	if err != nil {
		return m, err
	}
	return m, standing(m)
}

// standing is nil when m may use the group's chat, else why not.
func standing(m store.ChatStanding) error {
	switch {
	case !m.GroupExists:
		return errChatNoGroup
	case m.Banned:
		return errBanned
	case m.Role == "":
		return errNotMember
	}
	return nil
}

// Post is a new message.
type Post struct {
	Text    string
	TxnID   string
	ReplyTo int64
}

// Post stores user's message in group and delivers it to the members
// online: its delivery is recorded in the same statement, and published on
// chat.<group> before Post returns (or by the sweep, publish). A
// message with a transaction id the sender used before in the group is
// not stored again: the first one is answered (created false). The
// sender's read marker moves to its message. Errors: invalid (body.text,
// body.txn_id, body.reply_to: not a message of the group), not_found (no
// such group), forbidden (not a member, banned), rate_limited.
func (c *Chat) Post(ctx context.Context, user, group uuid.UUID, in Post) (msg api.ChatMessage, created bool, err error) {
	if err := chat.CheckText("text", in.Text); err != nil {
		return msg, false, bus.FieldInvalid("body.", err)
	}
	if err := chat.CheckTxnID("txn_id", in.TxnID); err != nil {
		return msg, false, bus.FieldInvalid("body.", err)
	}
	if in.ReplyTo < 0 || in.ReplyTo > chat.MaxID {
		return msg, false, bus.Invalid("body.reply_to", "must be a message id")
	}
	if err := c.take(user); err != nil {
		return msg, false, err
	}
	var txn *string
	if in.TxnID != "" {
		txn = &in.TxnID
	}
	var replyTo *int64
	if in.ReplyTo != 0 {
		replyTo = &in.ReplyTo
	}
	delivery, err := uuid.NewV7()
	if err != nil {
		return msg, false, err
	}
	// One statement, its own transaction: the membership, the next id, the
	// message, the sender's read marker and the delivery.
	row, err := store.InsertMessage(ctx, c.pool, store.Message{GroupID: group, SenderID: user, TxnID: txn, Body: in.Text, ReplyTo: replyTo}, delivery)
	switch {
	case errors.Is(err, store.ErrNoReplyTarget):
		return msg, false, bus.Invalid("body.reply_to", "no such message in this group")
	case errors.Is(err, store.ErrTxnTaken):
		// A retry (also one racing its original, which the group's lock
		// made wait until the original committed): the first message.
		first, found, err := store.MessageByTxn(ctx, c.pool, group, user, in.TxnID)
		if err != nil {
			return msg, false, err
		}
		if !found {
			return msg, false, &bus.Error{Code: bus.CodeConflict, Message: "the transaction id's message is being deleted; use another"}
		}
		msg, err = c.view(ctx, c.pool, first, user)
		return msg, false, err
	case errors.Is(err, store.ErrNotPosted):
		if _, err := member(ctx, c.pool, group, user); err != nil {
			return msg, false, err
		}
		return msg, false, &bus.Error{Code: bus.CodeUnavailable, Message: "the membership just changed: try again", RetryAfter: 1}
	case err != nil:
		return msg, false, err
	}
	msg = messageOut(row, nil)
	c.publish(pending{id: delivery, event: api.ChatEvent{Kind: api.ChatMessageCreated, GroupID: msg.GroupID, Message: msg}})
	return msg, true, nil
}

// view is a stored message with its reactions as viewer sees them.
func (c *Chat) view(ctx context.Context, q store.Querier, m store.Message, viewer uuid.UUID) (api.ChatMessage, error) {
	rs, err := store.Reactions(ctx, q, m.GroupID, []int64{m.ID}, viewer)
	if err != nil {
		return api.ChatMessage{}, err
	}
	return messageOut(m, rs[m.ID]), nil
}

// Get returns one message of group. Errors: not_found (no such group or
// message), forbidden (not a member, banned).
func (c *Chat) Get(ctx context.Context, user, group uuid.UUID, id int64) (api.ChatMessage, error) {
	if id < 1 || id > chat.MaxID {
		return api.ChatMessage{}, errNoMessage
	}
	if _, err := member(ctx, c.pool, group, user); err != nil {
		return api.ChatMessage{}, err
	}
	m, ok, err := store.GetMessage(ctx, c.pool, group, id)
	if err != nil {
		return api.ChatMessage{}, err
	}
	if !ok {
		return api.ChatMessage{}, errNoMessage
	}
	return c.view(ctx, c.pool, m, user)
}

// History returns a page of group's messages, oldest first, anchored on
// message ids (before, after, around; none: the newest). Errors: invalid
// (query.before, query.after, query.around, query.limit), not_found (no
// such group), forbidden (not a member, banned).
func (c *Chat) History(ctx context.Context, user, group uuid.UUID, before, after, around int64, limit int) (api.ChatPage, error) {
	p, err := chat.NewPageRequest(before, after, around, limit)
	if err != nil {
		return api.ChatPage{}, bus.FieldInvalid("query.", err)
	}
	below, belowLimit, from, fromLimit := int64(math.MaxInt64), p.Limit, int64(0), 0
	switch p.Dir {
	case chat.Before:
		below = p.Anchor
	case chat.After:
		below, belowLimit, from, fromLimit = 0, 0, p.Anchor+1, p.Limit
	case chat.Around:
		older, newer := p.Split()
		below, belowLimit, from, fromLimit = p.Anchor, older, p.Anchor, newer
	}
	// One round trip, one snapshot: the standing, the page and the group's
	// newest id agree.
	st, rows, rs, err := store.HistoryPage(ctx, c.pool, group, user, below, belowLimit, from, fromLimit)
	if err != nil {
		return api.ChatPage{}, err
	}
	if err := standing(st); err != nil {
		return api.ChatPage{}, err
	}
	out := api.ChatPage{Items: make([]api.ChatMessage, len(rows))}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
		out.Items[i] = messageOut(r, rs[r.ID])
	}
	// Ids run 1, 2, 3, … with no gap (a failed post leaves none; a deleted
	// message stays as a tombstone).
	var moreOlder, moreNewer bool
	if len(ids) > 0 {
		moreOlder, moreNewer = ids[0] > 1, ids[len(ids)-1] < st.LastID
	} else {
		moreOlder, moreNewer = p.Anchor > 1 && st.LastID > 0, p.Anchor <= st.LastID && p.Dir == chat.Before
		if p.Dir == chat.After {
			moreOlder = st.LastID > 0
		}
	}
	cur := chat.PageCursors(ids, moreOlder, moreNewer, p)
	if cur.Next != 0 {
		out.NextCursor = &cur.Next
	}
	if cur.Prev != 0 {
		out.PrevCursor = &cur.Prev
	}
	return out, nil
}

// onMessage runs fn on message id of group, locked, in a transaction in
// which user's membership was checked (not_found: no such group or
// message; forbidden: not a member, banned); the event fn records is
// published after the commit.
func (c *Chat) onMessage(ctx context.Context, user, group uuid.UUID, id int64,
	fn func(tx pgx.Tx, mem store.ChatStanding, m store.Message) (pending, error)) error {
	if id < 1 || id > chat.MaxID {
		return errNoMessage
	}
	var d pending
	err := storage.InTx(ctx, c.pool, func(tx pgx.Tx) error {
		mem, err := member(ctx, tx, group, user)
		if err != nil {
			return err
		}
		m, ok, err := store.LockMessage(ctx, tx, group, id)
		switch {
		case err != nil:
			return err
		case !ok:
			return errNoMessage
		}
		d, err = fn(tx, mem, m)
		return err
	})
	if err == nil {
		c.publish(d)
	}
	return err
}

// Edit sets the text of user's own message. Errors: invalid (body.text),
// not_found (no such group or message), forbidden (not a member, banned,
// another member's message), conflict (the message was deleted),
// rate_limited.
func (c *Chat) Edit(ctx context.Context, user, group uuid.UUID, id int64, text string) (api.ChatMessage, error) {
	if err := chat.CheckText("text", text); err != nil {
		return api.ChatMessage{}, bus.FieldInvalid("body.", err)
	}
	if err := c.take(user); err != nil {
		return api.ChatMessage{}, err
	}
	var out api.ChatMessage
	err := c.onMessage(ctx, user, group, id, func(tx pgx.Tx, _ store.ChatStanding, m store.Message) (pending, error) {
		switch {
		case m.SenderID != user:
			return pending{}, &bus.Error{Code: bus.CodeForbidden, Message: "you may edit only your own messages"}
		case m.DeletedAt != nil:
			return pending{}, errDeleted
		}
		var err error
		changed := m.Body != text
		if changed {
			if m, err = store.EditMessage(ctx, tx, group, id, text); err != nil {
				return pending{}, err
			}
		}
		if out, err = c.view(ctx, tx, m, user); err != nil || !changed {
			return pending{}, err
		}
		return enqueue(ctx, tx, api.ChatMessageEdited, withoutMe(out), nil)
	})
	return out, err
}

// Delete deletes a message: the sender its own, a group's owner and
// admins any. It stays in history as a tombstone (its id, sender, times
// and reply_to; no text, no reactions). Deleting a deleted message
// changes nothing. Errors: not_found (no such group or message),
// forbidden (not a member, banned, another member's message and not an
// admin).
func (c *Chat) Delete(ctx context.Context, user, group uuid.UUID, id int64) error {
	return c.onMessage(ctx, user, group, id, func(tx pgx.Tx, mem store.ChatStanding, m store.Message) (pending, error) {
		switch {
		case m.SenderID != user && mem.Role != store.RoleOwner && mem.Role != store.RoleAdmin:
			return pending{}, &bus.Error{Code: bus.CodeForbidden, Message: "you may delete only your own messages (admins may delete any)"}
		case m.DeletedAt != nil:
			return pending{}, nil
		}
		row, err := store.TombstoneMessage(ctx, tx, group, id, user)
		if err != nil {
			return pending{}, err
		}
		return enqueue(ctx, tx, api.ChatMessageDeleted, messageOut(row, nil), nil)
	})
}

// React adds (add) or removes user's emoji on a message. At most
// chat.MaxEmojiPerMessage different emoji per message; adding one twice,
// or removing one that is not there, changes nothing. Errors: invalid
// (path.emoji), not_found (no such group or message), forbidden (not a
// member, banned), conflict (the message was deleted, or has as many
// different emoji as it may), rate_limited.
func (c *Chat) React(ctx context.Context, user, group uuid.UUID, id int64, emoji string, add bool) (api.ChatMessage, error) {
	if err := chat.CheckEmoji("emoji", emoji); err != nil {
		return api.ChatMessage{}, bus.FieldInvalid("path.", err)
	}
	if err := c.takeReaction(user); err != nil {
		return api.ChatMessage{}, err
	}
	var out api.ChatMessage
	err := c.onMessage(ctx, user, group, id, func(tx pgx.Tx, _ store.ChatStanding, m store.Message) (pending, error) {
		if m.DeletedAt != nil {
			return pending{}, errDeleted
		}
		var changed, full bool
		var err error
		if add {
			changed, full, err = store.AddReaction(ctx, tx, group, id, user, emoji, chat.MaxEmojiPerMessage)
		} else {
			changed, err = store.RemoveReaction(ctx, tx, group, id, user, emoji)
		}
		switch {
		case err != nil:
			return pending{}, err
		case full:
			return pending{}, bus.Errorf(bus.CodeConflict, "a message has at most %d different reactions", chat.MaxEmojiPerMessage)
		}
		if out, err = c.view(ctx, tx, m, user); err != nil || !changed {
			return pending{}, err
		}
		kind := api.ChatReactionAdded
		if !add {
			kind = api.ChatReactionRemoved
		}
		return enqueue(ctx, tx, kind, withoutMe(out), &api.ChatReactionChanged{Emoji: emoji, UserID: user.String()})
	})
	return out, err
}

// MarkRead moves user's read marker in group to message id (0: the
// newest); a marker never moves back. Errors: invalid (body.message_id),
// not_found (no such group, or no such message yet), forbidden (not a
// member, banned).
func (c *Chat) MarkRead(ctx context.Context, user, group uuid.UUID, id int64) (api.ChatUnread, error) {
	if id < 0 || id > chat.MaxID {
		return api.ChatUnread{}, bus.Invalid("body.message_id", "must be a message id")
	}
	var out api.ChatUnread
	err := storage.InTx(ctx, c.pool, func(tx pgx.Tx) error {
		m, err := member(ctx, tx, group, user)
		if err != nil {
			return err
		}
		if id > m.LastID {
			return errNoMessage
		}
		if id == 0 {
			id = m.LastID
		}
		if _, err := store.MarkRead(ctx, tx, user, group, id); err != nil {
			return err
		}
		us, err := store.UnreadCounts(ctx, tx, user, &group, UnreadCap)
		if err != nil || len(us) == 0 {
			return err
		}
		out = unreadOut(us[0])
		return nil
	})
	return out, err
}

// Unread returns user's groups with unread messages.
func (c *Chat) Unread(ctx context.Context, user uuid.UUID) (api.ChatUnreadList, error) {
	us, err := store.UnreadCounts(ctx, c.pool, user, nil, UnreadCap)
	if err != nil {
		return api.ChatUnreadList{}, err
	}
	out := api.ChatUnreadList{Items: []api.ChatUnread{}}
	for _, u := range us {
		if u.Unread == 0 {
			continue
		}
		x := unreadOut(u)
		out.Items = append(out.Items, x)
		out.Total += x.Unread
	}
	return out, nil
}

// ReadAll marks every group of user read up to its newest message, and
// returns what is unread then (messages that came in the meantime).
func (c *Chat) ReadAll(ctx context.Context, user uuid.UUID) (api.ChatUnreadList, error) {
	if err := store.MarkAllRead(ctx, c.pool, user); err != nil {
		return api.ChatUnreadList{}, err
	}
	return c.Unread(ctx, user)
}

// Grants are the chat.<group> subjects user may subscribe to: those of
// its groups (at most MaxGrantedGroups, the newest joined first).
func (c *Chat) Grants(ctx context.Context, user uuid.UUID) (api.RealtimeGrants, error) {
	groups, err := store.UserGroups(ctx, c.pool, user, MaxGrantedGroups)
	if err != nil {
		return api.RealtimeGrants{}, err
	}
	out := api.RealtimeGrants{Subscribe: make([]string, len(groups))}
	for i, g := range groups {
		out.Subscribe[i] = api.ChatSubject(g.String())
	}
	return out, nil
}

func unreadOut(u store.Unread) api.ChatUnread {
	out := api.ChatUnread{GroupID: u.GroupID.String(), LastReadID: u.LastReadID, LastID: u.LastID, Unread: u.Unread}
	if out.Unread > UnreadCap {
		out.Unread, out.Capped = UnreadCap, true
	}
	return out
}

// withoutMe is a message as every member is sent it: no reaction is
// marked the viewer's.
func withoutMe(m api.ChatMessage) api.ChatMessage {
	rs := make([]api.ChatReaction, len(m.Reactions))
	for i, r := range m.Reactions {
		r.Me = false
		rs[i] = r
	}
	m.Reactions = rs
	return m
}

func messageOut(m store.Message, rs []store.Reaction) api.ChatMessage {
	out := api.ChatMessage{ID: m.ID, GroupID: m.GroupID.String(), SenderID: m.SenderID.String(), SenderName: m.SenderName,
		Text: m.Body, ReplyTo: m.ReplyTo, CreatedAt: m.CreatedAt.UTC(), EditedAt: utc(m.EditedAt),
		Deleted: m.DeletedAt != nil, DeletedAt: utc(m.DeletedAt), Reactions: make([]api.ChatReaction, len(rs))}
	if m.TxnID != nil {
		out.TxnID = *m.TxnID
	}
	for i, r := range rs {
		out.Reactions[i] = api.ChatReaction{Emoji: r.Emoji, Count: r.Count, Me: r.Me}
	}
	return out
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// EraseChatUser applies a deleted account to the chat, in the consumer's
// transaction tx (EraseUser): its messages stay in their groups' history
// as tombstones, like messages their sender deleted (id, times, reply_to;
// no text, no reactions, sender_name ""), so that replies and read markers
// keep their place while nothing the person wrote remains; its reactions
// and read markers go. Members online are not told (the history says it).
// Applying it again changes nothing.
func EraseChatUser(ctx context.Context, tx pgx.Tx, user uuid.UUID) error {
	_, err := store.EraseChatUser(ctx, tx, user)
	return err
}
