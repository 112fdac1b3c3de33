// Package publish sends what the training module publishes without
// storing it: a live session's figures, throttled to one message a second
// per session (Feed); its events go through the outbox, written by the
// service.
package publish

import (
	"encoding/json"
	"errors"
	"log/slog"

	"github.com/nats-io/nats.go"

	"github.com/athlos/athlos/modules/training/api"
)

// LiveFigures returns the feed of live figures: they go to the owner on
// live.session.<owner>.<session> and to watchers on live.watch.<session>
// (which does not name the owner; without the position when the owner's
// privacy zones hide it), plain NATS publishes (not stored), at
// most once a second per session (Feed). Close it at the stop.
func LiveFigures(nc *nats.Conn, log *slog.Logger) *Feed {
	return New(func(owner string, ls api.LiveStats, hidePosition bool) {
		data, err := json.Marshal(ls)
		watchers := data
		if err == nil && hidePosition {
			ls.Position = nil
			watchers, err = json.Marshal(ls)
		}
		if err == nil {
			err = errors.Join(nc.Publish(api.LiveSessionSubject(owner, ls.SessionID), data),
				nc.Publish(api.LiveWatchSubject(ls.SessionID), watchers))
		}
		if err != nil {
			log.Warn("live figures not sent", "session", ls.SessionID, "err", err)
		}
	}, Interval)
}
