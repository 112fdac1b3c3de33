package service_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/export"
	"github.com/athlos/athlos/modules/client/internal/service"
	"github.com/athlos/athlos/modules/client/internal/store"
	"github.com/athlos/athlos/storage"
	"github.com/athlos/athlos/storage/pgtest"
)

// fixedSource answers a small, known data set: a profile, n sessions
// each with a track of trackBytes, nothing else; fail makes it fail.
type fixedSource struct {
	n          int
	trackBytes int
	fail       atomic.Bool
}

func (f *fixedSource) Profile(context.Context) (json.RawMessage, error) {
	if f.fail.Load() {
		return nil, bus.Errorf(bus.CodeUnavailable, "training is not running")
	}
	return json.RawMessage(`{"email":"ana@example.com"}`), nil
}

func none(context.Context, string) (export.Page, error) { return export.Page{}, nil }

func (f *fixedSource) GearPage(ctx context.Context, c string) (export.Page, error) {
	return none(ctx, c)
}

func (f *fixedSource) SessionPage(_ context.Context, cursor string) (export.Page, error) {
	var p export.Page
	for i := range f.n {
		p.Items = append(p.Items, json.RawMessage(`{"id":"`+uuid.NewSHA1(uuid.Nil, []byte{byte(i), byte(i >> 8)}).String()+`"}`))
	}
	if cursor != "" {
		p.Items = nil
	}
	return p, nil
}

func (f *fixedSource) GPX(_ context.Context, id string, w io.Writer) error {
	// Hex of random bytes: about half of it stays after deflate.
	b := make([]byte, f.trackBytes/2)
	var seed [32]byte
	copy(seed[:], id)
	_, _ = rand.NewChaCha8(seed).Read(b)
	_, err := io.WriteString(w, hex.EncodeToString(b))
	return err
}
func (f *fixedSource) SourceFile(context.Context, string, io.Writer) (string, error) {
	return "", export.ErrNoRoute // no imported session
}
func (f *fixedSource) PlanPage(ctx context.Context, c string) (export.Page, error) {
	return none(ctx, c)
}
func (f *fixedSource) MembershipPage(ctx context.Context, c string) (export.Page, error) {
	return none(ctx, c)
}
func (f *fixedSource) MessagePage(ctx context.Context, c string) (export.Page, error) {
	return none(ctx, c)
}
func (f *fixedSource) Achievements(context.Context) (json.RawMessage, error) {
	return json.RawMessage(`{"points":0}`), nil
}
func (f *fixedSource) ChallengePage(ctx context.Context, c string) (export.Page, error) {
	return none(ctx, c)
}

func (f *fixedSource) MarketingConsent(context.Context) (json.RawMessage, error) {
	return nil, export.ErrUnavailable // as when promo does not run
}

// clock is a fixed clock tests move.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func exportService(t *testing.T, src *fixedSource) (*service.Service, *pgxpool.Pool, *clock, uuid.UUID) {
	t.Helper()
	pool := pgtest.NewPool(t)
	s, err := service.New(pool, make([]byte, 32), 2, slog.New(slog.DiscardHandler), nil)
	require.NoError(t, err)
	require.NoError(t, s.EnsureKeys(context.Background()))
	c := &clock{t: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	s.SetClock(c.now)
	s.SetExportSources(func(uuid.UUID, string) export.Source { return src }, nil, nil)
	reg, err := s.Register(context.Background(), service.Registration{Email: "ana@example.com", Password: "correct horse battery staple", ClientIP: "127.0.0.1"})
	require.NoError(t, err)
	return s, pool, c, reg.UserID
}

// readAll reads the whole archive through ExportPart, as the front does.
func readAll(t *testing.T, s *service.Service, user uuid.UUID) []byte {
	t.Helper()
	ctx := context.Background()
	first, err := s.ExportPart(ctx, user, "", 0)
	require.NoError(t, err)
	out := append([]byte(nil), first.Data...)
	for seq := 1; seq < first.Parts; seq++ {
		p, err := s.ExportPart(ctx, user, first.ExportID, seq)
		require.NoError(t, err)
		out = append(out, p.Data...)
	}
	assert.Equal(t, first.SizeBytes, int64(len(out)))
	return out
}

