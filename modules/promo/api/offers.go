package api

import (
	"encoding/json"
	"time"
)

// Subjects of the offers' operations. They all need a caller; the admin
// ones a caller with the role admin.
const (
	SubjectOffersServe     = "rpc.promo.offers.serve"      // OffersRequest → OfferList
	SubjectOfferWhy        = "rpc.promo.offers.why"        // OfferRef → OfferWhy
	SubjectOfferImpression = "rpc.promo.offers.impression" // OfferRef → OfferEventAnswer
	SubjectOfferClick      = "rpc.promo.offers.click"      // OfferRef → OfferEventAnswer
	SubjectOfferDismiss    = "rpc.promo.offers.dismiss"    // OfferRef → {}

	SubjectAdminOfferCreate = "rpc.promo.admin.offers.create" // OfferCreate → AdminOffer
	SubjectAdminOfferList   = "rpc.promo.admin.offers.list"   // AdminOffersRequest → AdminOfferPage
	SubjectAdminOfferGet    = "rpc.promo.admin.offers.get"    // OfferRef → AdminOffer
	SubjectAdminOfferPatch  = "rpc.promo.admin.offers.patch"  // OfferPatch → AdminOffer
	SubjectAdminOfferDelete = "rpc.promo.admin.offers.delete" // OfferRef → {}
	SubjectAdminOfferStats  = "rpc.promo.admin.offers.stats"  // OfferRef → OfferStats
)

// OfferRef names an offer (its path id).
type OfferRef struct {
	ID string `json:"id"`
}

// OfferContent is an offer's text in one language.
type OfferContent struct {
	Title string `json:"title" minLength:"1" maxLength:"120" doc:"plain text"`
	Body  string `json:"body,omitempty" maxLength:"2000" doc:"plain text"`
}

// FrequencyCap limits how often one user is shown an offer: Count
// impressions per period (fixed windows from the offer's start).
type FrequencyCap struct {
	Count   int   `json:"count" minimum:"1" maximum:"1000" doc:"impressions per user per period"`
	PeriodS int64 `json:"period_s" minimum:"60" maximum:"31536000" doc:"the period in seconds (60 s to 365 days)"`
}

// OfferBudget is an offer's total budget: impressions (required) and
// clicks (0: no click limit).
type OfferBudget struct {
	Impressions int64 `json:"impressions" minimum:"1" maximum:"1000000000" doc:"impressions it may be shown, in total"`
	Clicks      int64 `json:"clicks,omitempty" minimum:"0" maximum:"1000000000" doc:"clicks it may be paid for, in total; 0 or absent: no click limit"`
}

// AgeRange targets users by age in whole years; never under 18.
type AgeRange struct {
	Min int  `json:"min,omitempty" minimum:"18" maximum:"120" doc:"at least 18 (no profiling-based offers to minors); absent: 18"`
	Max *int `json:"max,omitempty" minimum:"18" maximum:"120"`
}

// NumberRange is an inclusive range; either end may be absent.
type NumberRange struct {
	Min *float64 `json:"min,omitempty" minimum:"0" maximum:"100"`
	Max *float64 `json:"max,omitempty" minimum:"0" maximum:"100"`
}

// NewUsersRule targets users registered at most MaxDays days ago.
type NewUsersRule struct {
	MaxDays int `json:"max_days_since_registration" minimum:"1" maximum:"3650"`
}

// GearRule targets users with an item of gear of Type worn at least
// MinWornFraction of its replacement distance.
type GearRule struct {
	Type            string  `json:"type" enum:"shoes,bike,wetsuit,skis,snowboard,paddle,boat,rowing_machine,treadmill,indoor_trainer,other"`
	MinWornFraction float64 `json:"min_worn_fraction,omitempty" minimum:"0" maximum:"10" doc:"distance / replacement threshold, e.g. 0.8; 0: any item of the type"`
}

