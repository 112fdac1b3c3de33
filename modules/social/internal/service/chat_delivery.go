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

// enqueue writes a chat event for chat.<group> in tx; the use case
// publishes it after the commit (publish).
func enqueue(ctx context.Context, tx pgx.Tx, kind string, m api.ChatMessage, r *api.ChatReactionChanged) (store.ChatDelivery, error) {
	data, err := json.Marshal(api.ChatEvent{Kind: kind, GroupID: m.GroupID, Message: m, Reaction: r})
	if err != nil {
		return store.ChatDelivery{}, fmt.Errorf("chat: encode event: %w", err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return store.ChatDelivery{}, err
	}
	d := store.ChatDelivery{ID: id, Subject: api.ChatSubject(m.GroupID), Payload: data}
	return d, store.InsertChatDelivery(ctx, tx, d)
}

// publish publishes a committed delivery and hands its id to the
// deliveries loop to forget. A failure leaves it to the sweep.
func (c *Chat) publish(d store.ChatDelivery) {
	if c.pub == nil || d.ID == uuid.Nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), PublishTimeout)
	defer cancel()
	if err := c.pub.Publish(ctx, d.Subject, d.ID.String(), d.Payload); err != nil {
		c.log.Debug("chat event not published; the sweep will", "subject", d.Subject, "err", err)
		return
	}
	select {
	case c.published <- d.ID:
	default:
		// The loop is behind: forget it here.
		if err := store.DeleteChatDeliveries(ctx, c.pool, []uuid.UUID{d.ID}); err != nil {
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
	if c.pub == nil {
		return 0, nil
	}
	n := 0
	err := storage.InTx(ctx, c.pool, func(tx pgx.Tx) error {
		ds, err := store.StaleChatDeliveries(ctx, tx, c.now().Add(-StaleAfter), 256)
		if err != nil {
			return err
		}
		var ids []uuid.UUID
		for _, d := range ds {
			pctx, cancel := context.WithTimeout(ctx, PublishTimeout)
			err := c.pub.Publish(pctx, d.Subject, d.ID.String(), d.Payload)
			cancel()
			if err != nil {
				break // in order: the rest wait for the next sweep
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
