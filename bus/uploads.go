package bus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

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

// Uploads returns the uploads object store, creating it when missing.
func Uploads(ctx context.Context, js jetstream.JetStream) (jetstream.ObjectStore, error) {
	var os jetstream.ObjectStore
	err := retryJS(ctx, func(ctx context.Context) error {
		var err error
		os, err = js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
			Bucket: UploadsBucket, Description: "files on their way from the front to a module",
			TTL: UploadTTL, Storage: jetstream.FileStorage, MaxBytes: 4 << 30,
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bus: uploads object store: %w", err)
	}
	return os, nil
}

// ErrNoUpload means no upload has that name (it expired, or was read and
// deleted already).
var ErrNoUpload = errors.New("bus: no such upload")

// UploadStore is the uploads object store, created on first use (so a
// process starts even while JetStream is not ready). It is safe for
// concurrent use.
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
		os, err := Uploads(ctx, u.js)
		if err != nil {
			return nil, err
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
		return fmt.Errorf("bus: store upload: %w", err)
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
		return nil, fmt.Errorf("bus: read upload: %w", err)
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
		return fmt.Errorf("bus: delete upload: %w", err)
	}
	return nil
}