// A ready archive can be read for seven days (a fixed clock), then it is
// expired: its parts are refused at once and deleted by the sweep.
// Asking again waits a day from the last request.
func TestExportExpiresAfterSevenDays(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// Tracks large enough for several parts.
	s, pool, c, user := exportService(t, &fixedSource{n: 3, trackBytes: 1 << 20})

	e, err := s.Export(ctx, user)
	assert.Equal(t, bus.CodeNotFound, bus.CodeOf(err))
	e, fresh, err := s.RequestExport(ctx, user)
	require.NoError(t, err)
	assert.True(t, fresh)
	assert.Equal(t, api.ExportPending, e.Status)
	_, err = s.ExportPart(ctx, user, "", 0)
	assert.Equal(t, bus.CodeNotFound, bus.CodeOf(err), "nothing to read while pending")

	n, err := s.RunExports(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	e, err = s.Export(ctx, user)
	require.NoError(t, err)
	require.Equal(t, api.ExportReady, e.Status)
	assert.Equal(t, c.now().Add(7*24*time.Hour), *e.ExpiresAt)
	archive := readAll(t, s, user)
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	require.NoError(t, err)
	gpx := 0
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, ".gpx") {
			gpx++
		}
	}
	assert.Equal(t, 3, gpx)
	var parts int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM client.export_parts`).Scan(&parts))
	assert.Greater(t, parts, 1, "a large archive is stored in parts")

	// Parts out of range, a stale export id.
	_, err = s.ExportPart(ctx, user, "", parts)
	assert.Equal(t, bus.CodeInvalid, bus.CodeOf(err))
	_, err = s.ExportPart(ctx, user, "", -1)
	assert.Equal(t, bus.CodeInvalid, bus.CodeOf(err))
	_, err = s.ExportPart(ctx, user, uuid.NewString(), 1)
	assert.Equal(t, bus.CodeConflict, bus.CodeOf(err))

	// A day later at most: one a day.
	c.add(23 * time.Hour)
	_, _, err = s.RequestExport(ctx, user)
	assert.Equal(t, bus.CodeRateLimited, bus.CodeOf(err))

	c.add(7*24*time.Hour - 23*time.Hour - time.Second)
	readAll(t, s, user) // one second before its end
	c.add(time.Second)
	_, err = s.ExportPart(ctx, user, "", 0)
	assert.Equal(t, bus.CodeNotFound, bus.CodeOf(err), "expired: refused at once")
	e, err = s.Export(ctx, user)
	require.NoError(t, err)
	assert.Equal(t, api.ExportExpired, e.Status)
	assert.Nil(t, e.DownloadURL)
	assert.Equal(t, 1, s.ExpireExports(ctx))
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM client.export_parts`).Scan(&parts))
	assert.Zero(t, parts, "the storage is freed")
	e, err = s.Export(ctx, user)
	require.NoError(t, err)
	assert.Equal(t, api.ExportExpired, e.Status)

	// A new one may be asked for.
	e2, fresh, err := s.RequestExport(ctx, user)
	require.NoError(t, err)
	assert.True(t, fresh)
	assert.NotEqual(t, e.ID, e2.ID)
}

