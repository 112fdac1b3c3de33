package offers_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/kit/fielderr"
	loadoffers "github.com/athlos/athlos/internal/loadgen/offers"
	"github.com/athlos/athlos/modules/promo/api"
	"github.com/athlos/athlos/modules/promo/internal/offers"
)

var t0 = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

func definition() api.OfferDefinition {
	return api.OfferDefinition{
		Name:            "shoes",
		Content:         map[string]api.OfferContent{"en": {Title: "New shoes", Body: "20 % off"}, "de": {Title: "Neue Schuhe"}},
		DefaultLanguage: "en",
		CTAURL:          "https://shop.example/shoes",
		StartsAt:        t0,
		EndsAt:          t0.Add(30 * 24 * time.Hour),
		Budget:          api.OfferBudget{Impressions: 1000},
	}
}

func valid(t *testing.T, def api.OfferDefinition) *offers.Offer {
	t.Helper()
	o, err := offers.Validate(uuid.New(), def, t0)
	require.NoError(t, err)
	return o
}

func fieldOf(t *testing.T, err error) string {
	t.Helper()
	var fe *fielderr.Error
	require.True(t, errors.As(err, &fe), "a field error: %v", err)
	return fe.Field
}

func ptr[T any](v T) *T { return &v }

// adult is a user whose facts may be used.
func adult() offers.User {
	return offers.User{ID: uuid.New(), Personalisable: true, Age: 34, AgeKnown: true, Country: "DE", Language: "de-AT",
		Sports: []string{"run", "ride"}, SessionsPerWeek: 3.5, DaysSinceRegistration: 10, RegistrationKnown: true,
		Gear: []offers.Gear{{Type: "shoes", WornFraction: 0.85, HasThreshold: true}, {Type: "bike"}}}
}

