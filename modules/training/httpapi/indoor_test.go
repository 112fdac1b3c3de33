package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/training/api"
)

// indoorRun makes n points without a position one second apart, the last
// at end, with heart rate (120 to 159, rising), and, when mps > 0, the
// device's cumulative distance at mps.
func indoorRun(n int, end time.Time, mps float64) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{"t": end.Add(time.Duration(i-n+1) * time.Second).UTC().Format(time.RFC3339), "hr": 120 + 40*i/n}
		if mps > 0 {
			out[i]["dist"] = float64(i) * mps
		}
	}
	return out
}

// setHeartRates sets the profile's heart rates and waits until training
// has them.
func setHeartRates(t *testing.T, a *apptest.App, token string, profile map[string]any, threshold bool) {
	t.Helper()
	r := a.Do(http.MethodPatch, "/v1/me", token, profile)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	db := a.DB(t)
	id := userIDOf(t, a, token)
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, db.QueryRow(context.Background(), `SELECT count(*) FROM training.athletes
			WHERE user_id = $1 AND max_hr_bpm IS NOT NULL AND (threshold_hr IS NOT NULL) = $2`, id, threshold).Scan(&n))
		return n == 1
	}, 10*time.Second, 20*time.Millisecond, "the profile reaches training")
}

// A treadmill run and a strength session recorded without positions over
// HTTP: every point stored, figures from the heart rate and the device's
// distance, load from the heart rate (TRIMP, then hrTSS once a threshold
// is known), laps from the markers; no route and no GPX. A run that loses
// GPS in a tunnel keeps its route. Half a position or impossible values
// are left out; another user's session is not found.
func TestIndoorSessionsOverHTTP(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana, bob := a.SignUp("ana@example.com").AccessToken, a.SignUp("bob@example.com").AccessToken
	setHeartRates(t, a, ana, map[string]any{"resting_hr_bpm": 50, "max_hr_bpm": 190, "sex": "male", "birth_date": "1990-05-01", "weight_kg": 75}, false)

	// A strength session with a chest strap: heart rate only, nine minutes,
	// laps marked at 3 and 6 minutes.
	r := a.Do(http.MethodPost, "/v1/sessions", ana, map[string]any{"sport": "strength"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var gym api.Session
	r.JSON(t, &gym)
	points := indoorRun(540, gym.StartedAt, 0)
	points[180]["lap"], points[360]["lap"] = true, true
	bad := []map[string]any{
		{"t": gym.StartedAt.Format(time.RFC3339), "lat": 52.5, "hr": 130},                                  // half a position
		{"t": gym.StartedAt.Add(-time.Second / 2).Format(time.RFC3339Nano), "hr": 300},                     // heart rate
		{"t": gym.StartedAt.Add(-time.Second / 3).Format(time.RFC3339Nano), "dist": -5.0},                  // distance
		{"t": gym.StartedAt.Add(-time.Second / 4).Format(time.RFC3339Nano), "dist": 2e6},                   // distance
		{"t": gym.StartedAt.Add(-time.Second / 5).Format(time.RFC3339Nano)},                                // nothing at all
		{"t": gym.StartedAt.Add(-3 * time.Hour).Format(time.RFC3339), "hr": 130},                           // long before
		{"t": gym.StartedAt.Add(-time.Second / 6).Format(time.RFC3339Nano), "hr": 130, "lat": 0, "lon": 0}, // null island
	}
	r = a.Do(http.MethodPost, "/v1/sessions/"+gym.ID+"/points", ana, map[string]any{"points": append(points, bad...)})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var res api.PointsResult
	r.JSON(t, &res)
	assert.Equal(t, 540, res.Accepted)
	assert.Equal(t, int64(540), res.Stored)
	assert.Equal(t, map[string]int{"partial_position": 1, "sensor_value_out_of_range": 3, "no_position": 1, "time_outside_session": 1,
		"null_island": 1}, res.Dropped)
	// A malformed value refuses the message, naming the field; nothing is stored.
	for _, body := range []string{`{"points":[{"t":"2026-11-26T08:00:00Z","dist":"far"}]}`, `{"points":[{"t":"2026-11-26T08:00:00Z","lat":null,"lon":13.4}]}`} {
		r = a.Do(http.MethodPost, "/v1/sessions/"+gym.ID+"/points", ana, body)
		require.Equal(t, http.StatusBadRequest, r.Status, body)
		assert.Contains(t, r.Problem(t).Fields(), "body.points", body)
	}
	// Bob may not send points to Ana's session, nor to an unknown one.
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPost, "/v1/sessions/"+gym.ID+"/points", bob, map[string]any{"points": points[:5]}).Status)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodPost, "/v1/sessions/01a218c9-95e8-7859-a437-7b9381224e73/points", ana,
		map[string]any{"points": points[:5]}).Status)
	assert.Equal(t, 540, getSession(t, a, ana, gym.ID).PointsStored)

	finish(t, a, ana, gym.ID)
	gym = getSession(t, a, ana, gym.ID)
	require.NotNil(t, gym.Summary)
	sum := gym.Summary
	assert.Equal(t, 540, sum.Points)
	assert.Equal(t, 539.0, sum.ElapsedTimeS)
	assert.Equal(t, 539.0, sum.MovingTimeS, "heart rate throughout: moving all along")
	assert.Zero(t, sum.DistanceM)
	assert.Empty(t, sum.MapPolyline)
	require.NotNil(t, sum.AvgHRBpm)
	assert.InDelta(t, 139.5, *sum.AvgHRBpm, 0.5)
	assert.Equal(t, 159, *sum.MaxHRBpm)
	assert.Positive(t, sum.CaloriesKcal)
	assert.Equal(t, "heart_rate", sum.CaloriesMethod)
	assert.True(t, sum.Plausible)

	var laps api.LapList
	getJSON(t, a, ana, "/v1/sessions/"+gym.ID+"/laps", &laps)
	require.Len(t, laps.Items, 3)
	for i, l := range laps.Items {
		assert.Equal(t, []float64{180, 180, 179}[i], l.MovingTimeS, "lap %d", i)
		assert.Zero(t, l.DistanceM)
		require.NotNil(t, l.AvgHRBpm)
	}
	assert.Less(t, *laps.Items[0].AvgHRBpm, *laps.Items[2].AvgHRBpm)

	// No route, no GPX: 409 says why; Bob gets 404 as for any private session.
	r = a.Do(http.MethodGet, "/v1/sessions/"+gym.ID+"/route", ana, nil)
	assert.Equal(t, http.StatusNotFound, r.Status, string(r.Body))
	r = a.Do(http.MethodGet, "/v1/sessions/"+gym.ID+"/gpx", ana, nil)
	require.Equal(t, http.StatusConflict, r.Status, string(r.Body))
	assert.Contains(t, r.Problem(t).Detail, "no position to export")
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodGet, "/v1/sessions/"+gym.ID+"/gpx", bob, nil).Status)

	// A treadmill run with the footpod's distance, 3 m/s, once the
	// threshold heart rate is known: hrTSS.
	setHeartRates(t, a, ana, map[string]any{"threshold_hr_bpm": 170}, true)
	tm := startRun(t, a, ana)
	sendPoints(t, a, ana, tm.ID, indoorRun(540, tm.StartedAt, 3))
	finish(t, a, ana, tm.ID)
	tm = getSession(t, a, ana, tm.ID)
	assert.InDelta(t, 539*3, tm.Summary.DistanceM, 1e-6, "the device's distance")
	assert.InDelta(t, 539, tm.Summary.MovingTimeS, 1e-6)
	assert.InDelta(t, 3, tm.Summary.AvgSpeedMps, 1e-6)
	assert.Len(t, tm.Summary.SplitsKm, 2)
	require.NotEmpty(t, tm.Summary.BestEfforts)
	assert.InDelta(t, 1000.0/3, tm.Summary.BestEfforts[1].ElapsedS, 1e-6)
	assert.Empty(t, tm.Summary.MapPolyline)
	// The completion event carries the best efforts (achievements read them).
	var done api.SessionCompleted
	require.Eventually(t, func() bool {
		lastEvent(t, a, "EVT_TRAINING", api.EventSessionCompleted, &done)
		return done.SessionID == tm.ID
	}, 10*time.Second, 20*time.Millisecond)
	assert.Equal(t, tm.Summary.BestEfforts, done.BestEfforts)

	var summary struct {
		Current struct {
			LoadModels map[string]int `json:"load_models"`
			Totals     struct {
				Sessions  int     `json:"sessions"`
				DistanceM float64 `json:"distance_m"`
				Load      float64 `json:"load"`
			} `json:"totals"`
		} `json:"current"`
	}
	require.Eventually(t, func() bool {
		getJSON(t, a, ana, "/v1/analytics/summary?period=all", &summary)
		return summary.Current.Totals.Sessions == 2
	}, 20*time.Second, 50*time.Millisecond)
	assert.Equal(t, map[string]int{"trimp": 1, "hrss": 1}, summary.Current.LoadModels,
		"load from the heart rate: TRIMP without a threshold, hrTSS with one")
	assert.Positive(t, summary.Current.Totals.Load)
	assert.InDelta(t, 539*3, summary.Current.Totals.DistanceM, 1e-6)

	// A run that loses GPS for a minute in a tunnel: every point stored,
	// the route drawn from the positioned ones across the tunnel, the
	// distance as if GPS had never failed; its GPX holds the positioned
	// points only.
	tun := startRun(t, a, ana)
	mixed := run(540, tun.StartedAt)
	for i := 300; i < 360; i++ {
		delete(mixed[i], "lat")
		delete(mixed[i], "lon")
	}
	r = a.Do(http.MethodPost, "/v1/sessions/"+tun.ID+"/points", ana, map[string]any{"points": mixed})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	res = api.PointsResult{}
	r.JSON(t, &res)
	assert.Equal(t, int64(540), res.Stored)
	finish(t, a, ana, tun.ID)
	tun = getSession(t, a, ana, tun.ID)
	assert.InDelta(t, 539*3, tun.Summary.DistanceM, 539*3*0.01)
	assert.InDelta(t, 539, tun.Summary.MovingTimeS, 1e-6)
	assert.NotEmpty(t, tun.Summary.MapPolyline)
	r = a.Do(http.MethodGet, "/v1/sessions/"+tun.ID+"/route", ana, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var route api.RouteFeature
	r.JSON(t, &route)
	assert.InDelta(t, tun.Summary.DistanceM, route.Properties.DistanceM, tun.Summary.DistanceM*0.01)
	r = a.Do(http.MethodGet, "/v1/sessions/"+tun.ID+"/gpx", ana, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	assert.Equal(t, 480, strings.Count(string(r.Body), "<trkpt "), "the 60 points in the tunnel have no place in GPX")
}

// An indoor session over NATS, as the app publishes it (a stock JetStream
// client): points with heart rate only are stored, the owner and a
// watcher see live figures (time, heart rate, no position), and a lap
// marker makes a lap.
func TestIndoorSessionOverNATS(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana, bob := signInApp(t, a, "ana@example.com"), signInApp(t, a, "bob@example.com")
	setHeartRates(t, a, ana.token(), map[string]any{"resting_hr_bpm": 50, "max_hr_bpm": 190, "threshold_hr_bpm": 165}, true)
	r := a.Do(http.MethodPost, "/v1/sessions", ana.token(), map[string]any{"sport": "ride", "visibility": "private"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var s api.Session
	r.JSON(t, &s)
	r = a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/share", ana.token(), nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var link api.ShareLink
	r.JSON(t, &link)
	// Bob's app is connected when he asks to watch, as an app is: the
	// grant renews its connection once (a connection made after the
	// watch could be closed at any moment by the grant's late notice).
	app, watcher := connectAsDocumented(t, ana), connectAsDocumented(t, bob)
	require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/watch", bob.token(), map[string]any{"share_token": link.ShareToken}).Status)
	require.Eventually(t, func() bool { return watcher.reconnects.Load() >= 1 }, 30*time.Second, 10*time.Millisecond,
		"the watch renews the watcher's connection")
	own, err := app.SubscribeSync(api.LiveSessionSubject(ana.userID(), s.ID))
	require.NoError(t, err)
	watched, err := watcher.SubscribeSync(api.LiveWatchSubject(s.ID))
	require.NoError(t, err)
	require.NoError(t, app.Flush())
	require.NoError(t, watcher.Flush())
	js, err := jetstream.New(app.Conn)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	// A trainer ride: two messages of 60 points, heart rate only, the
	// second opening a lap.
	startAt := time.Now().UTC().Truncate(time.Second).Add(-3 * time.Minute)
	msg := func(from, n int, lap bool) []byte {
		m := api.TelemetryMessage{Points: make([]api.TelemetryPoint, n)}
		for i := range m.Points {
			hr := 130 + (from+i)%20
			m.Points[i] = api.TelemetryPoint{T: startAt.Add(time.Duration(from+i) * time.Second), HR: &hr}
		}
		m.Points[0].Lap = lap
		data, err := json.Marshal(m)
		require.NoError(t, err)
		return data
	}
	for i, data := range [][]byte{msg(0, 60, false), msg(60, 60, true)} {
		_, err := js.PublishMsg(ctx, msgWithID(api.TelemetrySubject(ana.userID(), s.ID), fmt.Sprintf("%s-%d", s.ID, i), data))
		require.NoError(t, err)
	}
	for name, sub := range map[string]interface {
		NextMsg(time.Duration) (*nats.Msg, error)
	}{"owner": own, "watcher": watched} {
		var ls api.LiveStats
		require.Eventually(t, func() bool {
			m, err := sub.NextMsg(time.Second)
			return err == nil && json.Unmarshal(m.Data, &ls) == nil && ls.Points == 120
		}, 15*time.Second, time.Millisecond, name)
		assert.InDelta(t, 119, ls.ElapsedTimeS, 1e-6, name)
		assert.InDelta(t, 119, ls.MovingTimeS, 1e-6, name)
		assert.Zero(t, ls.DistanceM, name)
		require.NotNil(t, ls.HRBpm, name)
		assert.Equal(t, 130+119%20, *ls.HRBpm, name)
		assert.Nil(t, ls.Position, name)
	}
	require.Equal(t, 120, getSession(t, a, ana.token(), s.ID).PointsStored)
	finish(t, a, ana.token(), s.ID)
	got := getSession(t, a, ana.token(), s.ID)
	assert.InDelta(t, 119, got.Summary.MovingTimeS, 1e-6)
	require.NotNil(t, got.Summary.AvgHRBpm)
	var laps api.LapList
	getJSON(t, a, ana.token(), "/v1/sessions/"+s.ID+"/laps", &laps)
	require.Len(t, laps.Items, 2)
	assert.True(t, laps.Items[1].StartedAt.Equal(startAt.Add(60*time.Second)))
	var summary struct {
		Current struct {
			LoadModels map[string]int `json:"load_models"`
		} `json:"current"`
	}
	require.Eventually(t, func() bool {
		getJSON(t, a, ana.token(), "/v1/analytics/summary?period=all", &summary)
		return len(summary.Current.LoadModels) > 0
	}, 20*time.Second, 50*time.Millisecond)
	assert.Equal(t, map[string]int{"hrss": 1}, summary.Current.LoadModels, "the heart rate with a threshold: hrTSS")
}

// A hundred athletes record indoor sessions at once over HTTP (twenty with
// -short): treadmill runs and rowing with the device's distance, trainer
// rides and strength sessions with heart rate only, each sent in three
// batches, one of them twice; each athlete also tries to send points to
// another's session. Every session gets its figures, none a route, and
// no point lands in another's session.
func TestManyIndoorSessionsAtOnce(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	athletes := 100
	if testing.Short() {
		athletes = 20
	}
	tokens := make([]string, athletes)
	sessions := make([]api.Session, athletes)
	sports := []string{"run", "row", "ride", "strength"}
	for i := range tokens {
		tokens[i] = a.SignUp(fmt.Sprintf("indoor%d@example.com", i)).AccessToken
		r := a.Do(http.MethodPost, "/v1/sessions", tokens[i], map[string]any{"sport": sports[i%len(sports)]})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
		r.JSON(t, &sessions[i])
	}
	const workers = 8
	work := make(chan int)
	errs := make(chan error, athletes*2)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				s := sessions[i]
				mps := 0.0
				if s.Sport == "run" || s.Sport == "row" {
					mps = 3
				}
				points := indoorRun(540, s.StartedAt, mps)
				for _, batch := range [][]map[string]any{points[:200], points[200:400], points[200:400], points[400:]} {
					if r := a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/points", tokens[i], map[string]any{"points": batch}); r.Status != http.StatusOK {
						errs <- fmt.Errorf("athlete %d: points: %d %s", i, r.Status, r.Body)
					}
				}
				other := sessions[(i+1)%athletes]
				if r := a.Do(http.MethodPost, "/v1/sessions/"+other.ID+"/points", tokens[i], map[string]any{"points": points[:10]}); r.Status != http.StatusNotFound {
					errs <- fmt.Errorf("athlete %d: another's session: %d", i, r.Status)
				}
				if r := a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/finish", tokens[i], nil); r.Status != http.StatusOK {
					errs <- fmt.Errorf("athlete %d: finish: %d %s", i, r.Status, r.Body)
				}
			}
		}()
	}
	for i := range athletes {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i, s := range sessions {
		got := getSession(t, a, tokens[i], s.ID)
		require.NotNil(t, got.Summary, "athlete %d", i)
		assert.Equal(t, 540, got.Summary.Points, "athlete %d", i)
		assert.InDelta(t, 539, got.Summary.MovingTimeS, 1e-6, "athlete %d", i)
		want := 0.0
		if s.Sport == "run" || s.Sport == "row" {
			want = 539 * 3
		}
		assert.InDelta(t, want, got.Summary.DistanceM, 1e-6, "athlete %d (%s)", i, s.Sport)
		assert.Empty(t, got.Summary.MapPolyline)
	}
	var points, withPos, routes int
	db := a.DB(t)
	require.NoError(t, db.QueryRow(context.Background(), `SELECT count(*), count(pos) FROM training.points`).Scan(&points, &withPos))
	require.NoError(t, db.QueryRow(context.Background(), `SELECT count(*) FROM training.routes`).Scan(&routes))
	assert.Equal(t, athletes*540, points)
	assert.Zero(t, withPos)
	assert.Zero(t, routes)
}
