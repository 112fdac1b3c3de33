package bus

import (
	"fmt"
	"strings"

	"github.com/nats-io/nats-server/v2/server"
)

// AppAccount is the NATS account app users are placed in by the auth
// callout. It is not Athlos's own account: no internal subject (rpc.*,
// evt.*, $JS.API.*, the streams' subjects) exists in it, so no publish
// and no reply subject an app chooses can reach one. What apps receive
// comes in from Athlos's account through stream imports (AppImports);
// what they send is answered by Athlos's handlers inside this account
// (Ingress), which store it through Athlos's own connection.
const AppAccount = "APP"

// AppUser is the user of Athlos's connections in the app account (the
// ingress handlers). Like the service user it may connect over TCP or in
// process, never over the WebSocket listener; on the embedded server it
// has the service user's password.
const AppUser = "athlos-app"

// AppImports are the subjects Athlos's account exports to the app account
// and the app account imports: what Athlos publishes for apps. Each user
// may subscribe only to its own or granted ones (the callout's grants):
// notify.<user>, chat.<group>, live.session.<user>.<session> (the live
// figures of a user's own session), live.watch.<session> (the same
// figures for watchers) and refused.<user>.
var AppImports = []string{SubjectNotify + "*", SubjectChat + "*", SubjectLiveSession + "*.*", SubjectLiveWatch + "*", SubjectRefused + "*"}

// SubjectRefused is the prefix of refused.<user>: where an app hears what
// the server refused of what it published, when the refusal could not be
// the answer to its request (it sent none, or the refusal came later, at
// storing). Not stored: an app that is not listening misses it.
const SubjectRefused = "refused."

// The prefixes of the subjects the platform's streams and the app account
// are built on. The modules that own what travels there declare the same
// prefixes in their api packages (which import nothing but the standard
// library); modules/registry_test.go checks that the two agree.
const (
	// SubjectNotify is the prefix of notify.<user>, a user's
	// notifications (stream NOTIFY).
	SubjectNotify = "notify."
	// SubjectChat is the prefix of chat.<group>, a group's messages
	// (stream CHAT).
	SubjectChat = "chat."
	// SubjectTelemetry is the prefix of live.telemetry.<user>.<session>,
	// where apps publish workout points (stream TELEMETRY).
	SubjectTelemetry = "live.telemetry."
	// SubjectLiveSession is the prefix of live.session.<user>.<session>,
	// a session's live figures for its owner.
	SubjectLiveSession = "live.session."
	// SubjectLiveWatch is the prefix of live.watch.<session>, a session's
	// live figures for its watchers.
	SubjectLiveWatch = "live.watch."
)

// Limits the server applies to every connection of the app account (the
// account's own limits: nats-server ignores the limits of the user JWTs
// the auth callout hands out).
const (
	// AppMaxPayload is the largest message an app may publish: the
	// largest telemetry message a stream takes.
	AppMaxPayload = TelemetryMaxMsgSize
	// AppMaxSubscriptions per connection.
	AppMaxSubscriptions = 1000
)

// AppInboxPrefix is the only inbox prefix user may subscribe under, and
// the only one an ingress answers to: a request of user's is answered
// only on a subject under AppInboxPrefix(user)+".".
func AppInboxPrefix(user string) string { return "_INBOX_" + user }

// appAccounts are the accounts of the embedded server: Athlos's own, which
// is NATS's global account (where JetStream has always kept the streams),
// with JetStream and the exports to the app account, and the app account
// with its imports and limits. They are parsed from a configuration like
// the one docs/configuration.md gives for an external NATS, under a
// stand-in name for the global account (the configuration language
// reserves $G), then renamed: the server copies a declared global
// account's settings into its own.
func appAccounts() ([]*server.Account, error) {
	const standIn = "ATHLOS_INTERNAL"
	var exports, imports []string
	for _, s := range AppImports {
		exports = append(exports, fmt.Sprintf("{stream: %q, accounts: [%s]}", s, AppAccount))
		imports = append(imports, fmt.Sprintf("{stream: {account: %s, subject: %q}}", standIn, s))
	}
	conf := fmt.Sprintf("accounts {\n  %s: { jetstream: enabled, exports: [%s] }\n"+
		"  %s: { imports: [%s], limits: { max_payload: %d, max_subscriptions: %d } }\n}\n",
		standIn, strings.Join(exports, ", "), AppAccount, strings.Join(imports, ", "), AppMaxPayload, AppMaxSubscriptions)
	var o server.Options
	if err := o.ProcessConfigString(conf); err != nil {
		return nil, fmt.Errorf("bus: the app account's configuration: %w", err)
	}
	for _, a := range o.Accounts {
		if a.Name == standIn {
			a.Name = server.DEFAULT_GLOBAL_ACCOUNT
		}
	}
	return o.Accounts, nil
}
