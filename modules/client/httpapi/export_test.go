package httpapi_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules"
	"github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/client/internal/mail/mailtest"
	socialapi "github.com/athlos/athlos/modules/social/api"
	trainingapi "github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/platform"
)

// exportUser is a signed-up user of the export tests.
type exportUser struct {
	id, email, token string
}

func exportSignUp(a *apptest.App, email string) exportUser {
	tok := a.SignUp(email)
	return exportUser{id: tok.UserID, email: email, token: tok.AccessToken}
}

// finishedRun records a live run of n points ending at end over HTTP,
// finishes it and returns its id.
func finishedRun(t *testing.T, a *apptest.App, token, title string, n int, lat float64) string {
	t.Helper()
	r := a.Do(http.MethodPost, "/v1/sessions", token, map[string]any{"sport": "run", "title": title})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var s struct {
		ID        string    `json:"id"`
		StartedAt time.Time `json:"started_at"`
	}
	r.JSON(t, &s)
	points := make([]map[string]any, n)
	for i := range points {
		points[i] = map[string]any{"t": s.StartedAt.Add(time.Duration(i-n+1) * time.Second).UTC().Format(time.RFC3339),
			"lat": lat + float64(i)*3/111_257.0, "lon": 13.4, "ele": 34.0, "hr": 140 + i%20}
	}
	r = a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/points", token, map[string]any{"points": points})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r = a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/finish", token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	return s.ID
}

