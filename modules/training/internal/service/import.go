package service

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/kit/sport"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/importer"
	"github.com/athlos/athlos/modules/training/internal/session"
	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/modules/training/internal/telemetry"
	"github.com/athlos/athlos/storage"
)

// Limits of imports.
const (
	// MaxImportPoints bounds the points of one file (a day of 1 Hz
	// recording is 86,400).
	MaxImportPoints = 250_000
	// ConcurrentImports bounds the imports one process runs at once.
	ConcurrentImports = 2
)

// Uploads gives access to files the front uploaded (bus.UploadStore).
type Uploads interface {
	// Get returns an upload's content, or bus.ErrNoUpload.
	Get(ctx context.Context, name string) ([]byte, error)
	Delete(ctx context.Context, name string) error
}

// Import is a workout file to import, uploaded by the front, with what the
// user chose ("": from the file, or the user's settings).
type Import struct {
	Upload                   string // its name in the uploads store
	FileName                 string
	Sport, Title, Visibility string
}

// ImportSession makes a finished session of user from a workout file
// (GPX, TCX or FIT, optionally gzipped): its points are checked like live
// telemetry, stored, and the session completed with the same figures and
// event as a live one. The upload is deleted either way. Errors: invalid
// (body.sport, body.visibility, body.title; upload unknown; body.file
// that cannot be read, too large or with unusable points, and nothing is
// stored), conflict (the same file imported before: it names the session
// made the first time), unavailable (too many imports at once, or no
// uploads store), unauthorized (the account was deleted).
func (s *Service) ImportSession(ctx context.Context, user uuid.UUID, in Import) (api.ImportResult, error) {
	if in.Sport != "" && !sport.Valid(in.Sport) {
		return api.ImportResult{}, bus.Invalid("body.sport", "must be one of the sports in the API document")
	}
	if in.Visibility != "" && !sport.ValidVisibility(in.Visibility) {
		return api.ImportResult{}, bus.Invalid("body.visibility", "must be private, followers or public")
	}
	if utf8.RuneCountInString(in.Title) > 200 || !utf8.ValidString(in.Title) {
		return api.ImportResult{}, bus.Invalid("body.title", "at most 200 characters")
	}
	if !session.ValidTitle(in.Title) {
		return api.ImportResult{}, bus.Invalid("body.title", "must not contain control characters")
	}
	if s.uploads == nil {
		return api.ImportResult{}, bus.Errorf(bus.CodeUnavailable, "uploads are not available")
	}
	if err := s.refuseDeleted(ctx, s.pool, user); err != nil {
		return api.ImportResult{}, err
	}
	// A few imports at a time: one holds its file, the decoded file and
	// its points in memory (a 25 MB FIT file may hold a million records).
	select {
	case s.imports <- struct{}{}:
		defer func() { <-s.imports }()
	case <-ctx.Done():
		return api.ImportResult{}, &bus.Error{Code: bus.CodeUnavailable, Message: "too many imports at once; try again", RetryAfter: 5}
	}
	data, err := s.uploads.Get(ctx, in.Upload)
	if errors.Is(err, bus.ErrNoUpload) {
		return api.ImportResult{}, bus.Invalid("upload", "no such upload (it expired or was imported already)")
	}
	if err != nil {
		return api.ImportResult{}, err
	}
	defer func() { _ = s.uploads.Delete(context.WithoutCancel(ctx), in.Upload) }()
	if len(data) > api.MaxImportBytes {
		return api.ImportResult{}, bus.Invalid("body.file", "larger than 25 MB")
	}
	file, err := importer.Read(data)
	var fe *importer.FileError
	if errors.As(err, &fe) {
		return api.ImportResult{}, bus.Invalid("body.file", fe.Reason)
	}
	if err != nil {
		return api.ImportResult{}, err
	}

	if len(file.Points) > MaxImportPoints {
		return api.ImportResult{}, bus.Invalid("body.file", fmt.Sprintf("the file holds %d points; at most %d", len(file.Points), MaxImportPoints))
	}
	// Points are kept by their time: a track whose times are unusable
	// would collapse into a few points without a word.
	if err := importer.CheckTimes(file.Activity, time.Now().UTC()); errors.As(err, &fe) {
		return api.ImportResult{}, bus.Invalid("body.file", fe.Reason)
	}
	sportName := in.Sport
	if sportName == "" {
		sportName = file.Sport
	}
	if sportName == "" {
		sportName = "other"
	}
	first := file.Points[0].T
	res := telemetry.Filter(file.Points, telemetry.Session{Sport: sportName, StartedAt: first, Until: time.Now().UTC()}, nil)
	if len(res.Accepted) < 1 {
		return api.ImportResult{}, bus.Invalid("body.file", "none of the file's points is plausible")
	}
	out := api.ImportResult{Format: file.Format, Skipped: file.Skipped, Dropped: res.Dropped}
	if out.Dropped == nil {
		out.Dropped = map[string]int{}
	}
	ns := store.NewSession{User: user, Sport: sportName, Visibility: in.Visibility,
		Title:     clip(session.CleanTitle(strings.ToValidUTF8(firstOf(in.Title, file.Name, strings.TrimSpace(in.FileName)), "\uFFFD")), 200),
		StartedAt: res.Accepted[0].T.UTC(), SourceFormat: file.Format, SourceSHA256: file.SHA256[:]}
	finished := res.Accepted[len(res.Accepted)-1].T.UTC()
	ns.FinishedAt = &finished
	if ns.Visibility == "" {
		if ns.Visibility, err = s.defaultVisibility(ctx, s.pool, user, sportName); err != nil {
			return api.ImportResult{}, err
		}
	}
	if ns.ID, err = uuid.NewV7(); err != nil {
		return api.ImportResult{}, err
	}
	// The figures are computed while the points are written: the one
	// is Go's work, the other PostgreSQL's.
	athlete, err := store.GetAthlete(ctx, s.pool, user)
	if err != nil {
		return api.ImportResult{}, err
	}
	type computed struct {
		f   figures
		err error
	}
	done := make(chan computed, 1)
	go func() {
		// A panic here would end the process (it is not the RPC's
		// goroutine): it becomes the import's error.
		defer func() {
			if p := recover(); p != nil {
				done <- computed{err: fmt.Errorf("computing the figures: %v\n%s", p, debug.Stack())}
			}
		}()
		f, err := computeFigures(res.Accepted, sportName, ns.StartedAt, athlete, file.LapStarts)
		done <- computed{f, err}
	}()
	var figs *computed
	awaitFigures := func() (figures, error) {
		if figs == nil {
			c := <-done
			figs = &c
		}
		return figs.f, figs.err
	}
	defer func() { _, _ = awaitFigures() }() // never leave the goroutine behind
	err = storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		err := store.InsertSession(ctx, tx, ns)
		if errors.Is(err, store.ErrDuplicateFile) {
			return s.duplicateFile(ctx, user, file.SHA256[:])
		}
		if err != nil {
			return err
		}
		// The file as uploaded, for the user's data export.
		if err := store.SaveImportFile(ctx, tx, ns.ID, file.Format, importer.Gzipped(data), data); err != nil {
			return err
		}
		var rows store.PointRows
		rows.Add(ns.ID, res.Accepted)
		if _, _, err := store.WritePoints(ctx, tx, rows, false); err != nil {
			return err
		}
		if err := store.AddLapMarks(ctx, tx, ns.ID, file.LapStarts); err != nil {
			return err
		}
		row, err := store.Session(ctx, tx, user, ns.ID)
		if err != nil {
			return err
		}
		f, err := awaitFigures()
		if err != nil {
			return err
		}
		if err := storeFigures(ctx, tx, ns.ID, row, f, finished, api.EventSessionCompleted); err != nil {
			return err
		}
		row, err = store.Session(ctx, tx, user, ns.ID)
		out.Session = sessionOut(row)
		return err
	})
	return out, err
}

// duplicateFile is the conflict of a file imported before.
func (s *Service) duplicateFile(ctx context.Context, user uuid.UUID, sha []byte) error {
	id, err := store.ImportedSession(ctx, s.pool, user, sha)
	if err != nil {
		return err
	}
	return &bus.Error{Code: bus.CodeConflict, Message: "this file was imported already as session " + id.String(),
		Fields: []bus.FieldError{{Field: "body.file", Reason: "imported already as session " + id.String()}}}
}

// clip cuts s to at most n characters (never inside one).
func clip(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

func firstOf(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