func TestValidateRefusesBadDefinitions(t *testing.T) {
	cases := map[string]struct {
		edit  func(d *api.OfferDefinition)
		field string
	}{
		"no name":              {func(d *api.OfferDefinition) { d.Name = " " }, "name"},
		"no content":           {func(d *api.OfferDefinition) { d.Content = nil }, "content"},
		"bad language":         {func(d *api.OfferDefinition) { d.Content["xx-invalid-!"] = api.OfferContent{Title: "x"} }, "content.xx-invalid-!"},
		"unknown language":     {func(d *api.OfferDefinition) { d.Content["xyz"] = api.OfferContent{Title: "x"} }, "content.xyz"},
		"duplicate language":   {func(d *api.OfferDefinition) { d.Content["EN"] = api.OfferContent{Title: "x"} }, "content.en"},
		"empty title":          {func(d *api.OfferDefinition) { d.Content["en"] = api.OfferContent{Title: " "} }, "content.en.title"},
		"control character":    {func(d *api.OfferDefinition) { d.Content["en"] = api.OfferContent{Title: "a\x00b"} }, "content.en"},
		"default not in text":  {func(d *api.OfferDefinition) { d.DefaultLanguage = "fr" }, "default_language"},
		"javascript cta":       {func(d *api.OfferDefinition) { d.CTAURL = "javascript:alert(1)" }, "cta_url"},
		"data image":           {func(d *api.OfferDefinition) { d.ImageURL = "data:image/png;base64,AAAA" }, "image_url"},
		"ftp cta":              {func(d *api.OfferDefinition) { d.CTAURL = "ftp://x.example/a" }, "cta_url"},
		"relative cta":         {func(d *api.OfferDefinition) { d.CTAURL = "/shoes" }, "cta_url"},
		"credentials":          {func(d *api.OfferDefinition) { d.CTAURL = "https://u:p@x.example/" }, "cta_url"},
		"no cta":               {func(d *api.OfferDefinition) { d.CTAURL = "" }, "cta_url"},
		"no start":             {func(d *api.OfferDefinition) { d.StartsAt = time.Time{} }, "starts_at"},
		"end before start":     {func(d *api.OfferDefinition) { d.EndsAt = d.StartsAt }, "ends_at"},
		"too long":             {func(d *api.OfferDefinition) { d.EndsAt = d.StartsAt.Add(3 * 365 * 24 * time.Hour) }, "ends_at"},
		"priority":             {func(d *api.OfferDefinition) { d.Priority = 101 }, "priority"},
		"cap count":            {func(d *api.OfferDefinition) { d.FrequencyCap = &api.FrequencyCap{Count: 0, PeriodS: 3600} }, "frequency_cap.count"},
		"cap period":           {func(d *api.OfferDefinition) { d.FrequencyCap = &api.FrequencyCap{Count: 1, PeriodS: 5} }, "frequency_cap.period_s"},
		"no budget":            {func(d *api.OfferDefinition) { d.Budget.Impressions = 0 }, "budget.impressions"},
		"negative clicks":      {func(d *api.OfferDefinition) { d.Budget.Clicks = -1 }, "budget.clicks"},
		"country":              {func(d *api.OfferDefinition) { d.Targeting.Countries = []string{"DE", "XX"} }, "targeting.countries[1]"},
		"country alpha-3":      {func(d *api.OfferDefinition) { d.Targeting.Countries = []string{"DEU"} }, "targeting.countries[0]"},
		"target language":      {func(d *api.OfferDefinition) { d.Targeting.Languages = []string{"!!"} }, "targeting.languages[0]"},
		"sport":                {func(d *api.OfferDefinition) { d.Targeting.Sports = []string{"darts"} }, "targeting.sports[0]"},
		"minors":               {func(d *api.OfferDefinition) { d.Targeting.Age = &api.AgeRange{Min: 16} }, "targeting.age.min"},
		"age max below min":    {func(d *api.OfferDefinition) { d.Targeting.Age = &api.AgeRange{Min: 30, Max: ptr(20)} }, "targeting.age.max"},
		"empty sessions range": {func(d *api.OfferDefinition) { d.Targeting.SessionsPerWeek = &api.NumberRange{} }, "targeting.sessions_per_week"},
		"sessions max below": {func(d *api.OfferDefinition) {
			d.Targeting.SessionsPerWeek = &api.NumberRange{Min: ptr(3.0), Max: ptr(1.0)}
		}, "targeting.sessions_per_week.max"},
		"new users days": {func(d *api.OfferDefinition) { d.Targeting.NewUsers = &api.NewUsersRule{} }, "targeting.new_users.max_days_since_registration"},
		"gear type":      {func(d *api.OfferDefinition) { d.Targeting.Gear = []api.GearRule{{Type: "laptop"}} }, "targeting.gear[0].type"},
		"gear fraction":  {func(d *api.OfferDefinition) { d.Targeting.Gear = []api.GearRule{{Type: "shoes", MinWornFraction: -1}} }, "targeting.gear[0].min_worn_fraction"},
		"challenges both": {func(d *api.OfferDefinition) {
			d.Targeting.Challenges = &api.ChallengeRule{Any: true, IDs: []string{uuid.NewString()}}
		}, "targeting.challenges"},
		"challenges neither":    {func(d *api.OfferDefinition) { d.Targeting.Challenges = &api.ChallengeRule{} }, "targeting.challenges"},
		"challenge id":          {func(d *api.OfferDefinition) { d.Targeting.Challenges = &api.ChallengeRule{IDs: []string{"nope"}} }, "targeting.challenges.ids[0]"},
		"too many languages":    {func(d *api.OfferDefinition) { d.Targeting.Languages = make([]string, 101) }, "targeting.languages"},
		"title too long":        {func(d *api.OfferDefinition) { d.Content["en"] = api.OfferContent{Title: string(make([]rune, 121))} }, "content.en.title"},
		"javascript upper case": {func(d *api.OfferDefinition) { d.CTAURL = "JavaScript:alert(1)" }, "cta_url"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			d := definition()
			d.Content = map[string]api.OfferContent{"en": d.Content["en"], "de": d.Content["de"]}
			c.edit(&d)
			_, err := offers.Validate(uuid.New(), d, t0)
			require.Error(t, err)
			assert.Equal(t, c.field, fieldOf(t, err), "%v", err)
		})
	}
}

