package bus

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Presence knows which users of one account (the app account: users named
// by their id) have a connection open anywhere on the NATS cluster. It
// follows the system account's connect and disconnect events of the
// account and, every Resync, replaces what it knows with the servers' own
// lists (CONNZ), which also repairs what events can't tell: a server that
// died with its connections, an event lost while reconnecting.
//
// It errs towards online: a connection is known from the moment its
// connect event arrives until its disconnect event or the next list
// without it; a user who connects just after a question was asked was
// offline for it (an app reads what it missed when it connects).
type Presence struct {
	sys     *nats.Conn
	account string
	log     *slog.Logger
	// Resync is how often the whole list is read again.
	Resync time.Duration

	mu    sync.RWMutex
	conns map[presenceKey]string // open connections: server and client id → user
	users map[string]int         // user → open connections
	// While a list is read, the events that arrive meanwhile: applied
	// again on top of the list, which may predate them.
	listing              bool
	connected, dropped   map[presenceKey]string
	subs                 []*nats.Subscription
	stop                 context.CancelFunc
	done                 chan struct{}
	lastSync, lastFailed time.Time
}

type presenceKey struct {
	server string
	cid    uint64
}

// NewPresence returns the presence of account's users as seen through sys,
// a connection to the system account (ConnectSystem); Start it.
func NewPresence(sys *nats.Conn, account string, log *slog.Logger) *Presence {
	return &Presence{sys: sys, account: account, log: log, Resync: 30 * time.Second,
		conns: map[presenceKey]string{}, users: map[string]int{}}
}

// Start subscribes to the account's connect and disconnect events, reads
// the servers' lists once and keeps reading them every Resync until Stop.
// A first list that no server answers is not an error: the events fill
// the set, and the next resync tries again.
func (p *Presence) Start(ctx context.Context) error {
	for _, ev := range []struct {
		subject string
		open    bool
	}{{"CONNECT", true}, {"DISCONNECT", false}} {
		open := ev.open
		sub, err := p.sys.Subscribe(fmt.Sprintf("$SYS.ACCOUNT.%s.%s", p.account, ev.subject), func(m *nats.Msg) {
			var e struct {
				Server server.ServerInfo `json:"server"`
				Client server.ClientInfo `json:"client"`
			}
			if json.Unmarshal(m.Data, &e) != nil || e.Server.ID == "" {
				return
			}
			p.apply(presenceKey{e.Server.ID, e.Client.ID}, e.Client.User, open)
		})
		if err != nil {
			p.unsubscribe()
			return fmt.Errorf("bus: presence of %s: %w", p.account, err)
		}
		_ = sub.SetPendingLimits(-1, -1)
		p.subs = append(p.subs, sub)
	}
	if err := p.sys.FlushWithContext(ctx); err != nil {
		p.unsubscribe()
		return fmt.Errorf("bus: presence of %s: %w", p.account, err)
	}
	p.Sync(ctx)
	rctx, cancel := context.WithCancel(context.Background())
	p.stop, p.done = cancel, make(chan struct{})
	go func() {
		defer close(p.done)
		t := time.NewTicker(p.Resync)
		defer t.Stop()
		for {
			select {
			case <-rctx.Done():
				return
			case <-t.C:
				p.Sync(rctx)
			}
		}
	}()
	return nil
}

// Stop ends the resyncs and the subscriptions.
func (p *Presence) Stop() {
	if p.stop != nil {
		p.stop()
		<-p.done
	}
	p.unsubscribe()
}

func (p *Presence) unsubscribe() {
	for _, s := range p.subs {
		_ = s.Unsubscribe()
	}
	p.subs = nil
}

// Online reports whether user has a connection open.
func (p *Presence) Online(user string) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.users[user] > 0
}

// Count answers how many users are online.
func (p *Presence) Count() int {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return len(p.users)
}

func (p *Presence) apply(k presenceKey, user string, open bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.listing {
		if open {
			p.connected[k] = user
		} else {
			p.dropped[k] = user
		}
	}
	if open {
		p.add(k, user)
	} else {
		p.remove(k)
	}
}

func (p *Presence) add(k presenceKey, user string) {
	if user == "" {
		return
	}
	if _, ok := p.conns[k]; ok {
		return
	}
	p.conns[k] = user
	p.users[user]++
}

func (p *Presence) remove(k presenceKey) {
	user, ok := p.conns[k]
	if !ok {
		return
	}
	delete(p.conns, k)
	if p.users[user]--; p.users[user] <= 0 {
		delete(p.users, user)
	}
}

// Sync reads every server's list of the account's open connections and
// makes it what Presence knows: a server that answered is taken as it
// said, plus the connections that opened and less those that closed while
// it was read; what is known of a server that did not answer is kept.
func (p *Presence) Sync(ctx context.Context) {
	p.mu.Lock()
	p.listing, p.connected, p.dropped = true, map[presenceKey]string{}, map[presenceKey]string{}
	p.mu.Unlock()
	lists, err := connz(ctx, p.sys, server.ConnzOptions{Account: p.account})
	p.mu.Lock()
	defer p.mu.Unlock()
	p.listing = false
	if err != nil {
		if ctx.Err() == nil && time.Since(p.lastFailed) > 10*time.Minute {
			p.lastFailed = time.Now()
			p.log.Warn("presence: reading the servers' connections", "account", p.account, "err", err)
		}
		return
	}
	conns := map[presenceKey]string{}
	for k, u := range p.conns {
		if _, answered := lists[k.server]; !answered {
			conns[k] = u
		}
	}
	for srv, list := range lists {
		for _, c := range list {
			conns[presenceKey{srv, c.CID}] = c.User
		}
	}
	for k, u := range p.connected {
		conns[k] = u
	}
	for k := range p.dropped {
		delete(conns, k)
	}
	p.conns, p.users = map[presenceKey]string{}, map[string]int{}
	for k, u := range conns {
		p.add(k, u)
	}
	p.connected, p.dropped = nil, nil
	p.lastSync = time.Now()
}
