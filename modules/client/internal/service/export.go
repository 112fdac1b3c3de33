package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/export"
	"github.com/athlos/athlos/modules/client/internal/store"
	"github.com/athlos/athlos/storage"
)

// ExportSources makes the source of a user's data for their archive: the
// modules, asked over NATS on the user's behalf (package peers).
type ExportSources func(user uuid.UUID, role string) export.Source

// ExportReadyHook is told, in the transaction that marks an export ready,
// of the export and its owner's address, first name and language: it
// enqueues the email (nil: none).
type ExportReadyHook func(ctx context.Context, tx pgx.Tx, ev api.ExportReadyEvent, to store.Addressee) error

// Export job tuning.
const (
	// ExportLease is how long a builder holds an export without renewing
	// (renewed every third of it): a process that died lets another take
	// over after this.
	ExportLease = 2 * time.Minute
	// ExportAttempts is how many builds of an export are tried before it
	// fails.
	ExportAttempts = 3
)

// SetExportSources sets where archives' data come from (the module does
// at start; without it exports stay pending), the hook told when one is
// ready (in its transaction) and committed is called after that commit
// (the mail worker's wake-up; nil: none).
func (s *Service) SetExportSources(src ExportSources, ready ExportReadyHook, committed func()) {
	s.exportSrc, s.exportReady, s.exportCommitted = src, ready, committed
}

// SetClock makes the service read the time from now (tests: a fixed
// clock for expiry and throttling).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// RequestExport starts an export of user's data, or answers the one
// being built (fresh false). Errors: rate_limited (one export a day,
// Retry-After until then; a failed one does not count),
// not_found (the account is gone).
func (s *Service) RequestExport(ctx context.Context, user uuid.UUID) (out api.Export, fresh bool, err error) {
	now := s.now()
	err = storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := store.LockUserExports(ctx, tx, user); errors.Is(err, store.ErrNotFound) {
			return errNoAccount
		} else if err != nil {
			return err
		}
		latest, err := store.LatestExport(ctx, tx, user)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err == nil && (latest.State == "pending" || latest.State == "running") {
			out, err = s.exportView(ctx, tx, latest)
			return err
		}
		last, err := store.LastCountedExport(ctx, tx, user)
		if err != nil {
			return err
		}
		if next := last.Add(api.ExportEvery); !last.IsZero() && now.Before(next) {
			wait := int(next.Sub(now).Seconds()) + 1
			return &bus.Error{Code: bus.CodeRateLimited, RetryAfter: wait,
				Message:    fmt.Sprintf("one export a day: the next from %s", next.UTC().Format(time.RFC3339)),
				RateLimits: []bus.RateLimit{{Policy: "export", Quota: 1, WindowS: int(api.ExportEvery.Seconds()), Remaining: 0, ResetS: wait}}}
		}
		id, err := uuid.NewV7()
		if err != nil {
			return fmt.Errorf("service: export id: %w", err)
		}
		if err := store.InsertExport(ctx, tx, id, user, now); err != nil {
			return err
		}
		fresh = true
		out, err = s.exportView(ctx, tx, store.Export{ID: id, UserID: user, State: "pending", RequestedAt: now})
		return err
	})
	if err == nil && fresh {
		s.wakeExports()
	}
	return out, fresh, err
}

// Export returns user's latest export. Errors: not_found (none asked
// for).
func (s *Service) Export(ctx context.Context, user uuid.UUID) (api.Export, error) {
	e, err := store.LatestExport(ctx, s.pool, user)
	if errors.Is(err, store.ErrNotFound) {
		return api.Export{}, bus.Errorf(bus.CodeNotFound, "no export asked for: POST /v1/me/export")
	}
	if err != nil {
		return api.Export{}, err
	}
	return s.exportView(ctx, s.pool, e)
}