// A process that died while building an export (its lease ran out) does
// not lose it: the next round builds it again from the start, the parts
// of the dead attempt deleted; a builder that lost its lease cannot write
// into the new attempt.
func TestExportSurvivesACrash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, c, user := exportService(t, &fixedSource{n: 2, trackBytes: 1 << 10})
	e, _, err := s.RequestExport(ctx, user)
	require.NoError(t, err)

	// The dead process: it claimed the export and wrote a part.
	var dead store.Export
	require.NoError(t, storage.InTx(ctx, pool, func(tx pgx.Tx) error {
		var err error
		dead, err = store.ClaimExport(ctx, tx, c.now(), c.now().Add(service.ExportLease))
		return err
	}))
	require.NoError(t, store.InsertExportPart(ctx, pool, dead.ID, dead.Attempts, 0, []byte("half an archive")))
	// While its lease runs, nobody else takes it.
	n, err := s.RunExports(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
	again, fresh, err := s.RequestExport(ctx, user)
	require.NoError(t, err)
	assert.False(t, fresh, "one export at a time: the running one is answered")
	assert.Equal(t, e.ID, again.ID)
	assert.Equal(t, api.ExportPending, again.Status)

	c.add(service.ExportLease + time.Second)
	n, err = s.RunExports(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	e, err = s.Export(ctx, user)
	require.NoError(t, err)
	require.Equal(t, api.ExportReady, e.Status)
	archive := readAll(t, s, user)
	_, err = zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	require.NoError(t, err, "a whole archive, not the dead attempt's half")
	var attempts int
	require.NoError(t, pool.QueryRow(ctx, `SELECT attempts FROM client.exports WHERE id = $1`, dead.ID).Scan(&attempts))
	assert.Equal(t, 2, attempts)
	assert.ErrorIs(t, store.InsertExportPart(ctx, pool, dead.ID, dead.Attempts, 5, []byte("late")), store.ErrLeaseLost,
		"the dead attempt writes nothing more")
}

// An export that cannot be built (a module keeps failing) is tried
// ExportAttempts times, then failed; a failed export does not count
// against the day's one, and the next builds.
func TestExportFailsAfterItsAttempts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := &fixedSource{n: 1, trackBytes: 100}
	src.fail.Store(true)
	s, _, _, user := exportService(t, src)
	_, _, err := s.RequestExport(ctx, user)
	require.NoError(t, err)
	n, err := s.RunExports(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
	e, err := s.Export(ctx, user)
	require.NoError(t, err)
	assert.Equal(t, api.ExportFailed, e.Status)
	require.NotNil(t, e.Error)
	assert.NotContains(t, *e.Error, "training", "the user is told no internals")

	src.fail.Store(false)
	e2, fresh, err := s.RequestExport(ctx, user)
	require.NoError(t, err, "a failed export does not count")
	assert.True(t, fresh)
	_, err = s.RunExports(ctx)
	require.NoError(t, err)
	e2, err = s.Export(ctx, user)
	require.NoError(t, err)
	assert.Equal(t, api.ExportReady, e2.Status)
}

// Only the owner reads an archive: another user's request finds none.
func TestExportPartsAreTheOwners(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _, ana := exportService(t, &fixedSource{n: 1, trackBytes: 100})
	bob, err := s.Register(ctx, service.Registration{Email: "bob@example.com", Password: "correct horse battery staple", ClientIP: "127.0.0.1"})
	require.NoError(t, err)
	e, _, err := s.RequestExport(ctx, ana)
	require.NoError(t, err)
	_, err = s.RunExports(ctx)
	require.NoError(t, err)
	_, err = s.ExportPart(ctx, bob.UserID, e.ID, 0)
	assert.Equal(t, bus.CodeNotFound, bus.CodeOf(err))
	_, err = s.ExportPart(ctx, bob.UserID, "", 0)
	assert.Equal(t, bus.CodeNotFound, bus.CodeOf(err))
	_, _, err = s.RequestExport(ctx, uuid.New())
	assert.Equal(t, bus.CodeNotFound, bus.CodeOf(err), "an account that is gone")
}

// Several processes building at once (two services on one database)
// build each export once: a claim skips what another holds.
func TestExportsAreBuiltOnceBySeveralProcesses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := &fixedSource{n: 5, trackBytes: 64 << 10}
	s1, pool, c, _ := exportService(t, src)
	s2, err := service.New(pool, make([]byte, 32), 2, slog.New(slog.DiscardHandler), nil)
	require.NoError(t, err)
	require.NoError(t, s2.LoadKeys(ctx))
	s2.SetClock(c.now)
	s2.SetExportSources(func(uuid.UUID, string) export.Source { return src }, nil, nil)
	const users = 8
	for i := range users {
		reg, err := s1.Register(ctx, service.Registration{Email: "user" + strconv.Itoa(i) + "@example.com",
			Password: "correct horse battery staple", ClientIP: "127.0.0.1"})
		require.NoError(t, err)
		_, _, err = s1.RequestExport(ctx, reg.UserID)
		require.NoError(t, err)
	}
	var wg sync.WaitGroup
	built := make([]int, 4)
	for i := range built {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := s1
			if i%2 == 1 {
				s = s2
			}
			n, err := s.RunExports(ctx)
			assert.NoError(t, err)
			built[i] = n
		}()
	}
	wg.Wait()
	assert.Equal(t, users, built[0]+built[1]+built[2]+built[3], "every export built once in all: %v", built)
	var ready, attempts int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE state = 'ready'), sum(attempts) FROM client.exports`).Scan(&ready, &attempts))
	assert.Equal(t, users, ready)
	assert.Equal(t, users, attempts, "no export built twice")
}