func TestValidateCanonicalises(t *testing.T) {
	d := definition()
	d.Content = map[string]api.OfferContent{"pt-br": {Title: " Olá "}, "EN": {Title: "Hi"}}
	d.DefaultLanguage = "en"
	d.Targeting = api.Targeting{Countries: []string{"de", "DE", "at"}, Languages: []string{"DE"}, Age: &api.AgeRange{}}
	o := valid(t, d)
	assert.Equal(t, []string{"DE", "AT"}, o.Def.Targeting.Countries)
	assert.Equal(t, []string{"de"}, o.Def.Targeting.Languages)
	assert.Equal(t, 18, o.Def.Targeting.Age.Min, "an age rule without min starts at 18")
	assert.Contains(t, o.Def.Content, "pt-BR")
	assert.Equal(t, "Olá", o.Def.Content["pt-BR"].Title)
}

func TestDecodeRefusesHealthTargeting(t *testing.T) {
	for _, key := range []string{"heart_rate", "avg_hr", "hr_zones", "maxHR", "weight_kg", "bmi", "training_load", "fitness",
		"fatigue", "form", "resting_hr", "vo2max", "ftp", "sleep_hours", "body_fat", "ctl", "hrv", "restingHeartRate"} {
		t.Run(key, func(t *testing.T) {
			raw := fmt.Sprintf(`{"name":"x","targeting":{"countries":["DE"],%q:{"min":1}}}`, key)
			_, err := offers.Decode([]byte(raw))
			var he *offers.HealthError
			require.ErrorAs(t, err, &he)
			assert.Equal(t, "targeting."+key, he.Field)
			assert.Contains(t, he.Error(), "Art. 26(3)")
		})
	}
	for _, key := range []string{"countries", "languages", "sports", "age", "sessions_per_week", "new_users", "gear", "challenges"} {
		assert.False(t, offers.IsHealthKey(key), key)
	}
}

func TestDecodeIsStrict(t *testing.T) {
	cases := map[string]struct{ raw, field string }{
		"not an object":   {`[1]`, ""},
		"malformed":       {`{"name":`, ""},
		"unknown field":   {`{"name":"x","colour":"red"}`, "colour"},
		"unknown rule":    {`{"targeting":{"shoe_size":42}}`, "targeting.shoe_size"},
		"wrong type":      {`{"name":5}`, "name"},
		"targeting array": {`{"targeting":[1]}`, "targeting"},
		"two objects":     {`{"name":"x"} {"name":"y"}`, ""},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := offers.Decode([]byte(c.raw))
			require.Error(t, err)
			assert.Equal(t, c.field, fieldOf(t, err))
		})
	}
	b, err := json.Marshal(definition())
	require.NoError(t, err)
	def, err := offers.Decode(b)
	require.NoError(t, err)
	assert.Equal(t, "shoes", def.Name)
}

