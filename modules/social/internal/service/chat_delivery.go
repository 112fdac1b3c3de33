package service

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/modules/social/api"
	"github.com/athlos/athlos/modules/social/internal/store"
	"github.com/athlos/athlos/storage"
)

// Publisher publishes a chat event into its stream (CHAT) under a message
// id (a second publish with the same id within the stream's duplicate
// window is not stored again) and returns once the stream stored it.
type Publisher interface {
	Publish(ctx context.Context, subject, msgID string, data []byte) error
}

// How chat events reach the members online: each is written in the
// transaction that changed the chat (social.chat_deliveries), published at
// once after the commit by the use case, and forgotten; what a crash or a
// failed publish left is published by the sweep once it is StaleAfter old.
const (
	PublishTimeout = 2 * time.Second
	StaleAfter     = 5 * time.Second
	SweepEvery     = time.Second
)

// pending is a committed delivery to publish.
type pending struct {
	id    uuid.UUID
	event api.ChatEvent
}

// enqueue records a chat event for chat.<group> in tx; the use case
// publishes it after the commit (publish).
func enqueue(ctx context.Context, tx pgx.Tx, kind string, m api.ChatMessage, r *api.ChatReactionChanged) (pending, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return pending{}, err
	}
	group, err := uuid.Parse(m.GroupID)
	if err != nil {
		return pending{}, err
	}
	d := store.ChatDelivery{ID: id, GroupID: group, MessageID: m.ID, Kind: kind}
	if r != nil {
		user, err := uuid.Parse(r.UserID)
		if err != nil {
			return pending{}, err
		}
		d.Emoji, d.UserID = r.Emoji, &user
	}
	if err := store.InsertChatDelivery(ctx, tx, d); err != nil {
		return pending{}, err
	}
	return pending{id: id, event: api.ChatEvent{Kind: kind, GroupID: m.GroupID, Message: m, Reaction: r}}, nil
}

// publish publishes a committed delivery and hands its id to the
// deliveries loop to forget. A failure leaves it to the sweep.
func (c *Chat) publish(p pending) {
	if c.pub == nil || p.id == uuid.Nil {
		return
	}
	data, err := json.Marshal(p.event)
	if err != nil {
		c.log.Error("chat event not encoded; the sweep will try", "err", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), PublishTimeout)
	defer cancel()
	if err := c.pub.Publish(ctx, api.ChatSubject(p.event.GroupID), p.id.String(), data); err != nil {
		c.log.Debug("chat event not published; the sweep will", "group", p.event.GroupID, "err", err)
		return
	}
	select {
	case c.published <- p.id:
	default:
		// The loop is behind: forget it here.
		if err := store.DeleteChatDeliveries(ctx, c.pool, []uuid.UUID{p.id}); err != nil {
			c.log.Debug("chat delivery not forgotten; the sweep publishes it again", "err", err)
		}
	}
}

// RunDeliveries forgets published deliveries (in batches) and sweeps the
// stale ones, until ctx ends.
func (c *Chat) RunDeliveries(ctx context.Context) {
	sweep := time.NewTicker(SweepEvery)
	defer sweep.Stop()
	flush := time.NewTicker(50 * time.Millisecond)
	defer flush.Stop()
	var done []uuid.UUID
	forget := func() {
		if len(done) == 0 {
			return
		}
		if err := store.DeleteChatDeliveries(ctx, c.pool, done); err != nil && ctx.Err() == nil {
			c.log.Warn("forgetting published chat deliveries", "err", err)
			return
		}
		done = done[:0]
	}
	for {
		select {
		case <-ctx.Done():
			forget()
			return
		case id := <-c.published:
			done = append(done, id)
			if len(done) >= 256 {
				forget()
			}
		case <-flush.C:
			forget()
		case <-sweep.C:
			forget()
			if n, err := c.Sweep(ctx); err != nil && ctx.Err() == nil {
				c.log.Warn("chat delivery sweep", "err", err)
			} else if n > 0 {
				c.log.Info("chat deliveries published by the sweep", "events", n)
			}
		}
	}
}

// Sweep publishes the deliveries older than StaleAfter (left by a crash
// or a failed publish), oldest first, and forgets them: how many.
func (c *Chat) Sweep(ctx context.Context) (int, error) {
	return c.publishWaiting(ctx, func(tx pgx.Tx) ([]store.ChatDelivery, error) {
		return store.StaleChatDeliveries(ctx, tx, c.now().Add(-StaleAfter), 256)
	})
}

// PublishSystem publishes the deliveries of system messages (the
// notifications' fan-out posts them in its consumer's transaction, with
// nobody to publish them after the commit) and forgets them. The
// notification relay runs it once it has sent the notifications.
func (c *Chat) PublishSystem(ctx context.Context) {
	n, err := c.publishWaiting(ctx, func(tx pgx.Tx) ([]store.ChatDelivery, error) {
		return store.SystemChatDeliveries(ctx, tx, 256)
	})
	if err != nil && ctx.Err() == nil {
		c.log.Warn("system messages not published; the sweep will", "err", err)
	} else if n > 0 {
		c.log.Debug("system messages published", "events", n)
	}
}

// publishWaiting publishes the deliveries that take locks and answers,
// and forgets those published, in one transaction: how many.
func (c *Chat) publishWaiting(ctx context.Context, take func(tx pgx.Tx) ([]store.ChatDelivery, error)) (int, error) {
	if c.pub == nil {
		return 0, nil
	}
	n := 0
	err := storage.InTx(ctx, c.pool, func(tx pgx.Tx) error {
		ds, err := take(tx)
		if err != nil {
			return err
		}
		var ids []uuid.UUID
		for _, d := range ds {
			data, err := c.staleEvent(ctx, tx, d)
			if err != nil {
				return err
			}
			pctx, cancel := context.WithTimeout(ctx, PublishTimeout)
			err = c.pub.Publish(pctx, api.ChatSubject(d.GroupID.String()), d.ID.String(), data)
			cancel()
			if err != nil {
				c.log.Warn("chat delivery not published; the next sweep tries again", "delivery", d.ID, "err", err)
				continue
			}
			ids = append(ids, d.ID)
		}
		n = len(ids)
		if n == 0 {
			return nil
		}
		return store.DeleteChatDeliveries(ctx, tx, ids)
	})
	return n, err
}

// staleEvent makes a delivery's event from its message as it is now.
func (c *Chat) staleEvent(ctx context.Context, tx pgx.Tx, d store.ChatDelivery) ([]byte, error) {
	m, ok, err := store.GetMessage(ctx, tx, d.GroupID, d.MessageID)
	if err != nil {
		return nil, err
	}
	if !ok { // the delivery goes with its message (a foreign key)
		return nil, fmt.Errorf("chat: delivery %s: message %d of %s is gone", d.ID, d.MessageID, d.GroupID)
	}
	msg, err := c.view(ctx, tx, m, uuid.Nil)
	if err != nil {
		return nil, err
	}
	ev := api.ChatEvent{Kind: d.Kind, GroupID: d.GroupID.String(), Message: msg}
	if d.UserID != nil {
		ev.Reaction = &api.ChatReactionChanged{Emoji: d.Emoji, UserID: d.UserID.String()}
	}
	return json.Marshal(ev)
}
