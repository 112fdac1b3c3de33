package callout

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/athlos/athlos/bus"
	socialapi "github.com/athlos/athlos/modules/social/api"
	trainingapi "github.com/athlos/athlos/modules/training/api"
)

// Source is a module that grants subjects of its own at connect time
// (see api, Real time, for what it answers and publishes).
type Source struct {
	// Module names the module in logs.
	Module string
	// Subject is its grants RPC ({"user_id"} → {"subscribe": [...]}).
	Subject string
	// Prefix is what every subject it grants starts with; the rest must be
	// one plain token (no wildcards, no dots).
	Prefix string
	// Changed is its event {"user_ids": [...]}: those users' grants
	// changed, their app connections are closed.
	Changed string
}

// grantsRequest, grants and grantsChanged are what a source is asked,
// answers and publishes.
type (
	grantsRequest struct {
		UserID string `json:"user_id"`
	}
	grants struct {
		Subscribe []string `json:"subscribe"`
	}
	grantsChanged struct {
		UserIDs []string `json:"user_ids"`
	}
)

// maxGrantsPerSource bounds what one module may grant one user (the user
// JWT carries every subject).
const maxGrantsPerSource = 1000

// Permissions are what one user may do on NATS.
type Permissions struct {
	// InboxPrefix is the only inbox prefix the user may subscribe under.
	InboxPrefix string
	Publish     []string
	Subscribe   []string
}

// Own returns the subjects every user has: its telemetry (one session
// per subject), its chat messages (chat.in.<user>.<group>: the social
// module answers only a member's), the live figures of its own sessions (those it starts
// after connecting too), its notifications, what the server refused of
// its publishes, and its inbox (user is a canonical UUID).
func Own(user string) Permissions {
	inbox := bus.AppInboxPrefix(user)
	return Permissions{
		InboxPrefix: inbox,
		Publish:     []string{trainingapi.TelemetrySubject(user, "*"), socialapi.ChatInSubject(user, "*")},
		Subscribe: []string{trainingapi.LiveSessionSubjects(user), bus.SubjectNotify + user, bus.SubjectRefused + user,
			inbox + ".>"},
	}
}

// PartialGrantsTTL is how long a connection lives by default whose grants
// lack a running source's (Config.PartialGrantsTTL).
const PartialGrantsTTL = 30 * time.Second

// permissions asks the sources (in parallel) what else user may
// subscribe to. A source that is not running grants nothing. One that is
// running but fails or does not answer in time (its process on a node
// that was just lost, say) is asked once more within ctx; if it still
// does not answer, it grants nothing and complete is false: the connection
// still gets the user's own subjects and the others' grants.
func (c *Callout) permissions(ctx context.Context, user string) (p Permissions, complete bool) {
	p = Own(user)
	body, _ := json.Marshal(grantsRequest{UserID: user})
	grants := make([][]string, len(c.sources))
	answered := make([]bool, len(c.sources))
	var wg sync.WaitGroup
	for i, src := range c.sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			grants[i], answered[i] = c.ask(ctx, src, user, body)
			if !answered[i] && ctx.Err() == nil {
				grants[i], answered[i] = c.ask(ctx, src, user, body)
			}
		}()
	}
	wg.Wait()
	for _, g := range grants {
		p.Subscribe = append(p.Subscribe, g...)
	}
	return p, !slices.Contains(answered, false)
}

// ask asks src for user's grants: answered is false when src runs but
// gave no usable answer.
func (c *Callout) ask(ctx context.Context, src Source, user string, body []byte) (subjects []string, answered bool) {
	ctx, cancel := context.WithTimeout(ctx, c.grantTimeout)
	defer cancel()
	data, err := bus.Request(ctx, c.nc, src.Subject, body, nil)
	if err != nil {
		// No responders fails at once: the module is not deployed, which
		// is normal. A timeout or an error of a running module is not.
		if bus.NotRunning(err) {
			c.log.Debug("realtime grants: the module does not run; granting none of its subjects",
				"module", src.Module, "user", user, "err", err)
			return nil, true
		}
		c.log.Warn("realtime grants unavailable; granting none of the module's subjects for now",
			"module", src.Module, "user", user, "err", err)
		return nil, false
	}
	var g grants
	if err := json.Unmarshal(data, &g); err != nil {
		c.log.Warn("realtime grants: bad reply", "module", src.Module, "err", err)
		return nil, false
	}
	out := make([]string, 0, len(g.Subscribe))
	for _, s := range g.Subscribe {
		if !grantable(src.Prefix, s) {
			c.log.Warn("realtime grants: ignoring a subject outside the module's own", "module", src.Module, "subject", s)
			continue
		}
		if len(out) == maxGrantsPerSource {
			c.log.Warn("realtime grants: too many subjects, ignoring the rest", "module", src.Module, "user", user, "max", maxGrantsPerSource)
			break
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return slices.Compact(out), true
}

// grantable reports whether s is prefix followed by one plain token.
func grantable(prefix, s string) bool {
	if len(s) <= len(prefix) || len(s) > len(prefix)+128 || s[:len(prefix)] != prefix {
		return false
	}
	for _, r := range s[len(prefix):] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