// TestEachRuleInAndOut checks every targeting rule with a user it matches
// and one it does not.
func TestEachRuleInAndOut(t *testing.T) {
	now := t0.Add(time.Hour)
	challenge := uuid.New()
	cases := map[string]struct {
		targeting api.Targeting
		out       func(u *offers.User)
		fact      string
	}{
		"countries":        {api.Targeting{Countries: []string{"AT", "DE"}}, func(u *offers.User) { u.Country = "FR" }, "country DE"},
		"country unknown":  {api.Targeting{Countries: []string{"DE"}}, func(u *offers.User) { u.Country = "" }, "country DE"},
		"languages":        {api.Targeting{Languages: []string{"de"}}, func(u *offers.User) { u.Language = "en" }, "language de-AT"},
		"sports":           {api.Targeting{Sports: []string{"ride", "swim"}}, func(u *offers.User) { u.Sports = []string{"yoga"} }, "you practise ride"},
		"age":              {api.Targeting{Age: &api.AgeRange{Min: 30, Max: ptr(40)}}, func(u *offers.User) { u.Age = 41 }, "age 34"},
		"age unknown":      {api.Targeting{Age: &api.AgeRange{Min: 30}}, func(u *offers.User) { u.AgeKnown = false }, "age 34"},
		"sessions":         {api.Targeting{SessionsPerWeek: &api.NumberRange{Min: ptr(3.0)}}, func(u *offers.User) { u.SessionsPerWeek = 2.75 }, "3.50 sessions per week over the last 28 days"},
		"new users":        {api.Targeting{NewUsers: &api.NewUsersRule{MaxDays: 10}}, func(u *offers.User) { u.DaysSinceRegistration = 11 }, "registered 10 days ago"},
		"gear worn":        {api.Targeting{Gear: []api.GearRule{{Type: "shoes", MinWornFraction: 0.8}}}, func(u *offers.User) { u.Gear[0].WornFraction = 0.79 }, "your shoes are at 85 % of their replacement distance"},
		"gear without thr": {api.Targeting{Gear: []api.GearRule{{Type: "shoes", MinWornFraction: 0.8}}}, func(u *offers.User) { u.Gear[0].HasThreshold = false }, "your shoes are at 85 % of their replacement distance"},
		"gear any":         {api.Targeting{Gear: []api.GearRule{{Type: "bike"}}}, func(u *offers.User) { u.Gear = u.Gear[:1] }, "you have gear of type bike"},
		"challenges any":   {api.Targeting{Challenges: &api.ChallengeRule{Any: true}}, func(u *offers.User) { u.Challenges = nil }, "you take part in 1 challenges"},
		"challenges ids":   {api.Targeting{Challenges: &api.ChallengeRule{IDs: []string{challenge.String()}}}, func(u *offers.User) { u.Challenges = []uuid.UUID{uuid.New()} }, "you take part in the challenge " + challenge.String()},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			d := definition()
			d.Targeting = c.targeting
			o := valid(t, d)
			in := adult()
			in.Challenges = []uuid.UUID{challenge}
			ok, why := o.Eligible(in, now)
			require.True(t, ok, why.Summary)
			assert.True(t, why.Targeted)
			require.Len(t, why.Rules, 1)
			assert.Equal(t, c.fact, why.Rules[0].Fact)

			out := adult()
			out.Gear = append([]offers.Gear(nil), out.Gear...)
			out.Challenges = []uuid.UUID{challenge}
			c.out(&out)
			ok, why = o.Eligible(out, now)
			assert.False(t, ok)
			assert.Contains(t, why.Summary, "does not match the rule")
		})
	}
}

func TestEveryRuleMustMatch(t *testing.T) {
	d := definition()
	d.Targeting = api.Targeting{Countries: []string{"DE"}, Sports: []string{"run"}, Age: &api.AgeRange{Min: 18, Max: ptr(40)}}
	o := valid(t, d)
	ok, why := o.Eligible(adult(), t0)
	require.True(t, ok)
	assert.Len(t, why.Rules, 3)
	u := adult()
	u.Sports = nil
	ok, _ = o.Eligible(u, t0)
	assert.False(t, ok)
}

func TestMinorsObjectorsAndUnknownGetUntargetedOnly(t *testing.T) {
	targeted := definition()
	targeted.Targeting.Countries = []string{"DE"}
	to := valid(t, targeted)
	uo := valid(t, definition())
	for name, edit := range map[string]func(u *offers.User){
		"minor":      func(u *offers.User) { u.Personalisable, u.Age = false, 17 },
		"objected":   func(u *offers.User) { u.Personalisable, u.Objected = false, true },
		"no birth":   func(u *offers.User) { u.Personalisable, u.AgeKnown = false, false },
		"never seen": func(u *offers.User) { *u = offers.User{ID: u.ID} },
	} {
		t.Run(name, func(t *testing.T) {
			u := adult()
			edit(&u)
			ok, why := to.Eligible(u, t0)
			assert.False(t, ok)
			assert.Contains(t, why.Summary, "targeted offers are shown only to adults")
			ok, why = uo.Eligible(u, t0)
			assert.True(t, ok)
			assert.False(t, why.Targeted)
			assert.Empty(t, why.Rules)
		})
	}
}

