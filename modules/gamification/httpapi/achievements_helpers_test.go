package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/gamification/api"
	trainingapi "github.com/athlos/athlos/modules/training/api"
)

// achApp is an app running the client and gamification modules, as the
// achievements' tests use it: training's events are published as training
// would publish them (with the times and revisions a test needs).
type achApp struct {
	*apptest.App
	t  *testing.T
	js *bus.Conn
	// sessionSeq is the stream sequence of the last training session
	// event published.
	sessionSeq uint64
}

// achUser is a signed-up user.
type achUser struct {
	id    string
	token string
}

func startAchievements(t *testing.T) *achApp {
	a := apptest.Start(t, "client", "gamification")
	return &achApp{App: a, t: t, js: bustest.Conn(t, a.NATS)}
}

// signUp registers a user and waits until gamification knows them (the
// users read model), in time zone tz.
func (a *achApp) signUp(email, tz string) achUser {
	a.t.Helper()
	tok := a.SignUp(email)
	r := a.Do(http.MethodPatch, "/v1/me", tok.AccessToken, map[string]any{"time_zone": tz})
	require.Equal(a.t, http.StatusOK, r.Status, string(r.Body))
	var me struct {
		UserID string `json:"user_id"`
	}
	r.JSON(a.t, &me)
	db := a.DB(a.t)
	require.Eventually(a.t, func() bool {
		var got string
		err := db.QueryRow(context.Background(), `SELECT time_zone FROM gamification.users WHERE user_id = $1`, me.UserID).Scan(&got)
		return err == nil && got == tz
	}, 10*time.Second, 20*time.Millisecond, "gamification knows %s", email)
	return achUser{id: me.UserID, token: tok.AccessToken}
}

// admin signs up an administrator.
func (a *achApp) admin(email string) achUser {
	a.t.Helper()
	u := a.signUp(email, "UTC")
	u.token = a.Promote(email)
	return u
}

// mine is the user's achievements.
func (a *achApp) mine(u achUser) api.MyAchievements {
	a.t.Helper()
	r := a.Do(http.MethodGet, "/v1/me/achievements", u.token, nil)
	require.Equal(a.t, http.StatusOK, r.Status, string(r.Body))
	var out api.MyAchievements
	r.JSON(a.t, &out)
	return out
}

// item is one achievement of the user's (nil when not listed).
func item(m api.MyAchievements, id string) *api.MyAchievement {
	for i := range m.Items {
		if m.Items[i].ID == id {
			return &m.Items[i]
		}
	}
	return nil
}

// eventually waits until the user's achievements satisfy ok.
func (a *achApp) eventually(u achUser, what string, ok func(api.MyAchievements) bool) api.MyAchievements {
	a.t.Helper()
	var m api.MyAchievements
	require.Eventually(a.t, func() bool {
		m = a.mine(u)
		return ok(m)
	}, 15*time.Second, 25*time.Millisecond, what)
	return m
}

// publish puts an event on a stream as its module would (a message id
// of its own: a redelivery is the same id).
func (a *achApp) publish(subject, msgID string, payload any) {
	a.t.Helper()
	data, err := json.Marshal(payload)
	require.NoError(a.t, err)
	m := nats.NewMsg(subject)
	m.Data = data
	m.Header.Set(nats.MsgIdHdr, msgID)
	ack, err := a.js.JS.PublishMsg(context.Background(), m)
	require.NoError(a.t, err)
	if strings.HasPrefix(subject, "evt.training.session.") {
		a.sessionSeq = max(a.sessionSeq, ack.Sequence)
	}
}

// session publishes a training session event for u.
func (a *achApp) session(subject string, u achUser, id string, rev int64, sport string, start time.Time, km float64) {
	a.t.Helper()
	a.publish(subject, uuid.NewString(), trainingapi.SessionCompleted{SessionID: id, UserID: u.id, Sport: sport, StartedAt: start,
		CompletedAt: start.Add(time.Hour), DistanceM: km * 1000, MovingTimeS: 3000, ElapsedTimeS: 3600, Plausible: true,
		Visibility: "private", Revision: rev})
}

// drained waits until the module's consumer of training's session events
// has handled every message on the stream: the last one published
// acknowledged, with all before it, and none pending.
func (a *achApp) drained() {
	a.t.Helper()
	ctx := context.Background()
	require.Eventually(a.t, func() bool {
		c, err := a.js.JS.Consumer(ctx, "EVT_TRAINING", "gamification__evt_training_session")
		if err != nil {
			return false
		}
		info, err := c.Info(ctx)
		return err == nil && info.AckFloor.Stream >= a.sessionSeq && info.NumPending == 0 && info.NumAckPending == 0
	}, 15*time.Second, 25*time.Millisecond, "the session consumer drained")
}

// unlockedEvents counts the achievement.unlocked events of u on the stream.
func (a *achApp) unlockedEvents(u achUser) map[string]int {
	a.t.Helper()
	ctx := context.Background()
	st, err := a.js.JS.Stream(ctx, "EVT_GAMIFICATION")
	require.NoError(a.t, err)
	info, err := st.Info(ctx)
	require.NoError(a.t, err)
	out := map[string]int{}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil || m.Subject != api.EventAchievementUnlocked {
			continue
		}
		var ev api.AchievementUnlocked
		require.NoError(a.t, json.Unmarshal(m.Data, &ev))
		if ev.UserID == u.id {
			out[ev.AchievementID+"/"+ev.TierName]++
		}
	}
	return out
}
