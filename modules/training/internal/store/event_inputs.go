package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// EventInputs is what applying a session event to the analytics reads,
// besides the session itself.
type EventInputs struct {
	// HasFigures tells whether figures are stored for the session, computed
	// for Revision, with the strength bests OwnStrength.
	HasFigures  bool
	Revision    int64
	OwnStrength []StrengthBest
	Athlete     AthleteFacts
	// Track is the session's stored track (HasTrack false: none, a session
	// finished before tracks were kept).
	Track    []TrackSample
	HasTrack bool
	// Efforts are the session's stored best efforts.
	Efforts []Effort
	// Records are the user's fastest efforts over the distances asked for,
	// and StrengthMaxima each exercise's maxima, the session left out.
	Records        []Effort
	StrengthMaxima []StrengthMax
}

// ReadEventInputs reads a session's event inputs in one round trip (a
// pipelined batch of the queries FiguresRevision, SessionStrength,
// GetAthleteFacts, Track, SessionEfforts, Records and StrengthMaxima run
// one at a time): applying an event is mostly waiting for the database,
// and these reads depend on none of each other.
func ReadEventInputs(ctx context.Context, tx pgx.Tx, user, session uuid.UUID, distances []float64) (EventInputs, error) {
	var in EventInputs
	b := &pgx.Batch{}
	b.Queue(sqlFigureState, session).QueryRow(func(r pgx.Row) (err error) {
		in.Revision, in.HasFigures, in.OwnStrength, err = scanFigureState(r)
		return err
	})
	b.Queue(sqlAthleteFacts, user).QueryRow(func(r pgx.Row) (err error) {
		in.Athlete, err = scanAthleteFacts(r)
		return err
	})
	b.Queue(sqlTrack, session).QueryRow(func(r pgx.Row) (err error) {
		in.Track, in.HasTrack, err = scanTrack(r)
		return err
	})
	b.Queue(sqlSessionEfforts, session).Query(func(rows pgx.Rows) (err error) {
		in.Efforts, err = scanEfforts(rows)
		return err
	})
	b.Queue(sqlRecords, user, session, distances).Query(func(rows pgx.Rows) (err error) {
		in.Records, err = scanEfforts(rows)
		return err
	})
	b.Queue(sqlStrengthMaxima, user, session).Query(func(rows pgx.Rows) (err error) {
		in.StrengthMaxima, err = scanStrengthMaxima(rows)
		return err
	})
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return in, fmt.Errorf("store: event inputs: %w", err)
	}
	return in, nil
}
