package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/nats-io/nats.go"

	gw "github.com/athlos/athlos/internal/httpkit"
	"github.com/athlos/athlos/modules/promo/api"
)

// maxConsentBody bounds a consent change's body: one boolean.
const maxConsentBody = 1 << 10

type consentPutInput struct {
	Body api.ConsentPut
}

func consentOperations(a huma.API, nc *nats.Conn) {
	tags := []string{"promo"}
	huma.Register(a, gw.DocumentRaw[api.Consent](a, huma.Operation{
		OperationID: "get-marketing-consent", Method: http.MethodGet, Path: "/v1/me/marketing", Tags: tags,
		Summary: "Your choice about personalised offers",
		Description: "Whether offers may be chosen from the facts promo keeps of you (country, language, age, sports " +
			"and how often you train, gear, challenges; never health data). True until you object. Minors and users " +
			"without a birth date get untargeted offers only, whatever they chose.",
		Security: gw.Authenticated,
	}), func(ctx context.Context, _ *struct{}) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectConsentGet, struct{}{})
	})
	huma.Register(a, gw.DocumentErrors(a, gw.DocumentRaw[api.Consent](a, huma.Operation{
		OperationID: "put-marketing-consent", Method: http.MethodPut, Path: "/v1/me/marketing", Tags: tags,
		Summary: "Object to (or allow) personalised offers",
		Description: "personalised_offers false objects to personalised marketing (GDPR Art. 21): from your next " +
			"request on you get untargeted offers only. True allows them again. Answers your choice and when you made it.",
		MaxBodyBytes: maxConsentBody, Security: gw.Authenticated,
	}), http.StatusNotFound), func(ctx context.Context, in *consentPutInput) (*gw.RawJSON, error) {
		return gw.Forward(ctx, nc, api.SubjectConsentPut, in.Body)
	})
}
