package bus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// UploadsBucket is the JetStream object store that carries files too large
// for a message (up to tens of MB, e.g. workout imports) from the front to
// the module that reads them: the front stores the file under a fresh
// name and sends the name in its request; the module reads the object and
// deletes it. An object nobody deleted expires after UploadTTL.
const UploadsBucket = "UPLOADS"

// UploadTTL bounds the life of an upload.
const UploadTTL = time.Hour

// DefaultUploadsMaxBytes bounds the uploads store unless configured: forty
// of the largest imports (25 MB) at once.
const DefaultUploadsMaxBytes int64 = 1 << 30

// MinUploadsMaxBytes is the least the uploads store is made: one of the
// largest imports.
const MinUploadsMaxBytes int64 = 32 << 20

// uploadsShare is the share of the JetStream storage the uploads store
// takes at most (beside the streams', SizeStreams).
const uploadsShare = 0.15

// UploadsSize is the size of the uploads store: configured, but at most
// its share of budget, the JetStream storage there is (0: unknown).
func UploadsSize(configured, budget int64) int64 {
	if budget > 0 {
		configured = min(configured, max(int64(float64(budget)*uploadsShare), MinUploadsMaxBytes))
	}
	return configured
}

// EnsureUploads creates or updates the uploads object store with replicas
// and a size of at most maxBytes. JetStream reserves the size on its disk
// up front, so where it has less room (a small disk) the store is made
// smaller, halving down to MinUploadsMaxBytes; the size taken is returned.
// Like EnsureStreams it is idempotent and safe from several processes.
func EnsureUploads(ctx context.Context, js jetstream.JetStream, replicas int, maxBytes int64) (int64, error) {
	if replicas < 1 {
		replicas = 1
	}
	for size := maxBytes; ; size /= 2 {
		err := retryJS(ctx, func(ctx context.Context) error { return ensureUploads(ctx, js, replicas, size) })
		if err == nil {
			return size, nil
		}
		if insufficientStorage(err) {
			// Already there: the account may be capped (a disk low
			// somewhere) rather than JetStream short of room; keep it.
			if s, serr := js.Stream(ctx, uploadsStream); serr == nil {
				if info, ierr := s.Info(ctx); ierr == nil && info.Config.MaxBytes > 0 {
					return info.Config.MaxBytes, nil
				}
			}
		}
		if ctx.Err() != nil || !insufficientStorage(err) || size/2 < MinUploadsMaxBytes {
			return 0, fmt.Errorf("bus: uploads object store (%d MiB): %w", size>>20, err)
		}
	}
}

// uploadsStream is the stream behind the uploads object store.
const uploadsStream = "OBJ_" + UploadsBucket

// ensureUploads makes the uploads store, or sets an existing one's size
// and replicas, such that its reads are answered by the stream's leader
// only. An object store's stream allows direct gets, which any replica
// answers, one that has not caught up too: a module on one node would
// then not find the file the front on another node has just stored
// ("no such upload", seen on a three-node cluster). The store is made
// with direct gets turned off before it is used, and an existing one is
// only updated (not made again, which would turn them on for a moment
// in which another process could open it).
//
// Several processes starting together race to make it: one may find the
// stream another has just made and then be told it does not exist (its
// raft group is still forming), or be refused its create and not find it
// yet. Such a "not found" is answered with errStreamSettling, which
// retryJS tries again.
func ensureUploads(ctx context.Context, js jetstream.JetStream, replicas int, size int64) error {
	err := makeUploads(ctx, js, replicas, size)
	var apiErr *jetstream.APIError
	if errors.Is(err, jetstream.ErrStreamNotFound) || errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamNotFound {
		return fmt.Errorf("%w: %w", errStreamSettling, err)
	}
	return err
}

// errStreamSettling: a stream being made by another process was not
// found for a moment; retryJS asks again.
var errStreamSettling = errors.New("bus: stream still being made")

func makeUploads(ctx context.Context, js jetstream.JetStream, replicas int, size int64) error {
	s, err := js.Stream(ctx, uploadsStream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		_, err = js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{
			Bucket: UploadsBucket, Description: "files on their way from the front to a module",
			TTL: UploadTTL, Storage: jetstream.FileStorage, MaxBytes: size, Replicas: replicas,
		})
		if err != nil && !errors.Is(err, jetstream.ErrBucketExists) {
			return err
		}
		s, err = js.Stream(ctx, uploadsStream)
	}
	if err != nil {
		return err
	}
	cfg := s.CachedInfo().Config
	if !cfg.AllowDirect && cfg.MaxBytes == size && cfg.Replicas == replicas {
		return nil
	}
	cfg.AllowDirect, cfg.MaxBytes, cfg.Replicas = false, size, replicas
	_, err = js.UpdateStream(ctx, cfg)
	return err
}

