package bus

import "context"

// PublishWithoutDelete runs one relay round that publishes and stops before
// deleting, as a process killed between the PubAck and the commit would.
func PublishWithoutDelete(ctx context.Context, r *Relay) (int, error) { return r.flush(ctx, false) }
