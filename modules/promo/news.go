package promo

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/athlos/athlos/modules/promo/internal/facts"
	"github.com/athlos/athlos/modules/promo/internal/news"
	"github.com/athlos/athlos/modules/promo/internal/newsrpc"
	"github.com/athlos/athlos/modules/promo/internal/newsservice"
	"github.com/athlos/athlos/platform"
	"github.com/athlos/athlos/storage"
)

// promoNews starts the news: the admin API and the users' feed, ranked
// with the user facts read model (internal/facts). News keep nothing per
// user, so they have no eraser.
func promoNews(rt *platform.Runtime) error {
	return newsrpc.Register(rt.Service, newsservice.New(rt.DB, newsAudience, news.DefaultLanguage, nil))
}

// newsAudience is the feed's profile of a user from their facts: the
// language always; the country and sports only when the facts may be
// used for targeting (an adult who did not object).
func newsAudience(ctx context.Context, q storage.Querier, user uuid.UUID, now time.Time) (newsservice.Profile, error) {
	f, err := facts.Load(ctx, q, user, now)
	if err != nil {
		return newsservice.Profile{}, err
	}
	p := newsservice.Profile{Language: f.Language}
	if f.Personalisable(now) {
		p.Personalised, p.Country, p.Sports = true, f.Country, f.Sports
	}
	return p, nil
}
