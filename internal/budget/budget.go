// Package budget keeps a publish budget per user: how many messages and
// how many items (telemetry points, chat characters) one user may send per
// second, with a burst, as token buckets (golang.org/x/time/rate). A
// process keeps its own buckets: behind several processes a user gets the
// budget of each.
package budget

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limits are one user's budget.
type Limits struct {
	// Messages per second, and how many may come at once.
	Messages     float64
	MessageBurst int
	// Items per second (points of a telemetry message, say), and how many
	// may come at once.
	Items     float64
	ItemBurst int
}

// Budgets are the buckets of every user seen lately.
type Budgets struct {
	limits Limits

	mu        sync.Mutex
	users     map[string]*user
	lastSweep time.Time
}

type user struct {
	msgs, items *rate.Limiter
	last        time.Time
}

// New returns empty budgets with limits.
func New(l Limits) *Budgets {
	return &Budgets{limits: l, users: map[string]*user{}}
}

// TakeMessage takes one message of id's budget at now: ok, or how long
// until one would be taken.
func (b *Budgets) TakeMessage(id string, now time.Time) (ok bool, wait time.Duration) {
	return take(b.get(id, now).msgs, 1, now)
}

// TakeItems takes n items of id's budget at now: ok, or how long until n
// would be taken (n past the burst never is: wait is then the time to a
// full bucket, and the message should be refused for good).
func (b *Budgets) TakeItems(id string, n int, now time.Time) (ok bool, wait time.Duration) {
	return take(b.get(id, now).items, n, now)
}

func take(l *rate.Limiter, n int, now time.Time) (bool, time.Duration) {
	if l.AllowN(now, n) {
		return true, 0
	}
	missing := float64(n) - l.TokensAt(now)
	if l.Limit() <= 0 {
		return false, time.Duration(math.MaxInt64)
	}
	return false, time.Duration(missing / float64(l.Limit()) * float64(time.Second))
}

// get is id's buckets, made on first use. Now and then it forgets users
// whose buckets are full again (they would start full anyway).
func (b *Budgets) get(id string, now time.Time) *user {
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.Sub(b.lastSweep) > time.Minute {
		b.lastSweep = now
		for k, u := range b.users {
			if now.Sub(u.last) > time.Minute && u.msgs.TokensAt(now) >= float64(b.limits.MessageBurst) &&
				u.items.TokensAt(now) >= float64(b.limits.ItemBurst) {
				delete(b.users, k)
			}
		}
	}
	u := b.users[id]
	if u == nil {
		u = &user{msgs: rate.NewLimiter(rate.Limit(b.limits.Messages), b.limits.MessageBurst),
			items: rate.NewLimiter(rate.Limit(b.limits.Items), b.limits.ItemBurst)}
		b.users[id] = u
	}
	u.last = now
	return u
}

// Len is how many users have buckets.
func (b *Budgets) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.users)
}
