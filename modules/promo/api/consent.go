package api

import "time"

// Marketing consent: promo is its system of record. The app reads and
// changes it over HTTP (/v1/me/marketing); the front forwards to these
// subjects with the caller attached, and it is always the caller's.
const (
	SubjectConsentGet = "rpc.promo.consent.get" // Empty → Consent
	SubjectConsentPut = "rpc.promo.consent.put" // ConsentPut → Consent
)

// Consent is a user's choice about personalised offers. PersonalisedOffers
// false is an objection to personalised marketing (GDPR Art. 21): from the
// next request on, the user gets untargeted offers only. Until the user
// chose, it is true and UpdatedAt is null. Minors and users without a birth
// date get untargeted offers whatever they chose.
type Consent struct {
	PersonalisedOffers bool       `json:"personalised_offers" doc:"false: you object to offers chosen from your facts; you then get untargeted offers only"`
	UpdatedAt          *time.Time `json:"updated_at" doc:"when you last chose; null: never (the default, personalised offers for adults)"`
}

// ConsentPut sets the caller's choice.
type ConsentPut struct {
	PersonalisedOffers *bool `json:"personalised_offers" required:"true" nullable:"false" doc:"false objects to personalised offers, true allows them again"`
}
