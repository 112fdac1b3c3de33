package mix

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/athlos/athlos/internal/loadgen"
	socialapi "github.com/athlos/athlos/modules/social/api"
	trainingapi "github.com/athlos/athlos/modules/training/api"
)

// check settles and finishes the live sessions and reads the groups'
// histories: what the server acknowledged must be stored, once.
func (r *run) check(ctx context.Context, rep *Report) {
	r.progressf("checking: every acknowledged point stored, every answered chat message in its group's history")
	var live []*athlete
	for _, a := range r.athletes {
		if a.sessionID != "" {
			live = append(live, a)
		}
	}
	deadline := time.Now().Add(r.cfg.SettleTimeout)
	var stored, lost, extra, checked, figures, withFigures atomic.Int64
	var firstMu sync.Mutex
	note := func(err error) {
		firstMu.Lock()
		if rep.Telemetry.FirstProblem == "" {
			rep.Telemetry.FirstProblem = err.Error()
		}
		firstMu.Unlock()
	}
	_ = r.each(ctx, len(live), func(k int) error {
		a := live[k]
		n, err := a.settleAndFinish(ctx, deadline)
		a.ackMu.Lock()
		acked := a.acked
		a.ackMu.Unlock()
		if err != nil {
			note(err)
			return nil
		}
		checked.Add(1)
		stored.Add(n)
		if n < acked {
			lost.Add(acked - n)
			note(fmt.Errorf("session %s: %d points acknowledged, %d stored", a.sessionID, acked, n))
		} else {
			extra.Add(n - acked)
		}
		if a.watched {
			f := a.figures.Load()
			figures.Add(int64(f))
			if f > 0 {
				withFigures.Add(1)
			}
		}
		return nil
	})
	rep.Telemetry.Sessions = len(live)
	rep.Telemetry.SessionsChecked = int(checked.Load())
	rep.Telemetry.PointsStored = stored.Load()
	rep.Telemetry.PointsLost = lost.Load()
	rep.Telemetry.PointsUnacknowledgedStored = extra.Load()
	rep.Watch.LiveFigures = uint64(figures.Load())
	rep.Watch.SessionsWithFigures = int(withFigures.Load())

	// Chat: wait a little for the last deliveries, then read the
	// histories.
	waitBy := time.Now().Add(10 * time.Second)
	for time.Now().Before(waitBy) && r.deliveriesMissing() > 0 {
		loadgen.Sleep(ctx, 100*time.Millisecond)
	}
	var chatLost, doubled, inHistory atomic.Int64
	_ = r.each(ctx, len(r.groups), func(k int) error {
		g := r.groups[k]
		seen, err := g.history(ctx, r)
		if err != nil {
			firstMu.Lock()
			if rep.Chat.FirstProblem == "" {
				rep.Chat.FirstProblem = err.Error()
			}
			firstMu.Unlock()
			return nil
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		for _, txn := range g.answered {
			switch n := seen[txn]; {
			case n == 0:
				chatLost.Add(1)
			case n > 1:
				doubled.Add(int64(n - 1))
			}
			if seen[txn] > 0 {
				inHistory.Add(1)
			}
		}
		return nil
	})
	rep.Chat.InHistory = inHistory.Load()
	rep.Chat.Lost = chatLost.Load()
	rep.Chat.Doubled = doubled.Load()
}

// settleAndFinish waits until the session's last acknowledged point is
// stored (or deadline), finishes the session and returns how many points
// the server holds.
func (a *athlete) settleAndFinish(ctx context.Context, deadline time.Time) (int64, error) {
	a.ackMu.Lock()
	want := a.lastAcked
	a.ackMu.Unlock()
	path := "/v1/sessions/" + a.sessionID
	for !want.IsZero() {
		var s trainingapi.Session
		err := a.api.Do(ctx, http.MethodGet, path, a.token(), nil, &s, http.StatusOK)
		if err == nil && s.LastPointAt != nil && !s.LastPointAt.Before(want) {
			break
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("session %s: last point stored %v, last acknowledged %s", a.sessionID, s.LastPointAt, want)
			}
			return 0, err
		}
		loadgen.Sleep(ctx, 200*time.Millisecond)
	}
	if a.watcher != nil {
		_ = a.watcher.Unsubscribe()
	}
	var s trainingapi.Session
	err := a.r.time(OpFinish, func() error {
		return a.api.Do(ctx, http.MethodPost, path+"/finish", a.token(), nil, &s, http.StatusOK)
	})
	if err != nil {
		// A failed finish leaves the session open with its points.
		if err := a.api.Do(ctx, http.MethodGet, path, a.token(), nil, &s, http.StatusOK); err != nil {
			return 0, err
		}
	}
	return int64(s.PointsStored), nil
}

// deliveriesMissing counts the deliveries of answered messages to the
// groups' members (every member is online) that have not come yet.
func (r *run) deliveriesMissing() int64 {
	var missing int64
	for _, g := range r.groups {
		g.mu.Lock()
		for _, txn := range g.answered {
			missing += int64(max(len(g.members)-g.deliveries[txn], 0))
		}
		g.mu.Unlock()
	}
	return missing
}

// history reads the group's whole history, newest page first: how many
// times each txn id is in it.
func (g *group) history(ctx context.Context, r *run) (map[string]int, error) {
	owner := g.members[0]
	seen := map[string]int{}
	path := "/v1/groups/" + g.id + "/messages?limit=100"
	for {
		var page socialapi.ChatPage
		if err := r.time(OpHistory, func() error {
			return owner.api.Do(ctx, http.MethodGet, path, owner.token(), nil, &page, http.StatusOK)
		}); err != nil {
			return nil, err
		}
		for _, m := range page.Items {
			if m.TxnID != "" {
				seen[m.TxnID]++
			}
		}
		if page.PrevCursor == nil || len(page.Items) == 0 {
			return seen, nil
		}
		path = "/v1/groups/" + g.id + "/messages?limit=100&before=" + strconv.FormatInt(*page.PrevCursor, 10)
	}
}
