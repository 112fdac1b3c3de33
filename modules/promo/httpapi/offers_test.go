package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/promo/api"
)

// offersApp is an app running the client and promo modules, with an admin.
type offersApp struct {
	*apptest.App
	t     *testing.T
	admin string
}

type offerUser struct {
	id    string
	token string
}

func startOffers(t *testing.T) *offersApp {
	t.Helper()
	t.Parallel()
	a := &offersApp{App: apptest.Start(t, "client", "promo"), t: t}
	a.signUp("root@example.com")
	a.admin = a.Promote("root@example.com")
	return a
}

func (a *offersApp) signUp(email string) offerUser {
	a.t.Helper()
	tok := a.SignUp(email)
	r := a.Do(http.MethodGet, "/v1/me", tok.AccessToken, nil)
	require.Equal(a.t, http.StatusOK, r.Status, string(r.Body))
	var me struct {
		UserID string `json:"user_id"`
	}
	r.JSON(a.t, &me)
	return offerUser{id: me.UserID, token: tok.AccessToken}
}

// adult makes promo know u as an adult of country (the read model, as
// the profile events would).
func (a *offersApp) adult(u offerUser, country string) {
	a.t.Helper()
	db := a.DB(a.t)
	require.Eventually(a.t, func() bool {
		tag, err := db.Exec(context.Background(), `UPDATE promo.users SET birth_date = '1990-05-01', country = $2, language = 'de' WHERE user_id = $1`, u.id, country)
		return err == nil && tag.RowsAffected() == 1
	}, 10*time.Second, 20*time.Millisecond, "promo knows %s", u.id)
}

// offer is a valid definition running now; edit changes it.
func offer(edit func(d map[string]any)) map[string]any {
	now := time.Now().UTC()
	d := map[string]any{
		"name": "shoes", "content": map[string]any{"en": map[string]any{"title": "Shoes", "body": "20 % off"}, "de": map[string]any{"title": "Schuhe"}},
		"default_language": "en", "cta_url": "https://shop.example/shoes", "image_url": "https://shop.example/shoes.png",
		"starts_at": now.Add(-24 * time.Hour), "ends_at": now.Add(time.Minute), "budget": map[string]any{"impressions": 1000},
	}
	if edit != nil {
		edit(d)
	}
	return d
}

func (a *offersApp) create(d map[string]any) api.AdminOffer {
	a.t.Helper()
	r := a.Do(http.MethodPost, "/v1/admin/offers", a.admin, d)
	require.Equal(a.t, http.StatusCreated, r.Status, string(r.Body))
	var o api.AdminOffer
	r.JSON(a.t, &o)
	return o
}

func (a *offersApp) offers(u offerUser) api.OfferList {
	a.t.Helper()
	r := a.Do(http.MethodGet, "/v1/offers", u.token, nil)
	require.Equal(a.t, http.StatusOK, r.Status, string(r.Body))
	var l api.OfferList
	r.JSON(a.t, &l)
	return l
}

func ids(l api.OfferList) []string {
	out := make([]string, len(l.Items))
	for i, o := range l.Items {
		out[i] = o.ID
	}
	return out
}

