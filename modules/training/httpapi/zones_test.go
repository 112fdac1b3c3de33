package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	socialapi "github.com/athlos/athlos/modules/social/api"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/route"
)

// routeGeometry is a route's GeoJSON geometry as any reader gets it: a
// LineString or a MultiLineString.
type routeGeometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// lines returns the geometry's lines ([lon, lat] positions).
func (g routeGeometry) lines(t *testing.T) [][][]float64 {
	t.Helper()
	switch g.Type {
	case "LineString":
		var l [][]float64
		require.NoError(t, json.Unmarshal(g.Coordinates, &l))
		return [][][]float64{l}
	case "MultiLineString":
		var ls [][][]float64
		require.NoError(t, json.Unmarshal(g.Coordinates, &ls))
		return ls
	}
	t.Fatalf("geometry type %q", g.Type)
	return nil
}

type routeFeature struct {
	Type       string              `json:"type"`
	Geometry   routeGeometry       `json:"geometry"`
	Properties api.RouteProperties `json:"properties"`
}

var gpxPoint = regexp.MustCompile(`<trkpt lat="([-0-9.]+)" lon="([-0-9.]+)"`)

// zoneChecker tells, with PostGIS (not the module's own code), which of
// a user's zones positions and lines come within.
type zoneChecker struct {
	t    *testing.T
	db   *pgx.Conn
	user string
}

// inside counts the positions (lat, lon) within one of the user's zones
// (as the user gave them: centre and radius).
func (c zoneChecker) inside(lats, lons []float64) int {
	c.t.Helper()
	var n int
	require.NoError(c.t, c.db.QueryRow(context.Background(), `SELECT count(DISTINCT p.i) FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS p(lat, lon, i)
		JOIN training.privacy_zones z ON z.user_id = $3 AND ST_DWithin(ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)::geography, z.center, z.radius_m)`,
		lats, lons, c.user).Scan(&n))
	return n
}

// lineEnters reports whether a GeoJSON geometry (its segments too) comes
// within one of the user's zones.
func (c zoneChecker) lineEnters(geometry []byte) bool {
	c.t.Helper()
	var in bool
	require.NoError(c.t, c.db.QueryRow(context.Background(), `SELECT EXISTS (SELECT 1 FROM training.privacy_zones z WHERE z.user_id = $2
		AND ST_DWithin(ST_SetSRID(ST_GeomFromGeoJSON($1), 4326)::geography, z.center, z.radius_m))`, string(geometry), c.user).Scan(&in))
	return in
}

// positions of every output a reader gets of a session (route, simplified
// route, GPX, map polylines of GET and of the owner's list): the lat and
// lon of each, and each line's GeoJSON.
type outputs struct {
	lats, lons []float64
	lines      [][]byte
	routeFound bool
	summary    api.SessionSummary
	listed     bool
}

func (o *outputs) add(lat, lon float64) {
	o.lats, o.lons = append(o.lats, lat), append(o.lons, lon)
}

func (o *outputs) addPolyline(t *testing.T, s string) {
	t.Helper()
	ll, err := route.DecodePolyline(s)
	require.NoError(t, err)
	if len(ll) < 2 {
		return
	}
	coords := make([][]float64, len(ll))
	for i, p := range ll {
		o.add(p.Lat, p.Lon)
		coords[i] = []float64{p.Lon, p.Lat}
	}
	g, err := json.Marshal(map[string]any{"type": "LineString", "coordinates": coords})
	require.NoError(t, err)
	o.lines = append(o.lines, g)
}