// insufficientStorage reports JetStream's "insufficient storage resources
// available" (a reservation larger than its disk allows).
func insufficientStorage(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == 10023 || apiErr.ErrorCode == 10047) ||
		err != nil && strings.Contains(err.Error(), "insufficient")
}

// ErrUploadsFull means the uploads store has no room for a file now (it is
// full, or JetStream refuses new data while the disk is low).
var ErrUploadsFull = &Error{Code: CodeUnavailable, Message: "no room for uploads right now; try again later", RetryAfter: 60}

// ErrNoUpload means no upload has that name (it expired, or was read and
// deleted already).
var ErrNoUpload = errors.New("bus: no such upload")

// UploadStore is the uploads object store (EnsureUploads provisions it at
// start), opened on first use. It is safe for concurrent use.
type UploadStore struct {
	js jetstream.JetStream
	mu sync.Mutex
	os jetstream.ObjectStore
}

// NewUploadStore returns the uploads store of js.
func NewUploadStore(js jetstream.JetStream) *UploadStore { return &UploadStore{js: js} }

func (u *UploadStore) store(ctx context.Context) (jetstream.ObjectStore, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.os == nil {
		os, err := u.js.ObjectStore(ctx, UploadsBucket)
		if err != nil {
			return nil, uploadsError("uploads object store", err)
		}
		// Opened in the moment between the store's making and the end of
		// its direct gets (ensureUploads), it would read from replicas
		// for good: then it is used once and opened again next time.
		if st, ok := os.(interface{ StreamInfo() *jetstream.StreamInfo }); ok && st.StreamInfo().Config.AllowDirect {
			return os, nil
		}
		u.os = os
	}
	return u.os, nil
}

// Put stores r under name.
func (u *UploadStore) Put(ctx context.Context, name string, r io.Reader) error {
	os, err := u.store(ctx)
	if err != nil {
		return err
	}
	if _, err := os.Put(ctx, jetstream.ObjectMeta{Name: name}, r); err != nil {
		if refusedForRoom(err) {
			return fmt.Errorf("%w (%v)", ErrUploadsFull, err)
		}
		return uploadsError("store upload", err)
	}
	return nil
}

// Get returns an upload's content; ErrNoUpload when there is none.
func (u *UploadStore) Get(ctx context.Context, name string) ([]byte, error) {
	os, err := u.store(ctx)
	if err != nil {
		return nil, err
	}
	b, err := os.GetBytes(ctx, name)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, ErrNoUpload
	}
	if err != nil {
		return nil, uploadsError("read upload", err)
	}
	return b, nil
}

// Delete removes an upload (nothing when there is none).
func (u *UploadStore) Delete(ctx context.Context, name string) error {
	os, err := u.store(ctx)
	if err != nil {
		return err
	}
	if err := os.Delete(ctx, name); err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
		return uploadsError("delete upload", err)
	}
	return nil
}

// refusedForRoom reports JetStream refusing data for lack of room: the
// store's own size, the account's limit (the disk guard), or the server's.
func refusedForRoom(err error) bool {
	msg := err.Error()
	return insufficientStorage(err) || strings.Contains(msg, "resource limits exceeded") ||
		strings.Contains(msg, "maximum bytes exceeded")
}

// uploadsError wraps a failure of the uploads store; one of JetStream's
// not being there (not running, restarting, electing a leader, too slow)
// is ErrUploadsUnavailable, "try again", not an internal error.
func uploadsError(what string, err error) error {
	var apiErr *jetstream.APIError
	if errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrJetStreamNotEnabled) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) || errors.Is(err, nats.ErrConnectionClosed) ||
		errors.As(err, &apiErr) && (apiErr.Code == 503 || apiErr.Code == 429) {
		return fmt.Errorf("%w (bus: %s: %v)", ErrUploadsUnavailable, what, err)
	}
	return fmt.Errorf("bus: %s: %w", what, err)
}

// ErrUploadsUnavailable means JetStream can't serve the uploads store right
// now (it is restarting, electing a leader, or down).
var ErrUploadsUnavailable = &Error{Code: CodeUnavailable, Message: "uploads are unavailable right now; try again shortly", RetryAfter: 5}
