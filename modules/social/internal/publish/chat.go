// Package publish puts the social module's chat events on NATS: into the
// CHAT stream on chat.<group>, which reaches the members online at once
// (they subscribe to it in the app account) and keeps them for 30 days.
package publish

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// Chat publishes chat events with JetStream (service.Publisher).
type Chat struct {
	JS jetstream.JetStream
}

// Publish publishes data on subject under msgID and waits for the
// stream's PubAck.
func (c Chat) Publish(ctx context.Context, subject, msgID string, data []byte) error {
	if _, err := c.JS.Publish(ctx, subject, data, jetstream.WithMsgID(msgID)); err != nil {
		return fmt.Errorf("publish %s: %w", subject, err)
	}
	return nil
}