func TestScheduleBoundaries(t *testing.T) {
	o := valid(t, definition())
	u := adult()
	for at, want := range map[time.Time]bool{
		t0.Add(-time.Nanosecond):           false,
		t0:                                 true,
		o.Def.EndsAt.Add(-time.Nanosecond): true,
		o.Def.EndsAt:                       false,
	} {
		ok, _ := o.Eligible(u, at)
		assert.Equal(t, want, ok, at)
	}
}

func TestTextPicksTheLanguage(t *testing.T) {
	d := definition()
	d.Content = map[string]api.OfferContent{"en": {Title: "en"}, "de": {Title: "de"}, "pt-BR": {Title: "br"}}
	o := valid(t, d)
	for user, want := range map[string]string{"de": "de", "de-AT": "de", "pt-PT": "pt-BR", "pt": "pt-BR", "fr": "en", "": "en", "!!": "en"} {
		lang, c := o.Text(user)
		assert.Equal(t, want, lang, user)
		assert.Equal(t, map[string]string{"de": "de", "pt-BR": "br", "en": "en"}[want], c.Title)
	}
}

// rank keeps the best n of cs (all when n <= 0), best first, as a
// Ranker does.
func rank(cs []offers.Candidate, n int) []offers.Candidate {
	if n <= 0 {
		n = len(cs)
	}
	r := offers.NewRanker(n)
	for _, c := range cs {
		r.Add(c)
	}
	return r.AppendRanked(nil)
}

func TestRankOrder(t *testing.T) {
	mk := func(prio int, start time.Time, rules api.Targeting) *offers.Offer {
		d := definition()
		d.Priority, d.StartsAt, d.Targeting = prio, start, rules
		return valid(t, d)
	}
	two := api.Targeting{Countries: []string{"DE"}, Sports: []string{"run"}}
	one := api.Targeting{Countries: []string{"DE"}}
	a := offers.Candidate{Offer: mk(0, t0, two), Fit: 2}                                             // best fit beats priority
	b := offers.Candidate{Offer: mk(90, t0, one), Fit: 1}                                            // higher priority
	c := offers.Candidate{Offer: mk(10, t0.Add(48*time.Hour), one), Fit: 1}                          // fresher
	d := offers.Candidate{Offer: mk(10, t0, one), Fit: 1, Allowance: 500, Spent: 100}                // further behind pace
	e := offers.Candidate{Offer: mk(10, t0.Add(time.Hour), one), Fit: 1, Allowance: 500, Spent: 400} // same day, ahead
	f := offers.Candidate{Offer: mk(100, t0, api.Targeting{}), Fit: 0}                               // untargeted last
	cs := []offers.Candidate{f, e, d, c, b, a}
	ranked := rank(cs, 0)
	got := make([]*offers.Offer, len(ranked))
	for i := range ranked {
		got[i] = ranked[i].Offer
	}
	assert.Equal(t, []*offers.Offer{a.Offer, b.Offer, c.Offer, d.Offer, e.Offer, f.Offer}, got)
}

// Keeping the best n gives the first n of the full order, for every n, on
// random candidates with many ties (so the id decides often).
func TestRankKeepsTheBestN(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		cs := make([]offers.Candidate, 1+r.IntN(300))
		for i := range cs {
			d := definition()
			d.Priority = r.IntN(3)
			d.StartsAt = t0.Add(time.Duration(r.IntN(3)) * 24 * time.Hour)
			cs[i] = offers.Candidate{Offer: valid(t, d), Fit: r.IntN(3), Allowance: int64(r.IntN(4)) * 100, Spent: int64(r.IntN(2)) * 100}
		}
		full := rank(slices.Clone(cs), 0)
		for _, n := range []int{1, 2, 5, 20, 80, len(cs) - 1, len(cs), len(cs) + 1} {
			if n < 1 {
				continue
			}
			got := rank(slices.Clone(cs), n)
			require.Equal(t, full[:min(n, len(full))], got, "trial %d, n %d of %d", trial, n, len(cs))
		}
	}
}