// ChallengeRule targets challenge participants: of any challenge (Any) or
// of the listed ones.
type ChallengeRule struct {
	Any bool     `json:"any,omitempty" doc:"participants of any challenge"`
	IDs []string `json:"ids,omitempty" maxItems:"50" doc:"participants of one of these challenges"`
}

// Targeting is an offer's targeting, rules in a fixed schema: a user must
// match every rule given; an offer without rules is untargeted. Any key
// naming health data (heart rate, weight, BMI, training load, fitness,
// fatigue, HR zones, resting HR, VO2max, FTP, sleep …) is refused: the
// DSA, Art. 26(3), forbids ads based on profiling with special-category
// data.
type Targeting struct {
	_               struct{}       `additionalProperties:"true"`
	Countries       []string       `json:"countries,omitempty" maxItems:"250" doc:"ISO 3166-1 alpha-2, e.g. DE"`
	Languages       []string       `json:"languages,omitempty" maxItems:"100" doc:"BCP 47, e.g. de, pt-BR; de matches de-AT too"`
	Sports          []string       `json:"sports,omitempty" maxItems:"12" doc:"users who practised one of them (a finished session in the last 90 days)"`
	Age             *AgeRange      `json:"age,omitempty"`
	SessionsPerWeek *NumberRange   `json:"sessions_per_week,omitempty" doc:"finished sessions of the last 28 days / 4"`
	NewUsers        *NewUsersRule  `json:"new_users,omitempty"`
	Gear            []GearRule     `json:"gear,omitempty" maxItems:"20" doc:"users with an item matching one of them"`
	Challenges      *ChallengeRule `json:"challenges,omitempty"`
}

// OfferDefinition is what an admin gives for an offer.
type OfferDefinition struct {
	Name            string                  `json:"name" minLength:"1" maxLength:"200" doc:"for admins only"`
	Content         map[string]OfferContent `json:"content" doc:"title and body per language (BCP 47 keys, e.g. en, de, pt-BR); 1 to 50 languages"`
	DefaultLanguage string                  `json:"default_language" doc:"one of content's keys: served to users whose language has no text"`
	ImageURL        string                  `json:"image_url,omitempty" maxLength:"2048" doc:"https or http"`
	CTAURL          string                  `json:"cta_url" maxLength:"2048" doc:"the call to action; https or http"`
	StartsAt        time.Time               `json:"starts_at"`
	EndsAt          time.Time               `json:"ends_at" doc:"after starts_at, at most 2 years later"`
	Priority        int                     `json:"priority,omitempty" minimum:"0" maximum:"100" doc:"higher first among offers of equal targeting fit"`
	FrequencyCap    *FrequencyCap           `json:"frequency_cap,omitempty" doc:"absent: no per-user limit"`
	Budget          OfferBudget             `json:"budget"`
	Targeting       Targeting               `json:"targeting,omitzero" doc:"absent or {}: untargeted"`
}