// gpxFile is a small GPX 1.1 track of n points a second apart ending at
// end, as a watch would write it.
func gpxFile(name string, n int, end time.Time) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<gpx version="1.1" creator="test watch" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>` + name + `</name><type>running</type><trkseg>` + "\n")
	for i := range n {
		t := end.Add(time.Duration(i-n+1) * time.Second).UTC().Format(time.RFC3339)
		fmt.Fprintf(&b, `<trkpt lat="%.6f" lon="13.300000"><ele>40</ele><time>%s</time></trkpt>`+"\n", 48.1+float64(i)*3/111_257.0, t)
	}
	b.WriteString("</trkseg></trk></gpx>\n")
	return []byte(b.String())
}

// waitExport polls GET /v1/me/export until the export is no longer
// pending and returns it.
func waitExport(t *testing.T, a *apptest.App, token string) api.Export {
	t.Helper()
	var e api.Export
	require.Eventually(t, func() bool {
		r := a.Do(http.MethodGet, "/v1/me/export", token, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		r.JSON(t, &e)
		return e.Status != api.ExportPending
	}, 60*time.Second, 100*time.Millisecond)
	return e
}

// download fetches the caller's archive and opens it.
func download(t *testing.T, a *apptest.App, token string) ([]byte, *zip.Reader) {
	t.Helper()
	r := a.Do(http.MethodGet, api.ExportDownloadPath, token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	assert.Equal(t, "application/zip", r.Header.Get("Content-Type"))
	assert.Contains(t, r.Header.Get("Content-Disposition"), "attachment")
	assert.Equal(t, strconv.Itoa(len(r.Body)), r.Header.Get("Content-Length"))
	assert.NotEmpty(t, r.Header.Get("ETag"))
	zr, err := zip.NewReader(bytes.NewReader(r.Body), int64(len(r.Body)))
	require.NoError(t, err)
	return r.Body, zr
}

func zipFile(t *testing.T, zr *zip.Reader, name string) []byte {
	t.Helper()
	f, err := zr.Open(name)
	require.NoError(t, err, "the archive holds %s", name)
	defer f.Close()
	b, err := io.ReadAll(f)
	require.NoError(t, err)
	return b
}

// An export holds what it lists, each part checked against what the test
// made through the front: the profile and gear, the sessions with their
// figures and the GPX of their routes (an imported one too), a plan, the
// groups and the messages the user wrote, achievements and the challenge
// joined; and nothing of another member of the same group (their
// messages, their sessions, their address). The user is told by a
// notification; the archive is theirs alone to download; asking again
// while it is built answers the same export, and again after it is
// ready waits a day.
func TestExportHoldsTheUsersDataAndNothingElse(t *testing.T) {
	t.Parallel()
	smtp := mailtest.Start(t)
	a := apptest.StartConfig(t, func(_ *platform.Config, c *modules.Configs) {
		c.Client.Mail = smtp.Config()
		c.Client.PublicURL = "https://athlos.example"
	}, "client", "training", "social", "gamification", "promo")
	ana, bob := exportSignUp(a, "ana@example.com"), exportSignUp(a, "bob@example.com")
	// Ana reads German, and objects to personalised offers.
	r := a.Do(http.MethodPatch, "/v1/me", ana.token, map[string]any{"language": "de"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Eventually(t, func() bool {
		return a.Do(http.MethodPut, "/v1/me/marketing", ana.token, map[string]any{"personalised_offers": false}).Status == http.StatusOK
	}, 20*time.Second, 100*time.Millisecond)

	// Profile and gear.
	r = a.Do(http.MethodPatch, "/v1/me", ana.token, map[string]any{"first_name": "Ana", "last_name": "Lopez", "weight_kg": 61.5})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r = a.Do(http.MethodPost, "/v1/me/gear", ana.token, map[string]any{"type": "shoes", "brand": "Brooks", "model": "Ghost"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var shoes struct {
		ID string `json:"id"`
	}
	r.JSON(t, &shoes)

	// Sessions: two live runs, an imported file, and Bob's.
	live1 := finishedRun(t, a, ana.token, "Morning run", 300, 52.5)
	live2 := finishedRun(t, a, ana.token, "Evening run", 200, 52.6)
	bobRun := finishedRun(t, a, bob.token, "Bob's secret run", 200, 40.0)
	imported := gpxFile("Imported race", 400, time.Now().Add(-48*time.Hour).Truncate(time.Second))
	r = a.Upload("/v1/sessions/import", ana.token, map[string]string{"title": "Race from my watch"}, "file", "race.gpx", imported)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var imp struct {
		Session struct {
			ID string `json:"id"`
		} `json:"session"`
	}
	r.JSON(t, &imp)
	require.NotEmpty(t, imp.Session.ID)

	// A plan.
	r = a.Do(http.MethodPost, "/v1/plans", ana.token, map[string]any{"sport": "run",
		"goal":     map[string]any{"kind": "fitness"},
		"schedule": map[string]any{"days": []string{"monday", "wednesday", "friday"}, "max_minutes": 60}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var plan struct {
		ID string `json:"id"`
	}
	r.JSON(t, &plan)

	// A group both are in, where both write.
	r = a.Do(http.MethodPost, "/v1/groups", ana.token, map[string]any{"name": "Dawn Runners"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var group struct {
		ID string `json:"id"`
	}
	r.JSON(t, &group)
	require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/groups/"+group.ID+"/join", bob.token, nil).Status)
	for _, m := range []struct {
		who  exportUser
		text string
	}{
		{ana, "Who's in for Sunday?"}, {bob, "Bob's private plans for Sunday"}, {ana, "Meet at 7 at the gate"},
	} {
		r = a.Do(http.MethodPost, "/v1/groups/"+group.ID+"/messages", m.who.token, map[string]any{"text": m.text})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	}

	// A challenge of the group Ana joins (gamification hears of the
	// group first).
	now := time.Now().UTC().Truncate(time.Second)
	var challenge struct {
		ID string `json:"id"`
	}
	require.Eventually(t, func() bool {
		r := a.Do(http.MethodPost, "/v1/challenges", ana.token, map[string]any{"title": "Group miles", "kind": "group_goal",
			"metric": "distance", "target": 100000, "starts_at": now.Add(-time.Hour), "ends_at": now.Add(30 * 24 * time.Hour), "group_id": group.ID})
		if r.Status == http.StatusCreated {
			r.JSON(t, &challenge)
		}
		return r.Status == http.StatusCreated
	}, 20*time.Second, 100*time.Millisecond)
	r = a.Do(http.MethodPost, "/v1/challenges/"+challenge.ID+"/join", ana.token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))

	// Achievements: the first session's unlock reaches the module.
	var mine struct {
		Points int `json:"points"`
	}
	require.Eventually(t, func() bool {
		a.Do(http.MethodGet, "/v1/me/achievements", ana.token, nil).JSON(t, &mine)
		return mine.Points > 0
	}, 20*time.Second, 100*time.Millisecond, "an achievement unlocked by the runs")

	// No export yet: 404, and nothing to download.
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, "/v1/me/export", ana.token, nil).Status)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, api.ExportDownloadPath, ana.token, nil).Status)

	r = a.Do(http.MethodPost, "/v1/me/export", ana.token, nil)
	require.Equal(t, http.StatusAccepted, r.Status, string(r.Body))
	var asked api.Export
	r.JSON(t, &asked)
	again := a.Do(http.MethodPost, "/v1/me/export", ana.token, nil)
	var second api.Export
	again.JSON(t, &second)
	if second.Status == api.ExportPending {
		assert.Equal(t, asked.ID, second.ID, "asking again while it is built answers the same export")
	} else {
		assert.Equal(t, http.StatusTooManyRequests, again.Status, "or, once ready, one a day")
	}

	e := waitExport(t, a, ana.token)
	require.Equal(t, api.ExportReady, e.Status, "%+v", e)
	require.NotNil(t, e.ExpiresAt)
	require.NotNil(t, e.ReadyAt)
	assert.WithinDuration(t, e.ReadyAt.Add(7*24*time.Hour), *e.ExpiresAt, time.Second, "ready for 7 days")
	require.NotNil(t, e.DownloadURL)
	assert.Equal(t, api.ExportDownloadPath, *e.DownloadURL)

	// Bob has none of Ana's: no export, no download.
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, "/v1/me/export", bob.token, nil).Status)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, api.ExportDownloadPath, bob.token, nil).Status,
		"another user's download is refused")
	assert.Equal(t, http.StatusUnauthorized, a.Do(http.MethodGet, api.ExportDownloadPath, "", nil).Status)

	body, zr := download(t, a, ana.token)
	same := a.DoWith(http.MethodGet, api.ExportDownloadPath, ana.token, nil, http.Header{"If-None-Match": {`W/"` + *e.SHA256 + `"`}})
	assert.Equal(t, http.StatusNotModified, same.Status, "the archive's tag")
	assert.Empty(t, same.Body)
	sum := sha256.Sum256(body)
	require.NotNil(t, e.SizeBytes)
	require.NotNil(t, e.SHA256)
	assert.Equal(t, *e.SizeBytes, int64(len(body)))
	assert.Equal(t, *e.SHA256, hex.EncodeToString(sum[:]))

	var manifest struct {
		Format string `json:"format"`
		UserID string `json:"user_id"`
		Files  []struct {
			Name  string `json:"name"`
			Items int    `json:"items"`
		} `json:"files"`
		GPXCount    int `json:"gpx_count"`
		SourceCount int `json:"source_count"`
	}
	require.NoError(t, json.Unmarshal(zipFile(t, zr, "manifest.json"), &manifest))
	assert.Equal(t, ana.id, manifest.UserID)
	assert.Equal(t, 3, manifest.GPXCount)
	assert.Equal(t, 1, manifest.SourceCount, "one imported session")

	var profile api.Profile
	require.NoError(t, json.Unmarshal(zipFile(t, zr, "profile.json"), &profile))
	assert.Equal(t, "ana@example.com", profile.Email)
	assert.Equal(t, "Lopez", profile.LastName)
	require.NotNil(t, profile.WeightKg)
	assert.InDelta(t, 61.5, *profile.WeightKg, 0.001)

	var gear []struct {
		ID    string `json:"id"`
		Brand string `json:"brand"`
	}
	require.NoError(t, json.Unmarshal(zipFile(t, zr, "gear.json"), &gear))
	require.Len(t, gear, 1)
	assert.Equal(t, shoes.ID, gear[0].ID)

	var sessions []struct {
		ID      string `json:"id"`
		Title   string `json:"title"`
		Source  string `json:"source"`
		Summary *struct {
			DistanceM float64 `json:"distance_m"`
			Points    int     `json:"points"`
		} `json:"summary"`
	}
	require.NoError(t, json.Unmarshal(zipFile(t, zr, "sessions.json"), &sessions))
	byID := map[string]int{}
	for i, s := range sessions {
		byID[s.ID] = i
	}
	require.Len(t, sessions, 3)
	for _, id := range []string{live1, live2, imp.Session.ID} {
		i, ok := byID[id]
		require.True(t, ok, "session %s listed", id)
		s := sessions[i]
		require.NotNil(t, s.Summary, "with its figures")
		assert.Positive(t, s.Summary.DistanceM)
		// Each GPX is the session's whole track, the one
		// GET /v1/sessions/{id}/gpx gives.
		g := zipFile(t, zr, "sessions/"+id+".gpx")
		r := a.Do(http.MethodGet, "/v1/sessions/"+id+"/gpx", ana.token, nil)
		require.Equal(t, http.StatusOK, r.Status)
		assert.Equal(t, r.Body, g, "sessions/%s.gpx", id)
		assert.Equal(t, s.Summary.Points, strings.Count(string(g), "<trkpt"))
	}
	// The imported session's original file, byte for byte; none for the
	// live ones.
	assert.Equal(t, imported, zipFile(t, zr, "sessions/"+imp.Session.ID+".source.gpx"), "the file as uploaded")
	for _, id := range []string{live1, live2} {
		_, err := zr.Open("sessions/" + id + ".source.gpx")
		assert.Error(t, err, "a live session has no original file")
	}
	assert.Equal(t, "Race from my watch", sessions[byID[imp.Session.ID]].Title)
	assert.Equal(t, "gpx", sessions[byID[imp.Session.ID]].Source)
	_, err := zr.Open("sessions/" + bobRun + ".gpx")
	assert.Error(t, err, "no session of Bob's")

	var plans []struct {
		ID       string `json:"id"`
		Sessions []any  `json:"sessions"`
	}
	require.NoError(t, json.Unmarshal(zipFile(t, zr, "plans.json"), &plans))
	require.Len(t, plans, 1)
	assert.Equal(t, plan.ID, plans[0].ID)
	r = a.Do(http.MethodGet, "/v1/plans/"+plan.ID, ana.token, nil)
	require.Equal(t, http.StatusOK, r.Status)
	assert.JSONEq(t, string(r.Body), string(mustJSON(t, zipFile(t, zr, "plans.json"), 0)), "the plan whole, as GET /v1/plans/{id}")

	var memberships []struct {
		GroupID   string `json:"group_id"`
		GroupName string `json:"group_name"`
		Role      string `json:"role"`
	}
	require.NoError(t, json.Unmarshal(zipFile(t, zr, "groups/memberships.json"), &memberships))
	require.Len(t, memberships, 1)
	assert.Equal(t, group.ID, memberships[0].GroupID)
	assert.Equal(t, "Dawn Runners", memberships[0].GroupName)
	assert.Equal(t, "owner", memberships[0].Role)

	var messages []struct {
		GroupID string `json:"group_id"`
		Body    string `json:"body"`
	}
	require.NoError(t, json.Unmarshal(zipFile(t, zr, "groups/messages.json"), &messages))
	var texts []string
	for _, m := range messages {
		assert.Equal(t, group.ID, m.GroupID)
		texts = append(texts, m.Body)
	}
	assert.Equal(t, []string{"Who's in for Sunday?", "Meet at 7 at the gate"}, texts, "her own messages only")

	var achievements struct {
		Points int `json:"points"`
		Items  []struct {
			Unlocked []any `json:"unlocked"`
		} `json:"items"`
	}
	require.NoError(t, json.Unmarshal(zipFile(t, zr, "achievements.json"), &achievements))
	assert.Positive(t, achievements.Points)
	unlocked := 0
	for _, it := range achievements.Items {
		unlocked += len(it.Unlocked)
	}
	assert.Positive(t, unlocked)

	var challenges []struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal(zipFile(t, zr, "challenges.json"), &challenges))
	require.Len(t, challenges, 1)
	assert.Equal(t, challenge.ID, challenges[0].ID)

	var consent struct {
		PersonalisedOffers *bool `json:"personalised_offers"`
	}
	require.NoError(t, json.Unmarshal(zipFile(t, zr, "marketing.json"), &consent))
	require.NotNil(t, consent.PersonalisedOffers)
	assert.False(t, *consent.PersonalisedOffers, "her objection")

	// Nothing of Bob's anywhere: not his id, address, messages or session.
	for _, f := range zr.File {
		b := zipFile(t, zr, f.Name)
		for _, secret := range []string{bob.id, bob.email, "Bob's private plans", bobRun, "Bob's secret run"} {
			assert.NotContains(t, string(b), secret, "%s holds something of Bob's", f.Name)
		}
	}

	// Ana is told (a personal notification), Bob is not.
	require.Eventually(t, func() bool {
		var list struct {
			Items []struct {
				Kind string         `json:"kind"`
				Data map[string]any `json:"data"`
			} `json:"items"`
		}
		a.Do(http.MethodGet, "/v1/notifications", ana.token, nil).JSON(t, &list)
		for _, n := range list.Items {
			if n.Kind == "export_ready" && n.Data["export_id"] == e.ID {
				return true
			}
		}
		return false
	}, 20*time.Second, 100*time.Millisecond, "Ana's notification")
	var bobs struct {
		Items []struct {
			Kind string `json:"kind"`
		} `json:"items"`
	}
	a.Do(http.MethodGet, "/v1/notifications", bob.token, nil).JSON(t, &bobs)
	for _, n := range bobs.Items {
		assert.NotEqual(t, "export_ready", n.Kind, "Bob hears nothing of Ana's export")
	}
	// Ana's group hears nothing of it either: no system message.
	r = a.Do(http.MethodGet, "/v1/groups/"+group.ID+"/messages", bob.token, nil)
	require.Equal(t, http.StatusOK, r.Status)
	assert.NotContains(t, string(r.Body), "export")

	// And mailed, in her language, with the link to the app's export page.
	mails := smtp.WaitFor(20*time.Second, func(ms []mailtest.Received) bool {
		for _, m := range ms {
			if strings.Contains(m.Subject, "Datenexport") {
				return true
			}
		}
		return false
	})
	for _, m := range mails {
		if strings.Contains(m.Subject, "Datenexport") {
			assert.Equal(t, []string{"ana@example.com"}, m.To)
			assert.Contains(t, m.Text, "Hallo Ana,")
			assert.Contains(t, m.Links(), "https://athlos.example/export")
			assert.Contains(t, m.HTML, "https://athlos.example/export")
		}
	}
	for _, m := range smtp.To("bob@example.com") {
		assert.NotContains(t, strings.ToLower(m.Subject), "export", "Bob gets no mail of Ana's export")
	}

	// One a day.
	r = a.Do(http.MethodPost, "/v1/me/export", ana.token, nil)
	assert.Equal(t, http.StatusTooManyRequests, r.Status, string(r.Body))
	assert.NotEmpty(t, r.Header.Get("Retry-After"))

	// Deleting the account deletes the archive.
	r = a.Do(http.MethodDelete, "/v1/me", ana.token, map[string]any{"password": apptest.Password})
	require.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	var n int
	require.NoError(t, a.DB(t).QueryRow(t.Context(), `SELECT count(*) FROM client.export_parts`).Scan(&n))
	assert.Zero(t, n)
}

// jsonDecode decodes r's JSON into v.
func jsonDecode(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }

// mustJSON returns item i of a JSON array.
func mustJSON(t *testing.T, arr []byte, i int) json.RawMessage {
	t.Helper()
	var items []json.RawMessage
	require.NoError(t, json.Unmarshal(arr, &items))
	require.Greater(t, len(items), i)
	return items[i]
}

// Bad input and callers: signed out, a body where none is taken, a
// method the path does not have.
func TestExportRefusals(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client")
	ana := exportSignUp(a, "ana@example.com")
	for _, c := range []struct{ method, path string }{
		{http.MethodPost, "/v1/me/export"}, {http.MethodGet, "/v1/me/export"}, {http.MethodGet, api.ExportDownloadPath},
	} {
		assert.Equal(t, http.StatusUnauthorized, a.Do(c.method, c.path, "", nil).Status, "%s %s signed out", c.method, c.path)
		assert.Equal(t, http.StatusUnauthorized, a.Do(c.method, c.path, "not-a-token", nil).Status, "%s %s bad token", c.method, c.path)
	}
	r := a.Do(http.MethodDelete, "/v1/me/export", ana.token, nil)
	assert.Equal(t, http.StatusMethodNotAllowed, r.Status, string(r.Body))
	r = a.Do(http.MethodPost, api.ExportDownloadPath, ana.token, nil)
	assert.Equal(t, http.StatusMethodNotAllowed, r.Status, string(r.Body))
	// The operation takes no body: an oversized, a malformed or any other
	// one is refused and asks for nothing.
	r = a.DoWith(http.MethodPost, "/v1/me/export", ana.token, json.RawMessage(`{"x": "`+strings.Repeat("a", 5<<20)+`"}`), nil)
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.Status, string(r.Body))
	req, err := http.NewRequest(http.MethodPost, a.BaseURL+"/v1/me/export", strings.NewReader(`{`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+ana.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.Client.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "malformed JSON")
	r = a.DoWith(http.MethodPost, "/v1/me/export", ana.token, map[string]any{"format": "csv"}, nil)
	assert.Equal(t, http.StatusBadRequest, r.Status, "a body it cannot use")
	assert.Equal(t, []string{"body"}, r.Problem(t).Fields())
	// Nothing asked for yet.
	r = a.Do(http.MethodGet, "/v1/me/export", ana.token, nil)
	assert.Equal(t, http.StatusNotFound, r.Status)
	assert.Equal(t, "application/problem+json", r.Header.Get("Content-Type"))
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, api.ExportDownloadPath, ana.token, nil).Status)
}

// rpcAs sends req to subject on user's behalf and decodes the answer.
func rpcAs[Resp any](t *testing.T, nc *nats.Conn, user, subject string, req any) (Resp, error) {
	t.Helper()
	var out Resp
	data, err := json.Marshal(req)
	require.NoError(t, err)
	ctx := context.Background()
	if user != "" {
		ctx = bus.WithCaller(ctx, bus.Caller{UserID: user, Role: "user"})
	}
	reply, err := bus.Request(ctx, nc, subject, data, nil)
	if err != nil {
		return out, err
	}
	require.NoError(t, json.Unmarshal(reply, &out))
	return out, nil
}

// The modules' export operations answer the caller's own data only, a
// long track in pieces that add up to the whole, and refuse bad input:
// another user's session (even a public one), unknown and malformed ids,
// offsets out of range, bad page sizes and cursors, no caller.
func TestExportOperationsOfTheModules(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training", "social")
	ana, bob := exportSignUp(a, "ana@example.com"), exportSignUp(a, "bob@example.com")
	nc := bustest.Conn(t, a.NATS).NC

	// A track of 12,000 points: its GPX is larger than a piece.
	r := a.Upload("/v1/sessions/import", ana.token, map[string]string{"visibility": "public"}, "file", "long.gpx",
		gpxFile("Long ride", 12000, time.Now().Add(-24*time.Hour).Truncate(time.Second)))
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var imp struct {
		Session struct {
			ID string `json:"id"`
		} `json:"session"`
	}
	r.JSON(t, &imp)
	id := imp.Session.ID
	whole := a.Do(http.MethodGet, "/v1/sessions/"+id+"/gpx", ana.token, nil)
	require.Equal(t, http.StatusOK, whole.Status)
	require.Greater(t, len(whole.Body), trainingapi.ExportChunkBytes, "the test needs a track of several pieces")
	var got []byte
	pieces := 0
	for {
		c, err := rpcAs[trainingapi.ExportChunk](t, nc, ana.id, trainingapi.SubjectExportGPX, trainingapi.ExportGPXRequest{SessionID: id, Offset: int64(len(got))})
		require.NoError(t, err)
		assert.LessOrEqual(t, len(c.Data), trainingapi.ExportChunkBytes)
		got = append(got, c.Data...)
		pieces++
		if int64(len(got)) >= c.Total {
			break
		}
	}
	assert.Equal(t, whole.Body, got, "the pieces add up to the track")
	assert.Greater(t, pieces, 1)

	for _, c := range []struct {
		name, user string
		req        any
		code       bus.Code
	}{
		{"another user's public session", bob.id, trainingapi.ExportGPXRequest{SessionID: id}, bus.CodeNotFound},
		{"an unknown session", ana.id, trainingapi.ExportGPXRequest{SessionID: "0190d6a4-0000-7000-8000-000000000000"}, bus.CodeNotFound},
		{"a malformed id", ana.id, trainingapi.ExportGPXRequest{SessionID: "nope"}, bus.CodeInvalid},
		{"a negative offset", ana.id, trainingapi.ExportGPXRequest{SessionID: id, Offset: -1}, bus.CodeInvalid},
		{"an offset past the end", ana.id, trainingapi.ExportGPXRequest{SessionID: id, Offset: int64(len(got)) + 1}, bus.CodeInvalid},
		{"no caller", "", trainingapi.ExportGPXRequest{SessionID: id}, bus.CodeUnauthorized},
		{"not JSON", ana.id, json.RawMessage(`"x"`), bus.CodeInvalid},
	} {
		_, err := rpcAs[trainingapi.ExportChunk](t, nc, c.user, trainingapi.SubjectExportGPX, c.req)
		assert.Equal(t, c.code, bus.CodeOf(err), "%s: %v", c.name, err)
	}

	// The original file of the imported session, in pieces too; another
	// user's, an unknown session and a live one have none.
	src, err := rpcAs[trainingapi.ExportChunk](t, nc, ana.id, trainingapi.SubjectExportSource, trainingapi.ExportSourceRequest{SessionID: id})
	require.NoError(t, err)
	assert.Equal(t, "gpx", src.Ext)
	assert.Positive(t, src.Total)
	live := a.Do(http.MethodPost, "/v1/sessions", ana.token, map[string]any{"sport": "run"})
	require.Equal(t, http.StatusCreated, live.Status, string(live.Body))
	var liveSession struct {
		ID string `json:"id"`
	}
	live.JSON(t, &liveSession)
	for _, c := range []struct {
		name, user string
		req        any
		code       bus.Code
	}{
		{"another user's file", bob.id, trainingapi.ExportSourceRequest{SessionID: id}, bus.CodeNotFound},
		{"a live session", ana.id, trainingapi.ExportSourceRequest{SessionID: liveSession.ID}, bus.CodeNotFound},
		{"an unknown session", ana.id, trainingapi.ExportSourceRequest{SessionID: "0190d6a4-0000-7000-8000-000000000000"}, bus.CodeNotFound},
		{"a negative offset", ana.id, trainingapi.ExportSourceRequest{SessionID: id, Offset: -1}, bus.CodeInvalid},
		{"an offset past the end", ana.id, trainingapi.ExportSourceRequest{SessionID: id, Offset: src.Total + 1}, bus.CodeInvalid},
		{"no caller", "", trainingapi.ExportSourceRequest{SessionID: id}, bus.CodeUnauthorized},
	} {
		_, err := rpcAs[trainingapi.ExportChunk](t, nc, c.user, trainingapi.SubjectExportSource, c.req)
		assert.Equal(t, c.code, bus.CodeOf(err), "%s: %v", c.name, err)
	}

	// Social: a group both are in; each one's messages are theirs alone.
	r = a.Do(http.MethodPost, "/v1/groups", ana.token, map[string]any{"name": "Dawn Runners"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var group struct {
		ID string `json:"id"`
	}
	r.JSON(t, &group)
	require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/groups/"+group.ID+"/join", bob.token, nil).Status)
	for i, who := range []exportUser{ana, bob, ana, ana} {
		r = a.Do(http.MethodPost, "/v1/groups/"+group.ID+"/messages", who.token, map[string]any{"text": fmt.Sprintf("message %d", i)})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	}
	var bodies []string
	cursor := ""
	for {
		p, err := rpcAs[socialapi.ExportMessagePage](t, nc, ana.id, socialapi.SubjectExportMessages, socialapi.ExportPageRequest{Limit: 2, Cursor: cursor})
		require.NoError(t, err)
		for _, m := range p.Items {
			bodies = append(bodies, m.Body)
			assert.Equal(t, "Dawn Runners", m.GroupName)
		}
		if p.NextCursor == nil {
			break
		}
		cursor = *p.NextCursor
	}
	assert.Equal(t, []string{"message 0", "message 2", "message 3"}, bodies, "Ana's, in order, over two pages")
	bobs, err := rpcAs[socialapi.ExportMessagePage](t, nc, bob.id, socialapi.SubjectExportMessages, socialapi.ExportPageRequest{})
	require.NoError(t, err)
	require.Len(t, bobs.Items, 1)
	assert.Equal(t, "message 1", bobs.Items[0].Body)
	ms, err := rpcAs[socialapi.ExportMembershipPage](t, nc, bob.id, socialapi.SubjectExportMemberships, socialapi.ExportPageRequest{})
	require.NoError(t, err)
	require.Len(t, ms.Items, 1)
	assert.Equal(t, "member", ms.Items[0].Role)
	for _, subject := range []string{socialapi.SubjectExportMessages, socialapi.SubjectExportMemberships} {
		for _, c := range []struct {
			name, user string
			req        any
			code       bus.Code
		}{
			{"a page too large", ana.id, socialapi.ExportPageRequest{Limit: 101}, bus.CodeInvalid},
			{"a negative page", ana.id, socialapi.ExportPageRequest{Limit: -1}, bus.CodeInvalid},
			{"a cursor not of this listing", ana.id, socialapi.ExportPageRequest{Cursor: "!!"}, bus.CodeInvalid},
			{"no caller", "", socialapi.ExportPageRequest{}, bus.CodeUnauthorized},
			{"not JSON", ana.id, json.RawMessage(`[1]`), bus.CodeInvalid},
		} {
			_, err := rpcAs[json.RawMessage](t, nc, c.user, subject, c.req)
			assert.Equal(t, c.code, bus.CodeOf(err), "%s %s: %v", subject, c.name, err)
		}
	}
}
