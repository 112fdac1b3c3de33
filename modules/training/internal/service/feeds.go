package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/store"
	"github.com/athlos/athlos/storage"
)

// feedTokenBytes is a feed token's randomness: 256 bits, not guessable.
const feedTokenBytes = 32

var errNoFeed = &bus.Error{Code: bus.CodeNotFound, Message: "no such calendar feed"}

// CreatePlanFeed makes a secret calendar feed URL for one of user's plans,
// for calendar apps that subscribe to a URL and cannot send a token: a new
// token replaces the old one (whose URL stops working). Only the token's
// SHA-256 is kept. Errors: not_found (another user's plan, or an unknown
// one).
func (s *Service) CreatePlanFeed(ctx context.Context, user, id uuid.UUID) (api.PlanFeed, error) {
	raw := make([]byte, feedTokenBytes)
	_, _ = rand.Read(raw) // never fails (crypto/rand)
	token := base64.RawURLEncoding.EncodeToString(raw)
	err := storage.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, ok, err := store.GetPlan(ctx, tx, user, id, true); err != nil {
			return err
		} else if !ok {
			return errNoPlan
		}
		return store.SetPlanFeed(ctx, tx, user, id, feedHash(token))
	})
	if err != nil {
		return api.PlanFeed{}, err
	}
	return api.PlanFeed{Path: api.PlanFeedPath(token)}, nil
}

// DeletePlanFeed stops one of user's plans' calendar feed. Errors:
// not_found (no feed, another user's plan, an unknown one).
func (s *Service) DeletePlanFeed(ctx context.Context, user, id uuid.UUID) error {
	ok, err := store.DeletePlanFeed(ctx, s.pool, user, id)
	if err == nil && !ok {
		err = errNoFeed
	}
	return err
}

// FeedCalendar is the iCalendar document of the plan a feed token names,
// as PlanCalendar writes it. Errors: not_found (an unknown, replaced or
// stopped token, or a malformed one).
func (s *Service) FeedCalendar(ctx context.Context, token string) ([]byte, error) {
	if raw, err := base64.RawURLEncoding.DecodeString(token); err != nil || len(raw) != feedTokenBytes {
		return nil, errNoFeed
	}
	user, id, ok, err := store.PlanOfFeed(ctx, s.pool, feedHash(token))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errNoFeed
	}
	return s.PlanCalendar(ctx, user, id)
}

func feedHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