// AdminOffer is an offer as admins see it.
type AdminOffer struct {
	ID string `json:"id" format:"uuid"`
	OfferDefinition
	Spent     OfferSpend `json:"spent"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	DeletedAt *time.Time `json:"deleted_at,omitempty" doc:"a deleted offer is no longer served; its figures stay"`
}

// OfferSpend is what an offer has used of its budget.
type OfferSpend struct {
	Impressions int64 `json:"impressions" doc:"counted impressions"`
	Clicks      int64 `json:"clicks" doc:"counted clicks"`
	Reserved    int64 `json:"reserved" doc:"impressions held by lists served and not reported yet (they expire)"`
}

// AdminOffersRequest asks for a page of offers.
type AdminOffersRequest struct {
	Limit          int    `json:"limit,omitempty"`
	Cursor         string `json:"cursor,omitempty"`
	IncludeDeleted bool   `json:"include_deleted,omitempty"`
}

// AdminOfferPage is a page of offers, newest first.
type AdminOfferPage struct {
	Items      []AdminOffer `json:"items"`
	NextCursor *string      `json:"next_cursor"`
}

// OfferPatch is a JSON merge patch (RFC 7396) of an offer's definition.
type OfferPatch struct {
	ID    string          `json:"id"`
	Patch json.RawMessage `json:"patch"`
}

// OfferCreate is a raw offer definition, as the admin sent it (the module
// decodes it strictly, so that a refused targeting key is named).
type OfferCreate struct {
	Definition json.RawMessage `json:"definition"`
}

// OffersRequest asks for the offers the caller is eligible for now.
type OffersRequest struct {
	Limit int `json:"limit,omitempty"`
}

// WhyRule is one rule of an offer that matched the caller, with the fact
// that matched it.
type WhyRule struct {
	Rule string `json:"rule" doc:"the targeting rule, e.g. countries, age, gear"`
	Fact string `json:"fact" doc:"your fact that matched it, e.g. country DE, age 34"`
}

// Why says why an offer is shown.
type Why struct {
	Targeted bool      `json:"targeted" doc:"false: shown to everyone (untargeted)"`
	Rules    []WhyRule `json:"rules" doc:"the targeting rules that matched, with your facts"`
	Summary  string    `json:"summary" doc:"in English"`
}

// Offer is an offer as a user is shown it.
type Offer struct {
	ID       string    `json:"id" format:"uuid"`
	Language string    `json:"language" doc:"the language of title and body"`
	Title    string    `json:"title"`
	Body     string    `json:"body"`
	ImageURL string    `json:"image_url,omitempty"`
	CTAURL   string    `json:"cta_url"`
	EndsAt   time.Time `json:"ends_at"`
	Why      Why       `json:"why"`
}

// OfferList is the offers the caller is eligible for now, best first.
type OfferList struct {
	Items []Offer `json:"items"`
	// ReservedUntil is when the list's reservations expire: report an
	// impression before it.
	ReservedUntil time.Time `json:"reserved_until" doc:"report impressions before this; later ones count only while the budget allows"`
}

// OfferWhy answers "why am I seeing this".
type OfferWhy struct {
	ID       string `json:"id" format:"uuid"`
	Eligible bool   `json:"eligible" doc:"whether you are eligible for it now as far as its schedule, its targeting and your dismissal go (budgets and caps aside)"`
	Why      Why    `json:"why"`
}

// OfferEventAnswer says whether an impression or click was counted.
type OfferEventAnswer struct {
	Counted bool   `json:"counted" doc:"false when the offer's budget (or your frequency cap) had no room: recorded, not counted"`
	Reason  string `json:"reason,omitempty"`
}

// OfferDayStats are an offer's figures of one UTC day.
type OfferDayStats struct {
	Day         string  `json:"day" format:"date"`
	Impressions int64   `json:"impressions"`
	Clicks      int64   `json:"clicks"`
	CTR         float64 `json:"ctr" doc:"clicks / impressions; 0 without impressions"`
	Uncounted   int64   `json:"uncounted" doc:"impressions and clicks reported past the budget or cap (not counted)"`
}

// OfferStats are an offer's figures.
type OfferStats struct {
	ID                string          `json:"id" format:"uuid"`
	Impressions       int64           `json:"impressions"`
	Clicks            int64           `json:"clicks"`
	CTR               float64         `json:"ctr"`
	Reserved          int64           `json:"reserved"`
	BudgetImpressions int64           `json:"budget_impressions"`
	BudgetClicks      int64           `json:"budget_clicks" doc:"0: no click limit"`
	SpentFraction     float64         `json:"spent_fraction" doc:"impressions / budget (or clicks / click budget when that is higher)"`
	PacedImpressions  int64           `json:"paced_impressions" doc:"impressions pacing allows by now"`
	Days              []OfferDayStats `json:"days" doc:"UTC days, oldest first"`
}