// read gathers what token (of someone allowed to see the session) reads of
// owner's session id.
func read(t *testing.T, a *apptest.App, token, owner, id string) outputs {
	t.Helper()
	var o outputs
	for _, q := range []string{"", "?simplified=true"} {
		r := a.Do(http.MethodGet, "/v1/sessions/"+id+"/route"+q, token, nil)
		if r.Status == http.StatusNotFound {
			continue
		}
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		o.routeFound = true
		var f routeFeature
		r.JSON(t, &f)
		for _, l := range f.Geometry.lines(t) {
			require.GreaterOrEqual(t, len(l), 2, "a line of two positions or more")
			for _, p := range l {
				o.add(p[1], p[0])
			}
		}
		o.lines = append(o.lines, []byte(mustJSON(t, f.Geometry)))
	}
	r := a.Do(http.MethodGet, "/v1/sessions/"+id+"/gpx", token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	for _, m := range gpxPoint.FindAllStringSubmatch(string(r.Body), -1) {
		lat, err := strconv.ParseFloat(m[1], 64)
		require.NoError(t, err)
		lon, err := strconv.ParseFloat(m[2], 64)
		require.NoError(t, err)
		o.add(lat, lon)
	}
	var s api.Session
	r = a.Do(http.MethodGet, "/v1/sessions/"+id, token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &s)
	require.NotNil(t, s.Summary)
	o.summary = *s.Summary
	o.addPolyline(t, s.Summary.MapPolyline)
	var l api.SessionList
	r = a.Do(http.MethodGet, "/v1/sessions?user_id="+owner, token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r.JSON(t, &l)
	for _, x := range l.Items {
		if x.ID == id {
			o.listed = true
			o.addPolyline(t, x.Summary.MapPolyline)
		}
	}
	return o
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// A privacy zone hides the positions of its owner's sessions, past ones
// included, from a follower, a member of the owner's group and a
// stranger (a public session), in every output: routes, GPX, polylines of
// GET and of lists; lines do not even cross a zone. The figures stay
// whole; the owner sees everything; an anonymous reader nothing.
// Deleting the zones shows the route again; moving one moves what is
// hidden.
func TestPrivacyZonesHidePositionsFromOthers(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training", "social")
	ana, bob, cat, eve := signUpPerson(t, a, "ana@example.com"), signUpPerson(t, a, "bob@example.com"),
		signUpPerson(t, a, "cat@example.com"), signUpPerson(t, a, "eve@example.com")
	db := a.DB(t)
	check := zoneChecker{t, db, ana.id}

	// Ana's run of 12.9 km, 988 points, imported before she has any zone.
	r := a.Upload("/v1/sessions/import", ana.token, map[string]string{"sport": "run", "visibility": "public"}, "file", "garmin.gpx",
		workoutFile(t, "georust-gpx__run-hr-cad__garmin-activity.gpx"))
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var imp api.ImportResult
	r.JSON(t, &imp)
	run := imp.Session
	r = a.Upload("/v1/sessions/import", ana.token, map[string]string{"sport": "hike", "visibility": "followers"}, "file", "hike.gpx",
		workoutFile(t, "jpx__ride-elevation-etrex10__ISSUE-82.gpx"))
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	r.JSON(t, &imp)
	hike := imp.Session

	// Bob follows Ana; Cat is in Ana's group; Eve is a stranger.
	require.Eventually(t, func() bool {
		return a.Do(http.MethodPost, "/v1/users/"+ana.id+"/follow", bob.token, nil).Status == http.StatusOK
	}, 10*time.Second, 20*time.Millisecond)
	r = a.Do(http.MethodPost, "/v1/groups", ana.token, map[string]any{"name": "Dawn Runners"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var g socialapi.Group
	r.JSON(t, &g)
	require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/groups/"+g.ID+"/join", cat.token, nil).Status)
	require.Eventually(t, func() bool {
		return a.Do(http.MethodGet, "/v1/sessions/"+hike.ID, bob.token, nil).Status == http.StatusOK &&
			a.Do(http.MethodGet, "/v1/sessions/"+hike.ID, cat.token, nil).Status == http.StatusOK
	}, 10*time.Second, 20*time.Millisecond, "the follower and the co-member see the followers session")

	before := read(t, a, ana.token, ana.id, run.ID)
	n := len(before.lats)
	require.Greater(t, n, 1000)
	for _, p := range []person{bob, cat, eve} {
		assert.Len(t, read(t, a, p.token, ana.id, run.ID).lats, n, "without zones, others see the whole route")
	}

	// Zones on the route: around its start (which is near its end: a
	// loop), and 200 m around a point in its middle; one far away. The
	// route's positions from the owner's own GPX.
	var full routeFeature
	a.Do(http.MethodGet, "/v1/sessions/"+run.ID+"/route", ana.token, nil).JSON(t, &full)
	coords := full.Geometry.lines(t)[0]
	start, mid := coords[0], coords[len(coords)/2]
	zones := []map[string]any{
		{"center": map[string]any{"lat": start[1], "lon": start[0]}, "radius_m": 400},
		{"center": map[string]any{"lat": mid[1], "lon": mid[0]}, "radius_m": 200},
		{"center": map[string]any{"lat": -33.9, "lon": 151.2}, "radius_m": 2000},
	}
	var ids []string
	for _, z := range zones {
		r := a.Do(http.MethodPost, "/v1/me/privacy-zones", ana.token, z)
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
		var pz api.PrivacyZone
		r.JSON(t, &pz)
		assert.InDelta(t, z["radius_m"], pz.RadiusM, 0)
		ids = append(ids, pz.ID)
	}
	inside := check.inside(before.lats, before.lons)
	require.Greater(t, inside, 50, "the zones cover part of the route")

	for _, p := range []person{bob, cat, eve} {
		o := read(t, a, p.token, ana.id, run.ID)
		assert.True(t, o.routeFound)
		assert.True(t, o.listed)
		assert.Zero(t, check.inside(o.lats, o.lons), "no position within a zone reaches %s", p.id)
		for _, l := range o.lines {
			assert.False(t, check.lineEnters(l), "no line enters a zone: %.200s", l)
		}
		assert.Less(t, len(o.lats), n-inside, "fewer positions")
		assert.Greater(t, len(o.lats), n/2, "the rest is shown")
		// Figures stay whole.
		assert.Equal(t, before.summary.DistanceM, o.summary.DistanceM)
		assert.Equal(t, before.summary.MovingTimeS, o.summary.MovingTimeS)
		assert.Equal(t, before.summary.SplitsKm, o.summary.SplitsKm)
		assert.Equal(t, before.summary.BestEfforts, o.summary.BestEfforts)
	}
	var cut routeFeature
	a.Do(http.MethodGet, "/v1/sessions/"+run.ID+"/route", eve.token, nil).JSON(t, &cut)
	assert.Equal(t, "MultiLineString", cut.Geometry.Type, "the middle zone cuts the route in two")
	assert.InDelta(t, full.Properties.DistanceM, cut.Properties.DistanceM, 1e-6, "the distance is the whole route's")
	for _, p := range []person{bob, cat} { // the followers hike, a track elsewhere: untouched
		h := read(t, a, p.token, ana.id, hike.ID)
		assert.Zero(t, check.inside(h.lats, h.lons))
	}

	// The owner sees everything, and an anonymous reader nothing.
	assert.Equal(t, before.lats, read(t, a, ana.token, ana.id, run.ID).lats)
	for _, path := range []string{"/route", "/gpx", ""} {
		assert.Equal(t, http.StatusUnauthorized, a.Do(http.MethodGet, "/v1/sessions/"+run.ID+path, "", nil).Status)
	}

	// Moving the middle zone onto the start (a larger one) shows the
	// middle again and hides more around the start.
	r = a.Do(http.MethodPatch, "/v1/me/privacy-zones/"+ids[1], ana.token, map[string]any{
		"center": map[string]any{"lat": start[1], "lon": start[0]}, "radius_m": 1500})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var moved api.PrivacyZone
	r.JSON(t, &moved)
	assert.Equal(t, 1500.0, moved.RadiusM)
	o := read(t, a, eve.token, ana.id, run.ID)
	assert.Zero(t, check.inside(o.lats, o.lons))
	assert.Equal(t, "LineString", func() string {
		var f routeFeature
		a.Do(http.MethodGet, "/v1/sessions/"+run.ID+"/route", eve.token, nil).JSON(t, &f)
		return f.Geometry.Type
	}(), "one part left")

	// Deleting the zones shows the whole route again.
	for _, id := range ids {
		require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/me/privacy-zones/"+id, ana.token, nil).Status)
	}
	for _, p := range []person{bob, cat, eve} {
		assert.Equal(t, before.lats, read(t, a, p.token, ana.id, run.ID).lats)
	}
}

// A zone that holds a whole route hides it: no route (404), a GPX without
// a point, no polyline; the figures are still there.
func TestPrivacyZoneHidesAWholeRoute(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana, eve := signUpPerson(t, a, "ana@example.com"), signUpPerson(t, a, "eve@example.com")
	r := a.Upload("/v1/sessions/import", ana.token, map[string]string{"sport": "run", "visibility": "public"}, "file", "run.gpx",
		workoutFile(t, "togeojson__run-3seg-pauses-hr__Friday-Evening-Run.gpx"))
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var imp api.ImportResult
	r.JSON(t, &imp)
	var full routeFeature
	a.Do(http.MethodGet, "/v1/sessions/"+imp.Session.ID+"/route", ana.token, nil).JSON(t, &full)
	p := full.Geometry.lines(t)[0][0]
	require.Equal(t, http.StatusCreated, a.Do(http.MethodPost, "/v1/me/privacy-zones", ana.token,
		map[string]any{"center": map[string]any{"lat": p[1], "lon": p[0]}, "radius_m": 2000}).Status)

	r = a.Do(http.MethodGet, "/v1/sessions/"+imp.Session.ID+"/route", eve.token, nil)
	assert.Equal(t, http.StatusNotFound, r.Status, string(r.Body))
	r = a.Do(http.MethodGet, "/v1/sessions/"+imp.Session.ID+"/gpx", eve.token, nil)
	require.Equal(t, http.StatusOK, r.Status)
	assert.NotContains(t, string(r.Body), "<trkpt")
	var s api.Session
	a.Do(http.MethodGet, "/v1/sessions/"+imp.Session.ID, eve.token, nil).JSON(t, &s)
	assert.Empty(t, s.Summary.MapPolyline)
	assert.Equal(t, imp.Session.Summary.DistanceM, s.Summary.DistanceM)
	assert.Equal(t, http.StatusOK, a.Do(http.MethodGet, "/v1/sessions/"+imp.Session.ID+"/route", ana.token, nil).Status)
}

// Live: a watcher holding the share link gets the figures without the
// position while the owner is within a zone, with it once outside; the
// owner gets every position.
func TestPrivacyZonesHideLivePositionsFromWatchers(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana, bob := signUpPerson(t, a, "ana@example.com"), signUpPerson(t, a, "bob@example.com")
	require.Equal(t, http.StatusCreated, a.Do(http.MethodPost, "/v1/me/privacy-zones", ana.token,
		map[string]any{"center": map[string]any{"lat": 52.5, "lon": 13.4}, "radius_m": 300}).Status)

	r := a.Do(http.MethodPost, "/v1/sessions", ana.token, map[string]any{"sport": "run", "visibility": "private"})
	require.Equal(t, http.StatusCreated, r.Status)
	var s api.Session
	r.JSON(t, &s)
	r = a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/share", ana.token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var link api.ShareLink
	r.JSON(t, &link)
	bobConn := connectApp(t, a, bob.token, bob.id)
	bobConn.watch(t, a, bob.token, s.ID, map[string]any{"share_token": link.ShareToken})

	subscribe := func(c *appConn, subject string) chan api.LiveStats {
		ch := make(chan api.LiveStats, 100)
		_, err := c.nc.Subscribe(subject, func(m *nats.Msg) {
			var ls api.LiveStats
			if json.Unmarshal(m.Data, &ls) == nil {
				ch <- ls
			}
		})
		require.NoError(t, err)
		require.NoError(t, c.nc.Flush())
		return ch
	}
	toAna := subscribe(connectApp(t, a, ana.token, ana.id), api.LiveSessionSubject(ana.id, s.ID))
	toBob := subscribe(bobConn, api.LiveWatchSubject(s.ID))
	until := func(ch chan api.LiveStats, points int) api.LiveStats {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case ls := <-ch:
				if ls.Points >= points {
					return ls
				}
			case <-deadline:
				t.Fatalf("no figures with %d points", points)
			}
		}
	}
	t0 := time.Now().UTC().Add(-9 * time.Minute).Truncate(time.Second) // points 3 minutes apart: a runner's speed
	send := func(i int, lat, lon float64) {
		body := fmt.Sprintf(`{"points": [{"t": %q, "lat": %g, "lon": %g}]}`, t0.Add(time.Duration(i)*3*time.Minute).Format(time.RFC3339), lat, lon)
		r := a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/points", ana.token, body)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	}
	// 100 m from the centre: inside.
	send(0, 52.5009, 13.4)
	own, watched := until(toAna, 1), until(toBob, 1)
	require.NotNil(t, own.Position, "the owner gets her position")
	assert.InDelta(t, 52.5009, own.Position.Lat, 1e-9)
	assert.Nil(t, watched.Position, "the watcher does not")
	assert.Equal(t, own.DistanceM, watched.DistanceM, "the figures are whole")
	// 1 km away: outside.
	send(1, 52.509, 13.4)
	own, watched = until(toAna, 2), until(toBob, 2)
	require.NotNil(t, watched.Position, "outside the zone, the watcher gets the position")
	assert.InDelta(t, 52.509, watched.Position.Lat, 1e-9)
	assert.Equal(t, own.DistanceM, watched.DistanceM)
	// Back inside, then finished: the last position is hidden in the
	// final figures too.
	send(2, 52.5001, 13.4001)
	until(toBob, 3)
	require.Equal(t, http.StatusOK, a.Do(http.MethodPost, "/v1/sessions/"+s.ID+"/finish", ana.token, nil).Status)
	deadline := time.After(10 * time.Second)
	for done := false; !done; {
		select {
		case ls := <-toBob:
			if ls.Points == 3 {
				assert.Nil(t, ls.Position, "state %s", ls.State)
			}
			done = ls.State == "finished"
		case <-deadline:
			t.Fatal("no finished figures")
		}
	}
}

// Bad input on every operation is refused with the field and the reason
// and changes nothing; another user's zone does not exist for the caller.
func TestPrivacyZonesBadInput(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana, bob := signUpPerson(t, a, "ana@example.com"), signUpPerson(t, a, "bob@example.com")
	zone := func(lat, lon, radius float64) map[string]any {
		return map[string]any{"center": map[string]any{"lat": lat, "lon": lon}, "radius_m": radius}
	}
	var first api.PrivacyZone
	for i := 0; i < 5; i++ {
		r := a.Do(http.MethodPost, "/v1/me/privacy-zones", ana.token, zone(52.5+float64(i)/100, 13.4, 200+float64(i)*450))
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
		if i == 0 {
			r.JSON(t, &first)
		}
	}
	list := func(p person) []api.PrivacyZone {
		var l api.PrivacyZoneList
		r := a.Do(http.MethodGet, "/v1/me/privacy-zones", p.token, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		r.JSON(t, &l)
		assert.Nil(t, l.NextCursor)
		return l.Items
	}
	all := list(ana)
	require.Len(t, all, 5)
	assert.Equal(t, first, all[0], "oldest first")
	assert.Empty(t, list(bob), "Bob sees none of Ana's zones")

	// A sixth: 409, nothing stored.
	r := a.Do(http.MethodPost, "/v1/me/privacy-zones", ana.token, zone(48, 11, 500))
	assert.Equal(t, http.StatusConflict, r.Status, string(r.Body))
	assert.Equal(t, "conflict", r.Problem(t).Code)

	bad := []struct{ body, field string }{
		{`{"center": {"lat": 52.5, "lon": 13.4}, "radius_m": 100}`, "body.radius_m"},
		{`{"center": {"lat": 52.5, "lon": 13.4}, "radius_m": 3000}`, "body.radius_m"},
		{`{"center": {"lat": 91, "lon": 13.4}, "radius_m": 500}`, "body.center.lat"},
		{`{"center": {"lat": 52.5, "lon": -180.5}, "radius_m": 500}`, "body.center.lon"},
		{`{"center": {"lat": 52.5}, "radius_m": 500}`, "body.center.lon"},
		{`{"radius_m": 500}`, "body.center"},
		{`{"center": {"lat": 52.5, "lon": 13.4}}`, "body.radius_m"},
		{`{"center": {"lat": "north", "lon": 13.4}, "radius_m": 500}`, "body.center.lat"},
		{`{"center": {"lat": 52.5, "lon": 13.4}, "radius_m": 500, "name": "home"}`, "body.name"},
		{`{"center": `, "body"},
		{``, "body"},
	}
	// Bob (no zone yet) gets them all, so a refusal is the input's, not the limit's.
	for _, c := range bad {
		r := a.Do(http.MethodPost, "/v1/me/privacy-zones", bob.token, c.body)
		assert.Equal(t, http.StatusBadRequest, r.Status, c.body+": "+string(r.Body))
		assert.Contains(t, r.Problem(t).Fields(), c.field, c.body)
	}
	assert.Equal(t, http.StatusRequestEntityTooLarge, a.Do(http.MethodPost, "/v1/me/privacy-zones", bob.token,
		`{"center": {"lat": 52.5, "lon": 13.4}, "radius_m": 500, "x": "`+strings.Repeat("x", 1<<20)+`"}`).Status)
	assert.Empty(t, list(bob))

	patchBad := []struct{ body, field string }{
		{`{"radius_m": 100}`, "body.radius_m"},
		{`{"radius_m": 3000}`, "body.radius_m"},
		{`{"center": {"lat": 91, "lon": 13.4}}`, "body.center.lat"},
		{`{"center": {"lat": 52.5}}`, "body.center.lon"},
		{`{"radius_m": "wide"}`, "body.radius_m"},
		{`{"radius_m": `, "body"},
	}
	for _, c := range patchBad {
		r := a.Do(http.MethodPatch, "/v1/me/privacy-zones/"+first.ID, ana.token, c.body)
		assert.Equal(t, http.StatusBadRequest, r.Status, c.body+": "+string(r.Body))
		assert.Contains(t, r.Problem(t).Fields(), c.field, c.body)
	}
	assert.Equal(t, http.StatusRequestEntityTooLarge, a.Do(http.MethodPatch, "/v1/me/privacy-zones/"+first.ID, ana.token,
		`{"radius_m": 500, "x": "`+strings.Repeat("x", 1<<20)+`"}`).Status)
	assert.Equal(t, all, list(ana), "nothing changed")

	// Another user's zone, an unknown one, a malformed id.
	unknown := "01a218c9-95e8-7859-a437-7b9381224e73"
	for _, id := range []string{first.ID, unknown} {
		r := a.Do(http.MethodPatch, "/v1/me/privacy-zones/"+id, bob.token, map[string]any{"radius_m": 900})
		assert.Equal(t, http.StatusNotFound, r.Status, string(r.Body))
		assert.Equal(t, "not_found", r.Problem(t).Code)
		assert.Equal(t, http.StatusNotFound, a.Do(http.MethodDelete, "/v1/me/privacy-zones/"+id, bob.token, nil).Status)
	}
	for _, m := range []string{http.MethodPatch, http.MethodDelete} {
		r := a.Do(m, "/v1/me/privacy-zones/not-a-uuid", ana.token, map[string]any{"radius_m": 900})
		assert.Equal(t, http.StatusBadRequest, r.Status)
		assert.Equal(t, []string{"path.id"}, r.Problem(t).Fields())
	}
	assert.Equal(t, all, list(ana), "nothing changed")

	// Without a token: 401 everywhere.
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		assert.Equal(t, http.StatusUnauthorized, a.Do(m, "/v1/me/privacy-zones", "", zone(52.5, 13.4, 500)).Status)
	}
	for _, m := range []string{http.MethodPatch, http.MethodDelete} {
		assert.Equal(t, http.StatusUnauthorized, a.Do(m, "/v1/me/privacy-zones/"+first.ID, "", map[string]any{"radius_m": 900}).Status)
	}

	// An empty PATCH changes nothing; the bounds are allowed.
	r = a.Do(http.MethodPatch, "/v1/me/privacy-zones/"+first.ID, ana.token, map[string]any{})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var same api.PrivacyZone
	r.JSON(t, &same)
	assert.Equal(t, first, same)
	for _, radius := range []float64{200, 2000} {
		assert.Equal(t, http.StatusOK, a.Do(http.MethodPatch, "/v1/me/privacy-zones/"+first.ID, ana.token, map[string]any{"radius_m": radius}).Status)
	}
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/me/privacy-zones/"+first.ID, ana.token, nil).Status)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodDelete, "/v1/me/privacy-zones/"+first.ID, ana.token, nil).Status)
	assert.Len(t, list(ana), 4)

	// Eight at once: five are added, three refused; never six.
	cat := signUpPerson(t, a, "cat@example.com")
	statuses := make(chan int, 8)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- a.Do(http.MethodPost, "/v1/me/privacy-zones", cat.token, zone(40+float64(i), 2, 500)).Status
		}()
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for st := range statuses {
		count[st]++
	}
	assert.Equal(t, map[int]int{http.StatusCreated: 5, http.StatusConflict: 3}, count)
	assert.Len(t, list(cat), 5)
}
