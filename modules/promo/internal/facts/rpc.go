package facts

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/modules/promo/api"
	"github.com/athlos/athlos/platform"
	"github.com/athlos/athlos/storage"
)

// registerConsent adds the consent operations to the module's RPC service.
func registerConsent(rt *platform.Runtime) error {
	return rt.Service.HandleSubjects(map[string]bus.HandlerFunc{
		api.SubjectConsentGet: bus.AsCaller(func(ctx context.Context, user uuid.UUID, _ struct{}) (api.Consent, error) {
			c, err := GetConsent(ctx, rt.DB, user)
			return api.Consent{PersonalisedOffers: c.PersonalisedOffers, UpdatedAt: c.UpdatedAt}, err
		}),
		api.SubjectConsentPut: bus.AsCaller(func(ctx context.Context, user uuid.UUID, in api.ConsentPut) (api.Consent, error) {
			if in.PersonalisedOffers == nil {
				return api.Consent{}, bus.Invalid("body.personalised_offers", "required: true or false")
			}
			var c Consent
			err := storage.InTx(ctx, rt.DB, func(tx pgx.Tx) error {
				var err error
				c, err = SetConsent(ctx, tx, user, *in.PersonalisedOffers, time.Now())
				return err
			})
			if errors.Is(err, ErrErased) {
				return api.Consent{}, bus.Errorf(bus.CodeNotFound, "this account was deleted")
			}
			return api.Consent{PersonalisedOffers: c.PersonalisedOffers, UpdatedAt: c.UpdatedAt}, err
		}),
	})
}
