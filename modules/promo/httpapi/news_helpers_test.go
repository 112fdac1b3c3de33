package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/promo/api"
	trainingapi "github.com/athlos/athlos/modules/training/api"
)

// newsApp is an app running the client and promo modules, as the news'
// tests use it: users sign up and set their profile through client (promo
// learns their facts from its events); training's session events are
// published as training would publish them.
type newsApp struct {
	*apptest.App
	t  testing.TB
	js *bus.Conn
}

// newsUser is a signed-up user.
type newsUser struct {
	id    string
	token string
}

func startNews(t testing.TB) *newsApp {
	a := apptest.Start(t, "client", "promo")
	return &newsApp{App: a, t: t, js: bustest.Conn(t, a.NATS)}
}

// signUp registers a user with a profile (language, country, birth date;
// "" leaves one unset) and waits until promo's facts have it.
func (a *newsApp) signUp(email, language, country, birthDate string) newsUser {
	a.t.Helper()
	tok := a.SignUp(email)
	profile := map[string]any{}
	if language != "" {
		profile["language"] = language
	}
	if country != "" {
		profile["country"] = country
	}
	if birthDate != "" {
		profile["birth_date"] = birthDate
	}
	r := a.Do(http.MethodPatch, "/v1/me", tok.AccessToken, profile)
	require.Equal(a.t, http.StatusOK, r.Status, string(r.Body))
	var me struct {
		UserID   string `json:"user_id"`
		Language string `json:"language"`
	}
	r.JSON(a.t, &me)
	db := a.DB(a.t)
	require.Eventually(a.t, func() bool {
		var lang, ctry string
		var birth *time.Time
		err := db.QueryRow(context.Background(), `SELECT language, country, birth_date FROM promo.users WHERE user_id = $1`, me.UserID).
			Scan(&lang, &ctry, &birth)
		return err == nil && lang == me.Language && ctry == country && (birth != nil) == (birthDate != "")
	}, 10*time.Second, 20*time.Millisecond, "promo knows %s", email)
	return newsUser{id: me.UserID, token: tok.AccessToken}
}

// admin signs up an administrator.
func (a *newsApp) admin(email string) newsUser {
	a.t.Helper()
	u := a.signUp(email, "en", "", "")
	u.token = a.Promote(email)
	return u
}

// sessions publishes finished sessions of u in sport (started days ago)
// and waits until promo's facts have them.
func (a *newsApp) sessions(u newsUser, sport string, n int) {
	a.t.Helper()
	start := time.Now().Add(-48 * time.Hour).UTC().Truncate(time.Second)
	var ids []string
	for range n {
		id := uuid.NewString()
		ids = append(ids, id)
		data, err := json.Marshal(trainingapi.SessionCompleted{SessionID: id, UserID: u.id, Sport: sport, StartedAt: start,
			CompletedAt: start.Add(time.Hour), DistanceM: 10000, MovingTimeS: 3000, ElapsedTimeS: 3600, Plausible: true,
			Visibility: "private", Revision: 1})
		require.NoError(a.t, err)
		m := nats.NewMsg(trainingapi.EventSessionCompleted)
		m.Data = data
		m.Header.Set(nats.MsgIdHdr, uuid.NewString())
		_, err = a.js.JS.PublishMsg(context.Background(), m)
		require.NoError(a.t, err)
	}
	db := a.DB(a.t)
	require.Eventually(a.t, func() bool {
		var got int
		err := db.QueryRow(context.Background(), `SELECT count(*) FROM promo.user_sessions WHERE session_id::text = ANY($1)`, ids).Scan(&got)
		return err == nil && got == n
	}, 10*time.Second, 20*time.Millisecond, "promo knows the sessions")
}

// create posts a news item as admin.
func (a *newsApp) create(admin newsUser, draft map[string]any) api.AdminNews {
	a.t.Helper()
	r := a.Do(http.MethodPost, "/v1/admin/news", admin.token, draft)
	require.Equal(a.t, http.StatusCreated, r.Status, string(r.Body))
	var n api.AdminNews
	r.JSON(a.t, &n)
	return n
}

// feed reads a page of u's feed.
func (a *newsApp) feed(u newsUser, query string) api.NewsPage {
	a.t.Helper()
	r := a.Do(http.MethodGet, "/v1/news"+query, u.token, nil)
	require.Equal(a.t, http.StatusOK, r.Status, string(r.Body))
	var p api.NewsPage
	r.JSON(a.t, &p)
	return p
}

// titles reads u's whole feed, the titles in order.
func (a *newsApp) titles(u newsUser) []string {
	a.t.Helper()
	var out []string
	q := "?limit=2"
	for {
		p := a.feed(u, q)
		for _, it := range p.Items {
			out = append(out, it.Title)
		}
		if p.NextCursor == nil {
			return out
		}
		q = "?limit=2&cursor=" + *p.NextCursor
	}
}

// publishedNews is a draft published an hour ago.
func publishedNews(title, lang string, extra map[string]any) map[string]any {
	d := map[string]any{"title": title, "body": "About *" + title + "*", "language": lang,
		"publish_at": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339Nano)}
	for k, v := range extra {
		d[k] = v
	}
	return d
}
