package service

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/auth"
	"github.com/athlos/athlos/modules/client/internal/store"
	"github.com/athlos/athlos/storage"
)

func (s *Service) signingKey() (auth.SigningKey, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.keys) == 0 {
		return auth.SigningKey{}, errors.New("service: no signing key loaded")
	}
	return s.keys[0], nil
}

// EnsureKeys loads the signing keys, creating the first one on first
// start. Its errors are the database's or LoadKeys's, none a caller's.
func (s *Service) EnsureKeys(ctx context.Context) error {
	err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := store.LockKeys(ctx, tx); err != nil {
			return err
		}
		keys, err := store.SigningKeys(ctx, tx, s.now().Add(-auth.KeyOverlap))
		if err != nil {
			return err
		}
		if len(keys) > 0 && keys[0].RetiredAt == nil {
			return nil
		}
		return s.insertKey(ctx, tx)
	})
	if err != nil {
		return err
	}
	return s.LoadKeys(ctx)
}

// RotateKeys makes a new signing key; the previous ones keep verifying
// until the tokens they signed have expired.
func (s *Service) RotateKeys(ctx context.Context) error {
	err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := store.LockKeys(ctx, tx); err != nil {
			return err
		}
		if err := s.insertKey(ctx, tx); err != nil {
			return err
		}
		_, err := bus.Enqueue(ctx, tx, api.Module, api.EventKeysRotated, struct{}{})
		return err
	})
	if err != nil {
		return err
	}
	return s.LoadKeys(ctx)
}

func (s *Service) insertKey(ctx context.Context, tx pgx.Tx) error {
	k, err := auth.NewSigningKey(s.now())
	if err != nil {
		return err
	}
	sealed, err := s.sealer.Seal(k.Private.Seed(), k.ID)
	if err != nil {
		return err
	}
	return store.InsertSigningKey(ctx, tx, store.SealedKey{ID: k.ID, Sealed: sealed, CreatedAt: k.CreatedAt})
}

// CheckKeys reports whether this process's secret key opens the active
// signing key, as LoadKeys would need it to, without keeping anything; a
// database without signing keys (the module never started) is fine.
func (s *Service) CheckKeys(ctx context.Context) error {
	sealed, err := store.SigningKeys(ctx, s.pool, s.now().Add(-auth.KeyOverlap))
	if err != nil || len(sealed) == 0 {
		return err
	}
	return s.LoadKeys(ctx)
}

// LoadKeys reads the keys that still verify into memory. It fails (no bus
// code: a process's fault, not a caller's) when this process's secret key
// cannot open the active key, or there is none.
func (s *Service) LoadKeys(ctx context.Context) error {
	sealed, err := store.SigningKeys(ctx, s.pool, s.now().Add(-auth.KeyOverlap))
	if err != nil {
		return err
	}
	keys := make([]auth.SigningKey, 0, len(sealed))
	for _, sk := range sealed {
		seed, err := s.sealer.Open(sk.Sealed, sk.ID)
		if err != nil && sk.RetiredAt != nil {
			// A retired key sealed with a lost secret key: its tokens are
			// short-lived, so do without it.
			s.log.Warn("skipping a retired signing key that this secret key cannot open", "kid", sk.ID)
			continue
		}
		if err != nil {
			return fmt.Errorf("service: the active signing key %s cannot be opened with this process's secret key "+
				"(--secret-key-file): every process running the client module needs the same file; if it is lost, "+
				"run `athlos admin rotate-keys` to make a new signing key (users stay signed in through their refresh tokens): %w", sk.ID, err)
		}
		k := auth.SigningKey{ID: sk.ID, Private: ed25519.NewKeyFromSeed(seed), CreatedAt: sk.CreatedAt}
		if sk.RetiredAt != nil {
			k.RetiredAt = *sk.RetiredAt
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 || !keys[0].RetiredAt.IsZero() {
		return errors.New("service: no active signing key")
	}
	s.mu.Lock()
	s.keys = keys
	s.mu.Unlock()
	return nil
}

// JWKS returns the public keys that verify access tokens.
func (s *Service) JWKS() api.JWKS {
	s.mu.RLock()
	defer s.mu.RUnlock()
	now := s.now()
	out := api.JWKS{Keys: []api.JWK{}}
	for _, k := range s.keys {
		if k.Verifies(now) {
			out.Keys = append(out.Keys, k.JWK())
		}
	}
	return out
}
