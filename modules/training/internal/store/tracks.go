package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/storage"
)

// TrackSample is one point of a session's track as the analytics keep it.
type TrackSample struct {
	T  float64 // seconds from the first point
	D  float64 // metres from the first point
	HR int     // bpm, 0 when none
}

// trackSampleSize is a sample's bytes: T and D as float32, HR as uint16.
const trackSampleSize = 10

// EncodeTrack writes samples compactly (float32 keeps T to the
// millisecond for a day and D to the centimetre for 100 km).
func EncodeTrack(samples []TrackSample) []byte {
	b := make([]byte, len(samples)*trackSampleSize)
	for i, s := range samples {
		o := b[i*trackSampleSize:]
		binary.LittleEndian.PutUint32(o, math.Float32bits(float32(s.T)))
		binary.LittleEndian.PutUint32(o[4:], math.Float32bits(float32(s.D)))
		binary.LittleEndian.PutUint16(o[8:], uint16(min(max(s.HR, 0), math.MaxUint16)))
	}
	return b
}

// DecodeTrack reads what EncodeTrack wrote.
func DecodeTrack(b []byte) ([]TrackSample, error) {
	if len(b)%trackSampleSize != 0 {
		return nil, fmt.Errorf("store: a track of %d bytes", len(b))
	}
	out := make([]TrackSample, len(b)/trackSampleSize)
	for i := range out {
		o := b[i*trackSampleSize:]
		out[i] = TrackSample{T: float64(math.Float32frombits(binary.LittleEndian.Uint32(o))),
			D: float64(math.Float32frombits(binary.LittleEndian.Uint32(o[4:]))), HR: int(binary.LittleEndian.Uint16(o[8:]))}
	}
	return out, nil
}

// SaveTrack stores a session's track, replacing the one before.
func SaveTrack(ctx context.Context, q storage.Querier, session uuid.UUID, samples []TrackSample) error {
	if _, err := q.Exec(ctx, `INSERT INTO training.session_tracks (session_id, track) VALUES ($1, $2)
		ON CONFLICT (session_id) DO UPDATE SET track = EXCLUDED.track`, session, EncodeTrack(samples)); err != nil {
		return fmt.Errorf("store: save track: %w", err)
	}
	return nil
}

// Track reads a session's track; ok is false when none is stored (a
// session finished before tracks were kept).
func Track(ctx context.Context, q storage.Querier, session uuid.UUID) (samples []TrackSample, ok bool, err error) {
	return scanTrack(q.QueryRow(ctx, sqlTrack, session))
}

const sqlTrack = `SELECT track FROM training.session_tracks WHERE session_id = $1`

func scanTrack(row pgx.Row) (samples []TrackSample, ok bool, err error) {
	var b []byte
	err = row.Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: track: %w", err)
	}
	samples, err = DecodeTrack(b)
	return samples, err == nil, err
}