func TestOffersOverHTTP(t *testing.T) {
	a := startOffers(t)
	ana := a.signUp("ana@example.com")
	a.adult(ana, "DE")
	targeted := a.create(offer(func(d map[string]any) {
		d["targeting"] = map[string]any{"countries": []string{"DE", "AT"}, "languages": []string{"de"}, "age": map[string]any{"min": 18, "max": 60}}
	}))
	plain := a.create(offer(func(d map[string]any) { d["priority"] = 50; d["name"] = "for everyone" }))
	l := a.offers(ana)
	require.Equal(t, []string{targeted.ID, plain.ID}, ids(l))
	assert.Equal(t, "Schuhe", l.Items[0].Title, "the user's language")
	assert.Equal(t, "de", l.Items[0].Language)
	assert.True(t, l.Items[0].Why.Targeted)
	assert.Equal(t, []api.WhyRule{{Rule: "countries", Fact: "country DE"}, {Rule: "languages", Fact: "language de"}, {Rule: "age", Fact: fmt.Sprintf("age %d", age(1990, 5, 1))}}, l.Items[0].Why.Rules)
	assert.False(t, l.Items[1].Why.Targeted)
	assert.True(t, l.ReservedUntil.After(time.Now()))

	r := a.Do(http.MethodGet, "/v1/offers/"+targeted.ID+"/why", ana.token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var why api.OfferWhy
	r.JSON(t, &why)
	assert.True(t, why.Eligible)
	assert.Len(t, why.Why.Rules, 3)

	// Impression, click, stats.
	r = a.Do(http.MethodPost, "/v1/offers/"+targeted.ID+"/impression", ana.token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var ev api.OfferEventAnswer
	r.JSON(t, &ev)
	assert.True(t, ev.Counted)
	r = a.Do(http.MethodPost, "/v1/offers/"+targeted.ID+"/click", ana.token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r = a.Do(http.MethodPost, "/v1/offers/"+plain.ID+"/click", ana.token, nil)
	assert.Equal(t, http.StatusConflict, r.Status, "a click on an offer not shown: %s", r.Body)
	r = a.Do(http.MethodGet, "/v1/admin/offers/"+targeted.ID+"/stats", a.admin, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var st api.OfferStats
	r.JSON(t, &st)
	assert.Equal(t, int64(1), st.Impressions)
	assert.Equal(t, int64(1), st.Clicks)
	assert.Equal(t, 1.0, st.CTR)
	require.Len(t, st.Days, 1)
	assert.Equal(t, time.Now().UTC().Format("2006-01-02"), st.Days[0].Day)

	// The objection takes effect on the next request.
	r = a.Do(http.MethodPut, "/v1/me/marketing", ana.token, map[string]any{"personalised_offers": false})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	assert.Equal(t, []string{plain.ID}, ids(a.offers(ana)))
	r = a.Do(http.MethodGet, "/v1/offers/"+targeted.ID+"/why", ana.token, nil)
	require.Equal(t, http.StatusOK, r.Status)
	r.JSON(t, &why)
	assert.False(t, why.Eligible)
	assert.Contains(t, why.Why.Summary, "objected")

	// Dismissed: not served again.
	r = a.Do(http.MethodPost, "/v1/offers/"+plain.ID+"/dismiss", ana.token, nil)
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	assert.Empty(t, a.offers(ana).Items)

	// A user promo knows nothing of (no birth date) gets the untargeted one.
	bob := a.signUp("bob@example.com")
	assert.Equal(t, []string{plain.ID}, ids(a.offers(bob)))
}

func age(y int, m time.Month, d int) int {
	now := time.Now().UTC()
	n := now.Year() - y
	if now.Month() < m || now.Month() == m && now.Day() < d {
		n--
	}
	return n
}

// TestBudgetOverHTTP: 100 users ask for offers at once, at an impression
// budget of 50: exactly 50 are served. Then one user asks 100 times at
// once for an offer capped at 3 per hour: exactly 3 are served.
func TestBudgetAndCapOverHTTP(t *testing.T) {
	a := startOffers(t)
	users := make([]offerUser, 100)
	var wg sync.WaitGroup
	slots := make(chan struct{}, 4) // sign-ins are limited at once
	for i := range users {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			users[i] = a.signUp(fmt.Sprintf("u%d@example.com", i))
		})
	}
	wg.Wait()
	// served asks for offers 100 times at once, the i-th time as who(i),
	// and counts the offers served.
	served := func(who func(i int) offerUser) int64 {
		var n atomic.Int64
		var wg sync.WaitGroup
		for i := range 100 {
			wg.Go(func() {
				r := a.Do(http.MethodGet, "/v1/offers", who(i).token, nil)
				if !assert.Equal(t, http.StatusOK, r.Status, string(r.Body)) {
					return
				}
				var l api.OfferList
				r.JSON(t, &l)
				n.Add(int64(len(l.Items)))
			})
		}
		wg.Wait()
		return n.Load()
	}
	budget := a.create(offer(func(d map[string]any) { d["budget"] = map[string]any{"impressions": 50} }))
	assert.Equal(t, int64(50), served(func(i int) offerUser { return users[i] }))
	r := a.Do(http.MethodGet, "/v1/admin/offers/"+budget.ID, a.admin, nil)
	var got api.AdminOffer
	r.JSON(t, &got)
	assert.Equal(t, int64(50), got.Spent.Reserved)

	r = a.Do(http.MethodDelete, "/v1/admin/offers/"+budget.ID, a.admin, nil)
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	a.create(offer(func(d map[string]any) { d["frequency_cap"] = map[string]any{"count": 3, "period_s": 3600} }))
	assert.Equal(t, int64(3), served(func(int) offerUser { return users[0] }))
}

func TestAdminOffersCRUD(t *testing.T) {
	a := startOffers(t)
	created := make([]api.AdminOffer, 3)
	for i := range created {
		created[i] = a.create(offer(func(d map[string]any) { d["name"] = fmt.Sprintf("offer %d", i) }))
	}
	// List with a cursor, newest first.
	r := a.Do(http.MethodGet, "/v1/admin/offers?limit=2", a.admin, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var p api.AdminOfferPage
	r.JSON(t, &p)
	require.Len(t, p.Items, 2)
	require.NotNil(t, p.NextCursor)
	r = a.Do(http.MethodGet, "/v1/admin/offers?limit=2&cursor="+*p.NextCursor, a.admin, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var p2 api.AdminOfferPage
	r.JSON(t, &p2)
	require.Len(t, p2.Items, 1)
	assert.Nil(t, p2.NextCursor)
	seen := map[string]bool{}
	for _, o := range append(p.Items, p2.Items...) {
		seen[o.ID] = true
	}
	assert.Len(t, seen, 3)

	// A retry with the same Idempotency-Key gets the first answer, and
	// adds nothing; the key with another body is refused.
	key := http.Header{"Idempotency-Key": {"offer-retry-1"}}
	d := offer(func(d map[string]any) { d["name"] = "retried" })
	r = a.DoWith(http.MethodPost, "/v1/admin/offers", a.admin, d, key)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var first, again api.AdminOffer
	r.JSON(t, &first)
	r = a.DoWith(http.MethodPost, "/v1/admin/offers", a.admin, d, key)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	r.JSON(t, &again)
	assert.Equal(t, first.ID, again.ID)
	r = a.DoWith(http.MethodPost, "/v1/admin/offers", a.admin, offer(nil), key)
	assert.Equal(t, http.StatusUnprocessableEntity, r.Status, string(r.Body))
	r = a.Do(http.MethodDelete, "/v1/admin/offers/"+first.ID, a.admin, nil)
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))

	// Read, patch, delete.
	id := created[0].ID
	r = a.Do(http.MethodGet, "/v1/admin/offers/"+id, a.admin, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r = a.Do(http.MethodPatch, "/v1/admin/offers/"+id, a.admin, map[string]any{"priority": 7, "image_url": nil,
		"content": map[string]any{"fr": map[string]any{"title": "Chaussures"}, "de": nil}, "targeting": map[string]any{"sports": []string{"run"}}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var patched api.AdminOffer
	r.JSON(t, &patched)
	assert.Equal(t, 7, patched.Priority)
	assert.Empty(t, patched.ImageURL)
	assert.Contains(t, patched.Content, "fr")
	assert.NotContains(t, patched.Content, "de")
	assert.Equal(t, []string{"run"}, patched.Targeting.Sports)
	assert.Equal(t, "offer 0", patched.Name, "untouched fields stay")
	r = a.Do(http.MethodDelete, "/v1/admin/offers/"+id, a.admin, nil)
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	r = a.Do(http.MethodDelete, "/v1/admin/offers/"+id, a.admin, nil)
	require.Equal(t, http.StatusNoContent, r.Status, "again: no change")
	r = a.Do(http.MethodGet, "/v1/admin/offers/"+id, a.admin, nil)
	require.Equal(t, http.StatusOK, r.Status)
	var deleted api.AdminOffer
	r.JSON(t, &deleted)
	assert.NotNil(t, deleted.DeletedAt)
	r = a.Do(http.MethodGet, "/v1/admin/offers", a.admin, nil)
	r.JSON(t, &p)
	assert.Len(t, p.Items, 2, "deleted offers are not listed")
	r = a.Do(http.MethodGet, "/v1/admin/offers?include_deleted=true", a.admin, nil)
	r.JSON(t, &p)
	assert.Len(t, p.Items, 4, "with the retried one, deleted")
	r = a.Do(http.MethodPatch, "/v1/admin/offers/"+id, a.admin, map[string]any{"priority": 1})
	assert.Equal(t, http.StatusConflict, r.Status, string(r.Body))
}

// TestOffersBadInput: every operation with what it must refuse, changing
// nothing.
func TestOffersBadInput(t *testing.T) {
	a := startOffers(t)
	ana := a.signUp("ana@example.com")
	o := a.create(offer(nil))
	unknown := uuid.NewString()

	// Non-admins on every admin operation; no token on every operation.
	admin := []struct{ method, path string }{
		{http.MethodPost, "/v1/admin/offers"}, {http.MethodGet, "/v1/admin/offers"},
		{http.MethodGet, "/v1/admin/offers/" + o.ID}, {http.MethodPatch, "/v1/admin/offers/" + o.ID},
		{http.MethodDelete, "/v1/admin/offers/" + o.ID}, {http.MethodGet, "/v1/admin/offers/" + o.ID + "/stats"},
	}
	for _, op := range admin {
		var body any
		if op.method == http.MethodPost {
			body = offer(nil)
		} else if op.method == http.MethodPatch {
			body = map[string]any{"priority": 1}
		}
		r := a.Do(op.method, op.path, ana.token, body)
		assert.Equal(t, http.StatusForbidden, r.Status, "%s %s: %s", op.method, op.path, r.Body)
	}
	user := []struct{ method, path string }{
		{http.MethodGet, "/v1/offers"}, {http.MethodGet, "/v1/offers/" + o.ID + "/why"},
		{http.MethodPost, "/v1/offers/" + o.ID + "/impression"}, {http.MethodPost, "/v1/offers/" + o.ID + "/click"},
		{http.MethodPost, "/v1/offers/" + o.ID + "/dismiss"},
	}
	for _, op := range append(user, admin...) {
		r := a.Do(op.method, op.path, "", nil)
		assert.Equal(t, http.StatusUnauthorized, r.Status, "%s %s", op.method, op.path)
	}
	// Unknown and malformed ids on every operation naming an offer.
	for _, op := range append(user[1:], admin[2:]...) {
		var body any
		if op.method == http.MethodPatch {
			body = map[string]any{"priority": 1}
		}
		tok := ana.token
		if strings.HasPrefix(op.path, "/v1/admin") {
			tok = a.admin
		}
		r := a.Do(op.method, strings.Replace(op.path, o.ID, unknown, 1), tok, body)
		assert.Equal(t, http.StatusNotFound, r.Status, "%s %s unknown: %s", op.method, op.path, r.Body)
		r = a.Do(op.method, strings.Replace(op.path, o.ID, "not-a-uuid", 1), tok, body)
		assert.Equal(t, http.StatusBadRequest, r.Status, "%s %s malformed: %s", op.method, op.path, r.Body)
	}
	// Query parameters out of range.
	for _, path := range []string{"/v1/offers?limit=0", "/v1/offers?limit=21", "/v1/offers?limit=x"} {
		r := a.Do(http.MethodGet, path, ana.token, nil)
		assert.Equal(t, http.StatusBadRequest, r.Status, path)
	}
	for _, path := range []string{"/v1/admin/offers?limit=101", "/v1/admin/offers?cursor=%%%", "/v1/admin/offers?cursor=AAAA"} {
		r := a.Do(http.MethodGet, path, a.admin, nil)
		assert.Equal(t, http.StatusBadRequest, r.Status, "%s: %s", path, r.Body)
	}

	// Bad definitions on create and on patch: field and reason.
	cases := map[string]struct {
		edit  func(d map[string]any)
		field string
	}{
		"javascript url":   {func(d map[string]any) { d["cta_url"] = "javascript:alert(1)" }, "body.cta_url"},
		"data image":       {func(d map[string]any) { d["image_url"] = "data:text/html,<script>" }, "body.image_url"},
		"bad language":     {func(d map[string]any) { d["content"] = map[string]any{"english!": map[string]any{"title": "x"}} }, "body.content.english!"},
		"default language": {func(d map[string]any) { d["default_language"] = "fr" }, "body.default_language"},
		"heart rate":       {func(d map[string]any) { d["targeting"] = map[string]any{"heart_rate": map[string]any{"min": 150}} }, "body.targeting.heart_rate"},
		"weight":           {func(d map[string]any) { d["targeting"] = map[string]any{"weight_kg": map[string]any{"max": 90}} }, "body.targeting.weight_kg"},
		"training load":    {func(d map[string]any) { d["targeting"] = map[string]any{"training_load": 1} }, "body.targeting.training_load"},
		"unknown rule":     {func(d map[string]any) { d["targeting"] = map[string]any{"shoe_size": 42} }, "body.targeting.shoe_size"},
		"minors":           {func(d map[string]any) { d["targeting"] = map[string]any{"age": map[string]any{"min": 16}} }, "body.targeting.age.min"},
		"country":          {func(d map[string]any) { d["targeting"] = map[string]any{"countries": []string{"ZZ"}} }, "body.targeting.countries[0]"},
		"end before start": {func(d map[string]any) { d["ends_at"] = time.Now().Add(-48 * time.Hour) }, "body.ends_at"},
		"no budget":        {func(d map[string]any) { delete(d, "budget") }, "body.budget"},
		"zero budget":      {func(d map[string]any) { d["budget"] = map[string]any{"impressions": 0} }, "body.budget.impressions"},
		"priority":         {func(d map[string]any) { d["priority"] = 101 }, "body.priority"},
		"missing cta":      {func(d map[string]any) { delete(d, "cta_url") }, "body.cta_url"},
		"unknown field":    {func(d map[string]any) { d["colour"] = "red" }, "body.colour"},
		"wrong type":       {func(d map[string]any) { d["priority"] = "high" }, "body.priority"},
		"cap period":       {func(d map[string]any) { d["frequency_cap"] = map[string]any{"count": 1, "period_s": 1} }, "body.frequency_cap.period_s"},
		"gear type": {func(d map[string]any) {
			d["targeting"] = map[string]any{"gear": []any{map[string]any{"type": "laptop"}}}
		}, "body.targeting.gear[0].type"},
		"challenge ids": {func(d map[string]any) {
			d["targeting"] = map[string]any{"challenges": map[string]any{"ids": []string{"x"}}}
		}, "body.targeting.challenges.ids[0]"},
		"sessions per week": {func(d map[string]any) { d["targeting"] = map[string]any{"sessions_per_week": map[string]any{}} }, "body.targeting.sessions_per_week"},
		"new users": {func(d map[string]any) {
			d["targeting"] = map[string]any{"new_users": map[string]any{"max_days_since_registration": 0}}
		}, "body.targeting.new_users.max_days_since_registration"},
		"empty title": {func(d map[string]any) { d["content"] = map[string]any{"en": map[string]any{"title": ""}} }, "body.content.en.title"},
		"ftp url":     {func(d map[string]any) { d["cta_url"] = "ftp://shop.example/" }, "body.cta_url"},
	}
	for name, c := range cases {
		d := offer(nil)
		c.edit(d)
		r := a.Do(http.MethodPost, "/v1/admin/offers", a.admin, d)
		require.Equal(t, http.StatusBadRequest, r.Status, "%s: %s", name, r.Body)
		p := r.Problem(t)
		assert.Contains(t, strings.Join(p.Fields(), " "), c.field, "%s: %s", name, r.Body)
		if strings.HasPrefix(name, "heart") || name == "weight" || name == "training load" {
			assert.Contains(t, p.Errors[0].Reason, "Art. 26(3)", name)
		}
	}
	// The same through a patch.
	for _, c := range []struct {
		patch map[string]any
		field string
	}{
		{map[string]any{"cta_url": "javascript:alert(1)"}, "body.cta_url"},
		{map[string]any{"targeting": map[string]any{"resting_hr": 50}}, "body.targeting.resting_hr"},
		{map[string]any{"targeting": map[string]any{"age": map[string]any{"min": 17}}}, "body.targeting.age.min"},
		{map[string]any{"content": map[string]any{"en": nil, "de": nil}}, "body.content"},
		{map[string]any{"budget": map[string]any{"impressions": 0}}, "body.budget.impressions"},
		{map[string]any{"colour": "red"}, "body.colour"},
	} {
		r := a.Do(http.MethodPatch, "/v1/admin/offers/"+o.ID, a.admin, c.patch)
		require.Equal(t, http.StatusBadRequest, r.Status, "%v: %s", c.patch, r.Body)
		assert.Contains(t, strings.Join(r.Problem(t).Fields(), " "), c.field, "%v: %s", c.patch, r.Body)
	}
	// Malformed JSON and oversized bodies.
	for _, path := range []struct{ method, path string }{{http.MethodPost, "/v1/admin/offers"}, {http.MethodPatch, "/v1/admin/offers/" + o.ID}} {
		r := a.Do(path.method, path.path, a.admin, []byte(`{"name":`))
		assert.Equal(t, http.StatusBadRequest, r.Status, "%s malformed: %s", path.method, r.Body)
		big := offer(func(d map[string]any) { d["name"] = strings.Repeat("x", 300<<10) })
		r = a.Do(path.method, path.path, a.admin, big)
		assert.Equal(t, http.StatusRequestEntityTooLarge, r.Status, "%s oversized", path.method)
	}
	// Nothing changed.
	r := a.Do(http.MethodGet, "/v1/admin/offers?include_deleted=true", a.admin, nil)
	var p api.AdminOfferPage
	r.JSON(t, &p)
	require.Len(t, p.Items, 1)
	assert.Equal(t, o.OfferDefinition.Name, p.Items[0].Name)
	assert.Equal(t, o.UpdatedAt, p.Items[0].UpdatedAt)
}

// TestDeletedAccountErasesOffersData: deleting the account erases the
// user's impressions, clicks, dismissals, reservations and caps (the
// offers' eraser runs in the facts' erasure); the counts stay, anonymous.
func TestDeletedAccountErasesOffersData(t *testing.T) {
	a := startOffers(t)
	ana := a.signUp("ana@example.com")
	a.adult(ana, "DE")
	capped := a.create(offer(func(d map[string]any) { d["frequency_cap"] = map[string]any{"count": 5, "period_s": 86400} }))
	other := a.create(offer(func(d map[string]any) { d["name"] = "other" }))
	require.Len(t, a.offers(ana).Items, 2)
	require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/offers/"+capped.ID+"/impression", ana.token, nil).Status)
	require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/offers/"+capped.ID+"/click", ana.token, nil).Status)
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodPost, "/v1/offers/"+other.ID+"/dismiss", ana.token, nil).Status)
	require.Len(t, a.offers(ana).Items, 1, "a second list: a reservation held")
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/me", ana.token, map[string]any{"password": apptest.Password}).Status)
	db := a.DB(t)
	require.Eventually(t, func() bool {
		var n int
		err := db.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM promo.offer_events WHERE user_id = $1)
			+ (SELECT count(*) FROM promo.offer_caps WHERE user_id = $1) + (SELECT count(*) FROM promo.offer_dismissals WHERE user_id = $1)
			+ (SELECT count(*) FROM promo.offer_reservations WHERE user_id = $1)`, ana.id).Scan(&n)
		return err == nil && n == 0
	}, 10*time.Second, 50*time.Millisecond)
	r := a.Do(http.MethodGet, "/v1/admin/offers/"+capped.ID+"/stats", a.admin, nil)
	var st api.OfferStats
	r.JSON(t, &st)
	assert.Equal(t, int64(1), st.Impressions, "the counts stay")
	assert.Equal(t, int64(1), st.Clicks)
	assert.Zero(t, st.Reserved, "the held reservations were given back")
}
