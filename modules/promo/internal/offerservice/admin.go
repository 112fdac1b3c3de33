package offerservice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/athlos/athlos/internal/kit/page"
	"github.com/athlos/athlos/modules/promo/api"
	"github.com/athlos/athlos/modules/promo/internal/offers"
	"github.com/athlos/athlos/modules/promo/internal/offerstore"
)

// definitionError is the bus error of a refused definition: the field
// under body, and for a health-derived rule the reason citing the DSA.
func definitionError(err error) error {
	var he *offers.HealthError
	if errors.As(err, &he) {
		return &bus.Error{Code: bus.CodeInvalid, Message: "health-derived targeting is refused (Digital Services Act, Art. 26(3))",
			Fields: []bus.FieldError{{Field: "body." + he.Field, Reason: offers.HealthRefusal}}}
	}
	var fe *fielderr.Error
	if errors.As(err, &fe) {
		return bus.Invalid(strings.TrimSuffix("body."+fe.Field, "."), fe.Reason)
	}
	return err
}

// parse decodes and validates a definition.
func parse(id uuid.UUID, raw []byte, at offerstore.Row) (*offers.Offer, error) {
	def, err := offers.Decode(raw)
	if err != nil {
		return nil, definitionError(err)
	}
	o, err := offers.Validate(id, def, at.CreatedAt)
	if err != nil {
		return nil, definitionError(err)
	}
	return o, nil
}

// Create adds an offer. A retry with the same Idempotency-Key gets the
// first answer (bus.Once), and adds nothing.
func (s *Service) Create(ctx context.Context, raw json.RawMessage) (api.AdminOffer, error) {
	now := s.now()
	id := uuid.New()
	o, err := parse(id, raw, offerstore.Row{CreatedAt: now})
	if err != nil {
		return api.AdminOffer{}, err
	}
	sp, err := specOf(o.Def)
	if err != nil {
		return api.AdminOffer{}, err
	}
	out, err := bus.Once(ctx, s.db, s.keys, func(tx pgx.Tx) (api.AdminOffer, error) {
		row, err := offerstore.Create(ctx, tx, id, sp, now)
		if err != nil {
			return api.AdminOffer{}, err
		}
		return adminView(row)
	})
	if err != nil {
		return api.AdminOffer{}, err
	}
	s.reloadSoon(ctx)
	return out, nil
}

// specOf is what the store keeps of a definition.
func specOf(d api.OfferDefinition) (offerstore.Spec, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return offerstore.Spec{}, fmt.Errorf("encode offer: %w", err)
	}
	return offerstore.Spec{Definition: b, StartsAt: d.StartsAt, EndsAt: d.EndsAt, BudgetImpressions: d.Budget.Impressions,
		BudgetClicks: d.Budget.Clicks}, nil
}

// definitionOf reads a stored definition.
func definitionOf(r offerstore.Row) (api.OfferDefinition, error) {
	var d api.OfferDefinition
	if err := json.Unmarshal(r.Definition, &d); err != nil {
		return d, fmt.Errorf("offer %s: stored definition: %w", r.ID, err)
	}
	return d, nil
}

// reloadSoon reloads this process's cache after a change (the others
// within CacheReload); a failure is logged, the next tick retries.
func (s *Service) reloadSoon(ctx context.Context) {
	if err := s.Reload(ctx); err != nil && s.log != nil {
		s.log.Warn("reloading offers after a change", "err", err)
	}
}

func adminView(r offerstore.Row) (api.AdminOffer, error) {
	d, err := definitionOf(r)
	return api.AdminOffer{ID: r.ID.String(), OfferDefinition: d, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, DeletedAt: r.DeletedAt,
		Spent: api.OfferSpend{Impressions: r.UsedImpressions, Clicks: r.UsedClicks, Reserved: r.Reserved}}, err
}

// Get reads an offer (a deleted one too, with deleted_at).
func (s *Service) Get(ctx context.Context, id uuid.UUID) (api.AdminOffer, error) {
	r, err := s.store.Get(ctx, id)
	if errors.Is(err, offerstore.ErrNotFound) {
		return api.AdminOffer{}, bus.Errorf(bus.CodeNotFound, "no such offer")
	}
	if err != nil {
		return api.AdminOffer{}, err
	}
	return adminView(r)
}

// List reads a page of offers, newest first.
func (s *Service) List(ctx context.Context, in api.AdminOffersRequest) (api.AdminOfferPage, error) {
	size, err := page.Size(in.Limit)
	if err != nil {
		return api.AdminOfferPage{}, bus.FieldInvalid("query.", err)
	}
	var after *uuid.UUID
	if in.Cursor != "" {
		id, err := page.After(in.Cursor)
		if err != nil {
			return api.AdminOfferPage{}, bus.FieldInvalid("query.", err)
		}
		u := uuid.UUID(id)
		after = &u
	}
	rows, err := s.store.List(ctx, after, size+1, in.IncludeDeleted)
	if err != nil {
		return api.AdminOfferPage{}, err
	}
	rows, next := page.Cut(rows, size, func(r offerstore.Row) [16]byte { return r.ID })
	out := api.AdminOfferPage{Items: make([]api.AdminOffer, len(rows)), NextCursor: next}
	for i, r := range rows {
		if out.Items[i], err = adminView(r); err != nil {
			return api.AdminOfferPage{}, err
		}
	}
	return out, nil
}

