package offerservice

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/athlos/athlos/modules/promo/internal/offers"
	"github.com/athlos/athlos/modules/promo/internal/offerstore"
)

// CacheReload is how often each process reloads its active offers: a
// change an admin makes in any process is served by every process within
// it (the process that made it reloads at once). Only offers changed
// since the last reload are decoded again; their spend is read each time.
const CacheReload = time.Second

// cached is an active offer with its spend at the last reload.
type cached struct {
	offer *offers.Offer
	rev   int64
	spent int64
}

// cache is the process's active offers (not deleted, not ended).
type cache struct {
	store *offerstore.Store

	mu      sync.RWMutex
	offers  []*cached
	byID    map[uuid.UUID]*cached
	maxRev  int64
	loaded  time.Time
	loading sync.Mutex
}

// snapshot returns the active offers (the slice is not changed later).
func (c *cache) snapshot() []*cached {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.offers
}

// get returns an active offer.
func (c *cache) get(id uuid.UUID) (*cached, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	o, ok := c.byID[id]
	return o, ok
}

// reload reads the active offers, decoding again those whose revision
// changed.
func (c *cache) reload(ctx context.Context, now time.Time) error {
	c.loading.Lock()
	defer c.loading.Unlock()
	c.mu.RLock()
	prev, since := c.byID, c.maxRev
	c.mu.RUnlock()
	rows, err := c.store.Active(ctx, now, since)
	if err != nil {
		return err
	}
	list := make([]*cached, 0, len(rows))
	byID := make(map[uuid.UUID]*cached, len(rows))
	maxRev := since
	for _, r := range rows {
		maxRev = max(maxRev, r.Rev)
		var o *offers.Offer
		if old, ok := prev[r.ID]; ok && old.rev == r.Rev {
			o = old.offer
		} else {
			o, err = c.decode(ctx, r)
			if err != nil {
				return err
			}
			if o == nil {
				continue // a stored offer the rules now refuse is not served
			}
		}
		x := &cached{offer: o, rev: r.Rev, spent: r.Spent}
		list = append(list, x)
		byID[r.ID] = x
	}
	c.mu.Lock()
	c.offers, c.byID, c.maxRev, c.loaded = list, byID, maxRev, now
	c.mu.Unlock()
	return nil
}

// decode validates a changed offer's definition (read again when the
// active read did not carry it); nil when the rules refuse it.
func (c *cache) decode(ctx context.Context, r offerstore.Live) (*offers.Offer, error) {
	row := offerstore.Row{ID: r.ID, Definition: r.Definition}
	if row.Definition == nil {
		var err error
		if row, err = c.store.Get(ctx, r.ID); err != nil {
			return nil, err
		}
	}
	def, err := definitionOf(row)
	if err != nil {
		return nil, err
	}
	o, err := offers.Validate(r.ID, def, r.CreatedAt)
	if err != nil {
		return nil, nil //nolint:nilerr // refused by the rules: not served
	}
	return o, nil
}
