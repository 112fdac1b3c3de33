package rpc

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/budget"
	clientapi "github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/service"
)

// LivePageLimits are the credential requests one client address may make
// (the anonymous endpoint of the live-tracking page): a page asks once on
// load and then every few minutes; a burst allows a family behind one
// address and reloads.
var LivePageLimits = budget.Limits{Messages: 1, MessageBurst: 30, Items: 1, ItemBurst: 1}

// UserNames asks the client module for users' display names
// (rpc.client.user.get): training keeps no names.
type UserNames struct{ NC *nats.Conn }

// nameTimeout bounds the wait for a display name.
const nameTimeout = time.Second

// DisplayName returns user's display name (waiting at most nameTimeout).
func (u UserNames) DisplayName(ctx context.Context, user string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, nameTimeout)
	defer cancel()
	data, err := json.Marshal(clientapi.UserRequest{UserID: user})
	if err != nil {
		return "", err
	}
	out, err := bus.Request(ctx, u.NC, clientapi.SubjectUserGet, data, nil)
	if err != nil {
		return "", err
	}
	var p clientapi.UserProfile
	if err := json.Unmarshal(out, &p); err != nil {
		return "", err
	}
	return p.DisplayName, nil
}

// RegisterLivePage serves the live-tracking page's operations: watch
// credentials for a share token, valid for ttl (throttled per client address, with the
// athlete's name from names, empty when the client module does not answer
// in time) and their check for the auth callout.
func RegisterLivePage(svc *bus.Service, s *service.Service, names UserNames, ttl time.Duration) error {
	budgets := budget.New(LivePageLimits)
	return handlers(svc, map[string]bus.HandlerFunc{
		api.SubjectLiveCredential: bus.JSON(func(ctx context.Context, in api.LiveCredentialRequest) (api.LiveView, error) {
			now := time.Now()
			if in.ClientIP != "" {
				if ok, wait := budgets.TakeMessage(in.ClientIP, now); !ok {
					secs := max(1, int(wait.Seconds()+0.999))
					return api.LiveView{}, &bus.Error{Code: bus.CodeRateLimited, RetryAfter: secs,
						Message: "too many live-page requests from your address: try again in " + strconv.Itoa(secs) + " s"}
				}
			}
			l, err := s.LiveView(ctx, in.ShareToken, now, ttl)
			if err != nil {
				return api.LiveView{}, err
			}
			// The name is a courtesy: without the client module (not
			// running, slow) the page shows the session without it.
			name, _ := names.DisplayName(ctx, l.Owner.String())
			v := l.View
			v.AthleteName = name
			v.WebSocketURLs = in.WebSocketURLs
			if v.WebSocketURLs == nil {
				v.WebSocketURLs = []string{}
			}
			if len(v.WebSocketURLs) > 0 {
				v.WebSocketURL = v.WebSocketURLs[0]
			}
			return v, nil
		}),
		api.SubjectLiveAuthorize: bus.JSON(func(ctx context.Context, in api.LiveAuthorizeRequest) (api.LiveAuthorization, error) {
			return s.AuthorizeLiveWatch(ctx, in.Credential, time.Now())
		}),
	})
}
