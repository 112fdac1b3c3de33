package chat

import "github.com/athlos/athlos/internal/kit/fielderr"

// Page sizes of history: DefaultLimit when the app asks for none, at most
// MaxLimit.
const (
	DefaultLimit = 50
	MaxLimit     = 100
)

// MaxID is the largest message id an anchor may name: ids are numbers a
// JSON client reads exactly (2^53 − 1).
const MaxID = 1<<53 - 1

// Direction is where a history page lies from its anchor.
type Direction int

// The directions of a page.
const (
	// Latest is the newest messages (no anchor).
	Latest Direction = iota
	// Before is the messages older than the anchor.
	Before
	// After is the messages newer than the anchor.
	After
	// Around is the anchor (when it exists), limit/2 older messages and
	// the rest newer.
	Around
)

// PageRequest is a checked history request.
type PageRequest struct {
	Dir    Direction
	Anchor int64
	Limit  int
}

// NewPageRequest checks a history request: at most one of before, after
// and around (message ids, 0 meaning absent), and limit 1 to MaxLimit
// (0: DefaultLimit). An anchor need not be a message's id: a page
// before, after or around any id is the messages that lie there.
func NewPageRequest(before, after, around int64, limit int) (PageRequest, error) {
	switch {
	case limit == 0:
		limit = DefaultLimit
	case limit < 1 || limit > MaxLimit:
		return PageRequest{}, fielderr.New("limit", "must be between 1 and %d", MaxLimit)
	}
	p := PageRequest{Limit: limit}
	n := 0
	for _, a := range []struct {
		name string
		v    int64
		dir  Direction
	}{{"before", before, Before}, {"after", after, After}, {"around", around, Around}} {
		if a.v == 0 {
			continue
		}
		if a.v < 1 || a.v > MaxID {
			return PageRequest{}, fielderr.New(a.name, "must be a message id, 1 to %d", int64(MaxID))
		}
		n++
		p.Dir, p.Anchor = a.dir, a.v
	}
	if n > 1 {
		return PageRequest{}, fielderr.New("before", "give at most one of before, after and around")
	}
	return p, nil
}

// Split is how many messages an around page takes older than its anchor
// (the rest are the anchor and newer).
func (p PageRequest) Split() (older, newer int) {
	older = p.Limit / 2
	return older, p.Limit - older
}

// Cursors are what continues a page: Next is the anchor of the newer
// messages (pass it as after), Prev the anchor of the older ones (pass it
// as before); 0 when there are none at the time of reading.
type Cursors struct {
	Next, Prev int64
}

// PageCursors gives the cursors of a page of ids in ascending order, with
// whether more messages exist older than its first and newer than its
// last. An empty page (before the first message, after the last) has
// cursors that include its anchor: after anchor−1, before anchor+1.
func PageCursors(ids []int64, moreOlder, moreNewer bool, p PageRequest) Cursors {
	var c Cursors
	if len(ids) == 0 {
		if moreOlder && p.Anchor < MaxID {
			c.Prev = p.Anchor + 1
		}
		if moreNewer && p.Anchor > 1 {
			c.Next = p.Anchor - 1
		}
		return c
	}
	if moreOlder {
		c.Prev = ids[0]
	}
	if moreNewer {
		c.Next = ids[len(ids)-1]
	}
	return c
}
