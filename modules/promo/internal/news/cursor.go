package news

import (
	"encoding/base64"
	"encoding/binary"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/athlos/athlos/internal/kit/sport"
)

// Key is an item's place in a user's feed, which is ordered by Key
// descending: pinned first, then the relevance (the item's sport tags
// the user practises, plus one when it is tagged with the user's
// country), then the newest publish time, then the id.
type Key struct {
	Pinned    bool
	Relevance int
	PublishAt time.Time
	ID        uuid.UUID
}

// FeedCursor is where a page of the feed ends: the last item's key, and
// the language and facts the feed was ranked with, so the next pages rank
// the same way (items published in between with a key above the cursor
// are not shown on later pages, those below are: nothing is shown twice
// or skipped because of an insert).
type FeedCursor struct {
	Language string
	Country  string
	Sports   []string
	After    Key
}

const cursorVersion = 1

// maxRelevance bounds a relevance: every sport plus the country.
var maxRelevance = len(sport.All()) + 1

// SportsMask is a set of sports as bits: bit i is the i-th sport of
// sport.All (other names count for nothing). The feed ranks by the bits
// an item and a user have in common.
func SportsMask(sports []string) int32 {
	var mask int32
	for _, s := range sports {
		if i := sport.Index(s); i >= 0 {
			mask |= 1 << i
		}
	}
	return mask
}

// Encode writes c as an opaque URL-safe string.
func (c FeedCursor) Encode() string {
	b := make([]byte, 0, 31+len(c.Language))
	b = append(b, cursorVersion)
	var flags byte
	if c.After.Pinned {
		flags = 1
	}
	b = append(b, flags, byte(c.After.Relevance))
	b = binary.BigEndian.AppendUint16(b, uint16(SportsMask(c.Sports)))
	country := [2]byte{}
	copy(country[:], c.Country)
	b = append(b, country[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(c.After.PublishAt.UnixMicro()))
	b = append(b, c.After.ID[:]...)
	b = append(b, c.Language...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ParseFeedCursor reads a cursor Encode wrote, or a fielderr.Error on
// field cursor.
func ParseFeedCursor(s string) (FeedCursor, error) {
	bad := fielderr.New("cursor", "is not a cursor this API returned")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 32 || b[0] != cursorVersion || b[1] > 1 || int(b[2]) > maxRelevance {
		return FeedCursor{}, bad
	}
	c := FeedCursor{After: Key{Pinned: b[1] == 1, Relevance: int(b[2])}}
	mask := binary.BigEndian.Uint16(b[3:5])
	all := sport.All()
	if mask>>len(all) != 0 {
		return FeedCursor{}, bad
	}
	for i, s := range all {
		if mask&(1<<i) != 0 {
			c.Sports = append(c.Sports, s)
		}
	}
	if b[5] != 0 || b[6] != 0 {
		if c.Country, err = NormalizeCountry(string(b[5:7])); err != nil || c.Country != string(b[5:7]) {
			return FeedCursor{}, bad
		}
	}
	c.After.PublishAt = time.UnixMicro(int64(binary.BigEndian.Uint64(b[7:15]))).UTC()
	copy(c.After.ID[:], b[15:31])
	c.Language = string(b[31:])
	if l, err := NormalizeLanguage(c.Language); err != nil || l != c.Language {
		return FeedCursor{}, bad
	}
	return c, nil
}

// Reader is the reader the cursor's feed was ranked for, in the cursor's
// language; when personalised is false (the user objected since, or may
// not be profiled), without country and sports.
func (c FeedCursor) Reader(personalised bool) Reader {
	r := Reader{Languages: []string{c.Language}}
	if personalised {
		r.Country, r.Sports = c.Country, slices.Clone(c.Sports)
	}
	return r
}

// AdminCursor is where a page of the admin list ends: the last item's
// creation time and id (the list is ordered by both, descending).
func AdminCursor(createdAt time.Time, id uuid.UUID) string {
	var b [24]byte
	binary.BigEndian.PutUint64(b[:8], uint64(createdAt.UnixMicro()))
	copy(b[8:], id[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// ParseAdminCursor reads AdminCursor's cursor, or a fielderr.Error on
// field cursor.
func ParseAdminCursor(s string) (time.Time, uuid.UUID, error) {
	var id uuid.UUID
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 24 {
		return time.Time{}, id, fielderr.New("cursor", "is not a cursor this API returned")
	}
	copy(id[:], b[8:])
	return time.UnixMicro(int64(binary.BigEndian.Uint64(b[:8]))).UTC(), id, nil
}
