package callout

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/athlos/athlos/bus"
)

// MaxConnectionsPerUser bounds one user's app connections on the whole
// cluster (a phone, a watch, a tablet, a browser, and some reconnecting):
// the account's limits are per connection, and an account-wide count
// would let one user take everybody's.
const MaxConnectionsPerUser = 10

// pendingFor is how long an admitted connection counts before the server
// announces it (or never does: it failed after the callout said yes).
const pendingFor = 10 * time.Second

// connKey names one connection: the server it is on and its client id.
type connKey struct {
	server string
	cid    uint64
}

// conns counts each user's app connections on every server, from the
// system account's connect and disconnect events of the app account
// (every process of the client module hears them all). A connection the
// callout admitted counts at once, until its event or pendingFor. A user
// at the limit is counted afresh from the servers (bus.UserConnections)
// before being refused, so a missed disconnect event never locks anyone
// out; a missed connect event (a process that started after it) is made
// up at that count, and connections end with their token anyway.
type conns struct {
	sys   *nats.Conn
	max   int
	mu    sync.Mutex
	users map[string]map[connKey]time.Time // zero: announced; else pending until
	byKey map[connKey]string
	subs  []*nats.Subscription
}

func newConns(sys *nats.Conn, limit int) *conns {
	return &conns{sys: sys, max: limit, users: map[string]map[connKey]time.Time{}, byKey: map[connKey]string{}}
}

// start subscribes to the events of account.
func (c *conns) start(account string) error {
	type event struct {
		Server server.ServerInfo `json:"server"`
		Client server.ClientInfo `json:"client"`
	}
	for subject, connected := range map[string]bool{"$SYS.ACCOUNT." + account + ".CONNECT": true,
		"$SYS.ACCOUNT." + account + ".DISCONNECT": false} {
		sub, err := c.sys.Subscribe(subject, func(m *nats.Msg) {
			var ev event
			if json.Unmarshal(m.Data, &ev) != nil || ev.Server.ID == "" || ev.Client.User == "" {
				return
			}
			k := connKey{ev.Server.ID, ev.Client.ID}
			if connected {
				c.add(ev.Client.User, k, time.Time{})
			} else {
				c.remove(k)
			}
		})
		if err != nil {
			c.stop()
			return fmt.Errorf("callout: subscribe %s: %w", subject, err)
		}
		c.subs = append(c.subs, sub)
	}
	return c.sys.Flush()
}

func (c *conns) stop() {
	for _, s := range c.subs {
		_ = s.Unsubscribe()
	}
	c.subs = nil
}

func (c *conns) add(user string, k connKey, pendingUntil time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.users[user]
	if m == nil {
		m = map[connKey]time.Time{}
		c.users[user] = m
	}
	if until, ok := m[k]; ok && until.IsZero() {
		return // announced already
	}
	m[k] = pendingUntil
	c.byKey[k] = user
}

func (c *conns) remove(k connKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	user, ok := c.byKey[k]
	if !ok {
		return
	}
	delete(c.byKey, k)
	delete(c.users[user], k)
	if len(c.users[user]) == 0 {
		delete(c.users, user)
	}
}

// count is user's connections at now (pending ones past their time are
// dropped).
func (c *conns) count(user string, now time.Time) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.users[user]
	for k, until := range m {
		if !until.IsZero() && now.After(until) {
			delete(m, k)
			delete(c.byKey, k)
		}
	}
	return len(m)
}

// admit counts k in for user unless user has max connections: then it
// asks the servers for user's real connections first.
func (c *conns) admit(ctx context.Context, user string, k connKey, now time.Time) (bool, error) {
	return c.admitUpTo(ctx, user, k, now, c.max)
}

// admitUpTo is admit with another bound than max (the watchers of one
// session, who share a NATS user).
func (c *conns) admitUpTo(ctx context.Context, user string, k connKey, now time.Time, max int) (bool, error) {
	if c.count(user, now) >= max {
		real, err := bus.UserConnections(ctx, c.sys, user)
		if err != nil {
			return false, err
		}
		c.reset(user, real, now)
		if c.count(user, now) >= max {
			return false, nil
		}
	}
	c.add(user, k, now.Add(pendingFor))
	return true, nil
}

// reset makes user's announced connections those the servers listed,
// keeping the pending ones (not listed yet).
func (c *conns) reset(user string, real []bus.UserConnection, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := map[connKey]time.Time{}
	for k, until := range c.users[user] {
		delete(c.byKey, k)
		if !until.IsZero() && now.Before(until) {
			m[k] = until
		}
	}
	for _, rc := range real {
		k := connKey{rc.Server, rc.CID}
		m[k] = time.Time{}
	}
	for k := range m {
		c.byKey[k] = user
	}
	c.users[user] = m
}
