package bus

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Publish sends v as JSON on a core NATS subject (fire and forget, e.g. live
// figures on live.session.<user>.<session> and live.watch.<session>). The request id of ctx, if any, goes along.
func Publish(ctx context.Context, nc *nats.Conn, subject string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("bus: encode %s: %w", subject, err)
	}
	msg := &nats.Msg{Subject: subject, Data: data}
	if id := RequestID(ctx); id != "" {
		msg.Header = nats.Header{HeaderRequestID: []string{id}}
	}
	if err := nc.PublishMsg(msg); err != nil {
		return fmt.Errorf("bus: publish %s: %w", subject, err)
	}
	return nil
}

// PublishStream sends v as JSON to a subject kept by a JetStream stream and
// waits for the stream's acknowledgement. msgID, when not empty, is the
// Nats-Msg-Id that makes a retried publish a no-op within the stream's
// duplicate window. Domain events go through the outbox (Enqueue) instead.
func PublishStream(ctx context.Context, js jetstream.JetStream, subject, msgID string, v any) (*jetstream.PubAck, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("bus: encode %s: %w", subject, err)
	}
	msg := &nats.Msg{Subject: subject, Data: data, Header: nats.Header{}}
	if id := RequestID(ctx); id != "" {
		msg.Header.Set(HeaderRequestID, id)
	}
	var opts []jetstream.PublishOpt
	if msgID != "" {
		opts = append(opts, jetstream.WithMsgID(msgID))
	}
	ack, err := js.PublishMsg(ctx, msg, opts...)
	if err != nil {
		return nil, fmt.Errorf("bus: publish %s: %w", subject, err)
	}
	return ack, nil
}
