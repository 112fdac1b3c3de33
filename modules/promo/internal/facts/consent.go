package facts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Consent is a user's choice about personalised offers (promo is its
// system of record). UpdatedAt is nil when the user never chose: then
// personalised offers are allowed (for adults, Personalisable).
type Consent struct {
	PersonalisedOffers bool
	UpdatedAt          *time.Time
}

// ErrErased is returned for a user promo erased (a deleted account).
var ErrErased = errors.New("facts: the user was erased")

// GetConsent reads a user's choice (the default when none was made).
func GetConsent(ctx context.Context, q Querier, user uuid.UUID) (Consent, error) {
	c := Consent{PersonalisedOffers: true}
	var at time.Time
	err := q.QueryRow(ctx, `SELECT personalised_offers, updated_at FROM promo.consents WHERE user_id = $1`, user).
		Scan(&c.PersonalisedOffers, &at)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return c, nil
	case err != nil:
		return Consent{}, fmt.Errorf("facts: read consent of %s: %w", user, err)
	}
	at = at.UTC()
	c.UpdatedAt = &at
	return c, nil
}

// SetConsent records a user's choice at at, in effect for the next Load;
// ErrErased for an erased user (nothing is recorded).
func SetConsent(ctx context.Context, tx pgx.Tx, user uuid.UUID, personalised bool, at time.Time) (Consent, error) {
	erased, err := lockUser(ctx, tx, user, false)
	if err != nil {
		return Consent{}, err
	}
	if erased {
		return Consent{}, ErrErased
	}
	at = at.UTC().Truncate(time.Microsecond)
	if _, err := tx.Exec(ctx, `INSERT INTO promo.consents (user_id, personalised_offers, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET personalised_offers = excluded.personalised_offers, updated_at = excluded.updated_at`,
		user, personalised, at); err != nil {
		return Consent{}, fmt.Errorf("facts: save consent of %s: %w", user, err)
	}
	return Consent{PersonalisedOffers: personalised, UpdatedAt: &at}, nil
}