// TestPacingOverASimulatedDay spends a budget over one day with a fixed
// clock, hour by hour: against a flat curve it allows budget·h/24 by hour
// h; against a curve with all traffic in the evening, almost nothing in
// the morning.
func TestPacingOverASimulatedDay(t *testing.T) {
	start, end := t0, t0.Add(24*time.Hour)
	flat := offers.Flat()
	for h := 0; h <= 24; h++ {
		now := start.Add(time.Duration(h) * time.Hour)
		want := int64(2400 * h / 24)
		if h == 0 {
			want = 1
		}
		assert.Equal(t, want, offers.Allowance(2400, &flat, start, end, now), "hour %d", h)
	}
	var evening [24]float64
	for h := 18; h < 24; h++ {
		evening[h] = 100
	}
	c := offers.NewCurve(evening)
	noon := offers.Allowance(2400, &c, start, end, start.Add(12*time.Hour))
	assert.Less(t, noon, int64(2400/24), "little of the budget before the evening's traffic")
	assert.Equal(t, int64(2400), offers.Allowance(2400, &c, start, end, end))
	// Each hour of the evening allows about a sixth of the budget.
	six := offers.Allowance(2400, &c, start, end, start.Add(19*time.Hour)) - offers.Allowance(2400, &c, start, end, start.Add(18*time.Hour))
	assert.InDelta(t, 2400/6, six, 30)
	assert.Zero(t, offers.Allowance(2400, &flat, start, end, start.Add(-time.Second)))
	// Served impressions never pass the allowance: a simulated day of one
	// request a minute, one impression each when the allowance has room.
	spent := int64(0)
	for m := range 24 * 60 {
		now := start.Add(time.Duration(m) * time.Minute)
		if spent < offers.Allowance(100, &c, start, end, now) {
			spent++
		}
		require.LessOrEqual(t, spent, offers.Allowance(100, &c, start, end, now))
	}
	assert.Equal(t, int64(100), spent, "the whole budget is spent by the end of the day")
}

// TestMatchesAgreesWithEligible: the fast check serving uses says what
// Eligible says, over offers of every kind of targeting and varied users.
func TestMatchesAgreesWithEligible(t *testing.T) {
	now := t0.Add(time.Hour)
	users := []offers.User{adult(), {ID: uuid.New()}}
	for i := range 200 {
		u := adult()
		u.Country = []string{"DE", "US", "FR", "", "AT"}[i%5]
		u.Language = []string{"de", "en", "pt-BR", "fr-CA", ""}[i%5]
		u.Age = 18 + i%60
		u.AgeKnown = i%7 != 0
		u.Personalisable = u.AgeKnown && i%11 != 0
		u.SessionsPerWeek = float64(i % 6)
		u.DaysSinceRegistration = i * 3
		u.Sports = [][]string{nil, {"run"}, {"swim", "yoga"}}[i%3]
		if i%4 == 0 {
			u.Challenges = []uuid.UUID{uuid.New()}
		}
		u.Gear = []offers.Gear{{Type: "shoes", WornFraction: float64(i%10) / 10, HasThreshold: i%3 != 0}}
		users = append(users, u)
	}
	matched := 0
	for _, d := range loadoffers.Definitions(300, 3, t0) {
		o := valid(t, d)
		for _, u := range users {
			want, _ := o.Eligible(u, now)
			assert.Equal(t, want, o.Matches(&u, now), "%+v %+v", d.Targeting, u)
			if want {
				matched++
			}
		}
	}
	assert.NotZero(t, matched)
}