func (s *Service) exportView(ctx context.Context, q storage.Querier, e store.Export) (api.Export, error) {
	last, err := store.LastCountedExport(ctx, q, e.UserID)
	if err != nil {
		return api.Export{}, err
	}
	next := s.now()
	if !last.IsZero() && last.Add(api.ExportEvery).After(next) {
		next = last.Add(api.ExportEvery)
	}
	v := api.Export{ID: e.ID.String(), Status: e.State, RequestedAt: e.RequestedAt.UTC(), NextAllowedAt: next.UTC()}
	switch e.State {
	case "running":
		v.Status = api.ExportPending
	case "ready":
		if e.ExpiresAt != nil && !s.now().Before(*e.ExpiresAt) {
			v.Status = api.ExportExpired // until the sweep deletes it
		}
	case "failed":
		v.Error = e.Error
	}
	if e.ReadyAt != nil {
		t := e.ReadyAt.UTC()
		v.ReadyAt = &t
	}
	if e.ExpiresAt != nil {
		t := e.ExpiresAt.UTC()
		v.ExpiresAt = &t
	}
	if v.Status == api.ExportReady {
		v.SizeBytes = e.SizeBytes
		sum := hex.EncodeToString(e.SHA256)
		v.SHA256 = &sum
		u := api.ExportDownloadPath
		v.DownloadURL = &u
	}
	return v, nil
}

var errNoExport = bus.Errorf(bus.CodeNotFound, "no archive to download: none is ready (GET /v1/me/export says why)")

// ExportPart returns part seq of user's ready archive. Errors: not_found
// (no ready archive: none asked for, pending, failed, expired; a part out
// of range), conflict (exportID names another export than the latest:
// a new one replaced it during a download), invalid (seq).
func (s *Service) ExportPart(ctx context.Context, user uuid.UUID, exportID string, seq int) (api.ExportPart, error) {
	if seq < 0 {
		return api.ExportPart{}, bus.Invalid("seq", "must be 0 or more")
	}
	e, err := store.LatestExport(ctx, s.pool, user)
	if errors.Is(err, store.ErrNotFound) {
		return api.ExportPart{}, errNoExport
	}
	if err != nil {
		return api.ExportPart{}, err
	}
	if exportID != "" && exportID != e.ID.String() {
		return api.ExportPart{}, bus.Errorf(bus.CodeConflict, "the export changed during the download; start again")
	}
	if e.State != "ready" || e.Parts == nil || e.ExpiresAt == nil || !s.now().Before(*e.ExpiresAt) {
		return api.ExportPart{}, errNoExport
	}
	if seq >= *e.Parts {
		return api.ExportPart{}, bus.Invalid("seq", fmt.Sprintf("the archive has %d parts", *e.Parts))
	}
	data, err := store.ExportPart(ctx, s.pool, e.ID, seq)
	if errors.Is(err, store.ErrNotFound) {
		return api.ExportPart{}, errNoExport // expired meanwhile
	}
	if err != nil {
		return api.ExportPart{}, err
	}
	return api.ExportPart{ExportID: e.ID.String(), Seq: seq, Parts: *e.Parts, SizeBytes: *e.SizeBytes,
		SHA256: hex.EncodeToString(e.SHA256), Data: data}, nil
}

// wakeExports tells this process's export loop there is work (once it
// is committed).
func (s *Service) wakeExports() {
	select {
	case s.exportWake <- struct{}{}:
	default:
	}
}

// ExportLoop builds exports (RunExports) until ctx ends: at once when
// this process took a request, else every poll. Failures are logged.
func (s *Service) ExportLoop(ctx context.Context, poll time.Duration) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if _, err := s.RunExports(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("data exports", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.exportWake:
		}
	}
}

// RunExports builds the exports waiting, one after the other, until none
// is left or ctx ends; it reports how many it finished. The module runs
// it every few seconds in every process: each claims its own.
func (s *Service) RunExports(ctx context.Context) (int, error) {
	if s.exportSrc == nil {
		return 0, nil
	}
	done := 0
	for ctx.Err() == nil {
		var job store.Export
		err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
			var err error
			now := s.now()
			job, err = store.ClaimExport(ctx, tx, now, now.Add(ExportLease))
			return err
		})
		if errors.Is(err, store.ErrNotFound) {
			return done, nil
		}
		if err != nil {
			return done, err
		}
		if err := s.build(ctx, job); err != nil {
			if ctx.Err() != nil || errors.Is(err, store.ErrLeaseLost) {
				return done, err
			}
			s.log.Warn("export failed", "export", job.ID, "attempt", job.Attempts, "err", err)
			final := job.Attempts >= ExportAttempts
			ferr := storage.InTx(context.WithoutCancel(ctx), s.pool, func(tx pgx.Tx) error {
				return store.FailExport(ctx, tx, job.ID, job.Attempts, final, "the archive could not be built; ask again later")
			})
			if ferr != nil && !errors.Is(ferr, store.ErrLeaseLost) {
				return done, ferr
			}
			continue
		}
		done++
	}
	return done, ctx.Err()
}

