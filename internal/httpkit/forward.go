package httpkit

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go"

	"github.com/athlos/athlos/bus"
)

// Forward sends body as JSON to a module's subject and passes the reply
// bytes through (see RawJSON). Errors come back as problems.
func Forward(ctx context.Context, nc *nats.Conn, subject string, body any) (*RawJSON, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return nil, Problem(fmt.Errorf("encode request for %s: %w", subject, err))
	}
	reply, err := bus.Request(ctx, nc, subject, data, nil)
	if err != nil {
		return nil, Problem(err)
	}
	return JSON(reply), nil
}

// NoContent is the output of operations that answer 204.
type NoContent struct{}

// ForwardNoContent is Forward for operations that answer 204 No Content.
func ForwardNoContent(ctx context.Context, nc *nats.Conn, subject string, body any) (*NoContent, error) {
	if _, err := Forward(ctx, nc, subject, body); err != nil {
		return nil, err
	}
	return &NoContent{}, nil
}