// Patch applies a JSON merge patch (RFC 7396) to an offer's definition:
// the result is checked as on create. A deleted offer can't be changed
// (conflict); a budget below what is counted and reserved is refused.
func (s *Service) Patch(ctx context.Context, id uuid.UUID, patch json.RawMessage) (api.AdminOffer, error) {
	var p any
	if err := json.Unmarshal(patch, &p); err != nil {
		return api.AdminOffer{}, bus.Invalid("body", "is not valid JSON")
	}
	if _, ok := p.(map[string]any); !ok {
		return api.AdminOffer{}, bus.Invalid("body", "must be a JSON object (a merge patch of the offer)")
	}
	row, err := s.store.Get(ctx, id)
	if errors.Is(err, offerstore.ErrNotFound) {
		return api.AdminOffer{}, bus.Errorf(bus.CodeNotFound, "no such offer")
	}
	if err != nil {
		return api.AdminOffer{}, err
	}
	if row.DeletedAt != nil {
		return api.AdminOffer{}, bus.Errorf(bus.CodeConflict, "the offer is deleted")
	}
	var target any
	if err := json.Unmarshal(row.Definition, &target); err != nil {
		return api.AdminOffer{}, fmt.Errorf("decode offer: %w", err)
	}
	merged, err := json.Marshal(MergePatch(target, p))
	if err != nil {
		return api.AdminOffer{}, fmt.Errorf("encode patched offer: %w", err)
	}
	o, err := parse(id, merged, row)
	if err != nil {
		return api.AdminOffer{}, err
	}
	sp, err := specOf(o.Def)
	if err != nil {
		return api.AdminOffer{}, err
	}
	updated, err := s.store.Update(ctx, id, sp, s.now())
	switch {
	case errors.Is(err, offerstore.ErrNotFound):
		return api.AdminOffer{}, bus.Errorf(bus.CodeConflict, "the offer is deleted")
	case errors.Is(err, offerstore.ErrBelowSpent):
		return api.AdminOffer{}, bus.Invalid("body.budget", fmt.Sprintf("must not be below what is counted and reserved (%d impressions, %d clicks)",
			row.UsedImpressions+row.Reserved, row.UsedClicks))
	case err != nil:
		return api.AdminOffer{}, err
	}
	s.reloadSoon(ctx)
	return adminView(updated)
}

// MergePatch applies an RFC 7396 merge patch to a decoded JSON value.
func MergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = MergePatch(t[k], v)
	}
	return t
}

// Delete deletes an offer: it is no longer served; its figures stay.
func (s *Service) Delete(ctx context.Context, id uuid.UUID) error {
	err := s.store.Delete(ctx, id, s.now())
	if errors.Is(err, offerstore.ErrNotFound) {
		return bus.Errorf(bus.CodeNotFound, "no such offer")
	}
	if err != nil {
		return err
	}
	s.reloadSoon(ctx)
	return nil
}

// Stats reads an offer's figures: totals, click-through, spend against
// budget and pace, per UTC day.
func (s *Service) Stats(ctx context.Context, id uuid.UUID) (api.OfferStats, error) {
	r, err := s.store.Get(ctx, id)
	if errors.Is(err, offerstore.ErrNotFound) {
		return api.OfferStats{}, bus.Errorf(bus.CodeNotFound, "no such offer")
	}
	if err != nil {
		return api.OfferStats{}, err
	}
	days, err := s.store.Days(ctx, id)
	if err != nil {
		return api.OfferStats{}, err
	}
	def, err := definitionOf(r)
	if err != nil {
		return api.OfferStats{}, err
	}
	b := def.Budget
	out := api.OfferStats{ID: id.String(), Impressions: r.UsedImpressions, Clicks: r.UsedClicks, CTR: ctr(r.UsedClicks, r.UsedImpressions),
		Reserved: r.Reserved, BudgetImpressions: b.Impressions, BudgetClicks: b.Clicks,
		SpentFraction:    float64(r.UsedImpressions) / float64(b.Impressions),
		PacedImpressions: offers.Allowance(b.Impressions, s.pacing(), def.StartsAt, def.EndsAt, s.now()),
		Days:             make([]api.OfferDayStats, len(days))}
	if b.Clicks > 0 {
		out.SpentFraction = max(out.SpentFraction, float64(r.UsedClicks)/float64(b.Clicks))
	}
	for i, d := range days {
		out.Days[i] = api.OfferDayStats{Day: d.Day.Format("2006-01-02"), Impressions: d.Impressions, Clicks: d.Clicks,
			CTR: ctr(d.Clicks, d.Impressions), Uncounted: d.Uncounted}
	}
	return out, nil
}

func ctr(clicks, impressions int64) float64 {
	if impressions == 0 {
		return 0
	}
	return float64(clicks) / float64(impressions)
}