// build makes the archive of job and marks it ready, holding its lease.
func (s *Service) build(ctx context.Context, job store.Export) error {
	bctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		t := time.NewTicker(ExportLease / 3)
		defer t.Stop()
		for {
			select {
			case <-bctx.Done():
				return
			case <-t.C:
				if err := store.RenewExportLease(bctx, s.pool, job.ID, job.Attempts, s.now().Add(ExportLease)); err != nil {
					cancel(err)
					return
				}
			}
		}
	}()
	role, err := store.UserRole(bctx, s.pool, job.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return store.ErrLeaseLost // the account is gone (its exports with it)
	}
	if err != nil {
		return err
	}
	w := &partWriter{ctx: bctx, s: s, job: job, sum: sha256.New(), buf: make([]byte, 0, api.ExportPartBytes)}
	m, err := export.Build(bctx, s.exportSrc(job.UserID, role), w, job.UserID.String(), job.ID.String(), s.now())
	if err == nil {
		err = w.flush()
	}
	if err != nil {
		if cause := context.Cause(bctx); cause != nil && !errors.Is(cause, context.Canceled) {
			return cause
		}
		return err
	}
	readyAt := s.now()
	ev := api.ExportReadyEvent{ExportID: job.ID.String(), UserID: job.UserID.String(), SizeBytes: w.size, ReadyAt: readyAt,
		ExpiresAt: readyAt.Add(api.ExportTTL)}
	err = storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := store.FinishExport(ctx, tx, job.ID, job.Attempts, readyAt, ev.ExpiresAt, w.size, w.seq, w.sum.Sum(nil)); err != nil {
			return err
		}
		if _, err := bus.Enqueue(ctx, tx, api.Module, api.EventExportReady, ev); err != nil {
			return err
		}
		if s.exportReady == nil {
			return nil
		}
		to, err := store.UserAddressee(ctx, tx, job.UserID)
		if err != nil {
			return err
		}
		return s.exportReady(ctx, tx, ev, to)
	})
	if err != nil {
		return err
	}
	if s.exportCommitted != nil {
		s.exportCommitted()
	}
	s.log.Info("export ready", "export", job.ID, "bytes", w.size, "parts", w.seq, "sessions_gpx", m.GPXCount)
	return nil
}

// partWriter stores the archive in parts of api.ExportPartBytes as it
// is written.
type partWriter struct {
	ctx  context.Context
	s    *Service
	job  store.Export
	sum  hash.Hash
	buf  []byte
	seq  int
	size int64
}

func (w *partWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		room := api.ExportPartBytes - len(w.buf)
		take := min(room, len(p))
		w.buf = append(w.buf, p[:take]...)
		p = p[take:]
		if len(w.buf) == api.ExportPartBytes {
			if err := w.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (w *partWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	if err := store.InsertExportPart(w.ctx, w.s.pool, w.job.ID, w.job.Attempts, w.seq, w.buf); err != nil {
		return err
	}
	w.sum.Write(w.buf)
	w.size += int64(len(w.buf))
	w.seq++
	w.buf = w.buf[:0]
	return nil
}

// ExpireExports deletes the archives whose seven days are over (their
// rows say expired); the module runs it every few minutes. Failures are
// logged.
func (s *Service) ExpireExports(ctx context.Context) int {
	total := 0
	for ctx.Err() == nil {
		var n int
		err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
			var err error
			n, err = store.ExpireExports(ctx, tx, s.now(), 100)
			return err
		})
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("expire exports", "err", err)
			}
			return total
		}
		total += n
		if n < 100 {
			return total
		}
	}
	return total
}
