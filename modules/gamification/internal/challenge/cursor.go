package challenge

import (
	"encoding/base64"
	"encoding/binary"
	"math"
	"time"

	"github.com/athlos/athlos/internal/kit/fielderr"
)

// A cursor is a position in a list: a key (a time or a score) and an id,
// 24 bytes in URL-safe base64. Lists of challenges are ordered by a time,
// leaderboards by a score.

// TimeCursor encodes a position in a list ordered by time, then id.
func TimeCursor(at time.Time, id [16]byte) string {
	return encode(uint64(at.UnixMicro()), id)
}

// ParseTimeCursor decodes TimeCursor's cursor, or a fielderr.Error on
// field cursor.
func ParseTimeCursor(s string) (time.Time, [16]byte, error) {
	k, id, err := decode(s)
	return time.UnixMicro(int64(k)).UTC(), id, err
}

// ScoreCursor encodes a position on a leaderboard: a score, then an id.
func ScoreCursor(score float64, id [16]byte) string { return encode(math.Float64bits(score), id) }

// ParseScoreCursor decodes ScoreCursor's cursor, or a fielderr.Error on
// field cursor.
func ParseScoreCursor(s string) (float64, [16]byte, error) {
	k, id, err := decode(s)
	f := math.Float64frombits(k)
	if err == nil && (math.IsNaN(f) || math.IsInf(f, 0)) {
		return 0, id, fielderr.New("cursor", "is not a cursor this API returned")
	}
	return f, id, err
}

func encode(key uint64, id [16]byte) string {
	var b [24]byte
	binary.BigEndian.PutUint64(b[:8], key)
	copy(b[8:], id[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func decode(s string) (uint64, [16]byte, error) {
	var id [16]byte
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 24 {
		return 0, id, fielderr.New("cursor", "is not a cursor this API returned")
	}
	copy(id[:], b[8:])
	return binary.BigEndian.Uint64(b[:8]), id, nil
}
