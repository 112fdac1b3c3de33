package httpapi_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/social/api"
)

// greatCircleM is the distance between two points on the sphere of
// PostGIS's geography computations on the sphere (the mean radius of the
// WGS 84 ellipsoid, (2a+b)/3), by the haversine formula: an independent
// check of what the database answers.
func greatCircleM(lat1, lon1, lat2, lon2 float64) float64 {
	const a, b = 6378137.0, 6356752.314245179
	const r = (2*a + b) / 3
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * r * math.Asin(math.Sqrt(h))
}

// searchAll pages through a search (limit per page) and returns every
// group found, in order.
func searchAll(t *testing.T, a *apptest.App, token string, q url.Values, limit int) []api.Group {
	t.Helper()
	var out []api.Group
	q.Set("limit", fmt.Sprint(limit))
	for pages := 0; ; pages++ {
		require.Less(t, pages, 1000)
		r := a.Do(http.MethodGet, "/v1/groups?"+q.Encode(), token, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var page api.GroupList
		r.JSON(t, &page)
		require.LessOrEqual(t, len(page.Items), limit)
		out = append(out, page.Items...)
		if page.NextCursor == nil {
			return out
		}
		q.Set("cursor", *page.NextCursor)
	}
}

func names(gs []api.Group) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.Name
	}
	return out
}

// Near searches against known distances: PostGIS's distance on the sphere
// agrees with an independent great-circle sum, the radius holds, the
// order is by distance, pages join up, and the antimeridian is no edge.
func TestSearchNearKnownPlaces(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "social")
	ana := signUp(t, a, "ana@example.com")
	places := []struct {
		name     string
		lat, lon float64
	}{
		{"Berlin Mitte", 52.5200, 13.4050}, {"Potsdam", 52.3906, 13.0645}, {"Hamburg", 53.5511, 9.9937},
		{"Munich", 48.1351, 11.5820}, {"Leipzig", 51.3397, 12.3731}, {"Frankfurt Oder", 52.3471, 14.5506},
		{"Spandau", 52.5351, 13.2003}, {"Koepenick", 52.4456, 13.5766}, {"Paris", 48.8566, 2.3522},
		{"Prenzlauer Berg", 52.5388, 13.4244}, {"Taveuni", -16.80, 179.99}, {"Rabi", -16.78, -179.98},
		{"Equator West", 0, -0.001}, {"Equator East", 0, 0.001},
	}
	for _, p := range places {
		createGroup(t, a, ana, map[string]any{"name": p.name, "place": map[string]any{"lat": p.lat, "lon": p.lon, "radius_m": 1000}})
	}
	createGroup(t, a, ana, map[string]any{"name": "Nowhere"})

	for _, c := range []struct {
		lat, lon float64
		radius   int
	}{{52.5200, 13.4050, 300_000}, {52.5200, 13.4050, 20_000}, {48.5, 7.0, 500_000}, {-16.79, 180, 10_000}, {0, 0, 200}} {
		type hit struct {
			name string
			d    float64
		}
		var want []hit
		for _, p := range places {
			if d := greatCircleM(c.lat, c.lon, p.lat, p.lon); d <= float64(c.radius) {
				want = append(want, hit{p.name, d})
			}
		}
		sort.Slice(want, func(i, j int) bool { return want[i].d < want[j].d })
		q := url.Values{"near": {fmt.Sprintf("%g,%g", c.lat, c.lon)}, "radius_m": {fmt.Sprint(c.radius)}}
		got := searchAll(t, a, ana.token, q, 2)
		require.Len(t, got, len(want), "near %+v: %v", c, names(got))
		for i, g := range got {
			assert.Equal(t, want[i].name, g.Name, "near %+v, #%d", c, i)
			require.NotNil(t, g.DistanceM)
			assert.InDelta(t, want[i].d, *g.DistanceM, 0.01+want[i].d*1e-9, "%s from %+v", g.Name, c)
		}
	}

	// Without near, groups come newest first and have no distance.
	all := searchAll(t, a, ana.token, url.Values{}, 4)
	require.Len(t, all, len(places)+1)
	assert.Equal(t, "Nowhere", all[0].Name)
	assert.Nil(t, all[0].DistanceM)
}

// Filters: sport, goal, text, mine; private groups are found (their facts)
// by anyone, their members are not shown to strangers.
func TestSearchFilters(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "social")
	ana, bob := signUp(t, a, "ana@example.com"), signUp(t, a, "bob@example.com")
	createGroup(t, a, ana, map[string]any{"name": "Dawn Runners", "sports": []string{"run"}, "goals": []string{"First Marathon"}})
	createGroup(t, a, ana, map[string]any{"name": "Lake Swimmers", "description": "open water, 100% fun", "sports": []string{"swim"},
		"goals": []string{"weight loss"}})
	secret := createGroup(t, a, ana, map[string]any{"name": "Secret Track Club", "sports": []string{"run"}, "visibility": "private",
		"goals": []string{"first marathon"}})
	bobs := createGroup(t, a, bob, map[string]any{"name": "Bob's Rides", "description": "gravel_and_road", "sports": []string{"ride"}})

	find := func(token string, q url.Values) []string { return names(searchAll(t, a, token, q, 3)) }
	assert.Equal(t, []string{"Secret Track Club", "Dawn Runners"}, find(bob.token, url.Values{"sport": {"run"}}))
	assert.Equal(t, []string{"Secret Track Club", "Dawn Runners"}, find(bob.token, url.Values{"goal": {"FIRST  marathon"}}))
	assert.Equal(t, []string{"Dawn Runners"}, find(bob.token, url.Values{"q": {"dawn run"}}))
	assert.Equal(t, []string{"Lake Swimmers"}, find(bob.token, url.Values{"q": {"OPEN WATER"}}))
	assert.Equal(t, []string{"Lake Swimmers"}, find(bob.token, url.Values{"q": {"100%"}}), "% is a character")
	assert.Empty(t, find(bob.token, url.Values{"q": {"0%f"}}))
	assert.Equal(t, []string{"Bob's Rides"}, find(bob.token, url.Values{"q": {"l_a"}}), "_ is a character")
	assert.Empty(t, find(bob.token, url.Values{"q": {"xyz"}}))
	assert.Equal(t, []string{"Bob's Rides"}, find(bob.token, url.Values{"mine": {"true"}}))
	assert.Equal(t, []string{"Secret Track Club", "Lake Swimmers", "Dawn Runners"}, find(ana.token, url.Values{"mine": {"true"}}))
	assert.Equal(t, []string{"Secret Track Club"}, find(ana.token, url.Values{"mine": {"true"}, "sport": {"run"}, "goal": {"first marathon"}, "q": {"track"}}))

	// Bob finds the private group, with his place in it, but not its members.
	found := searchAll(t, a, bob.token, url.Values{"q": {"secret"}}, 10)
	require.Len(t, found, 1)
	assert.Equal(t, secret.ID, found[0].ID)
	assert.Equal(t, "private", found[0].Visibility)
	assert.Equal(t, "none", found[0].Membership)
	assert.Equal(t, http.StatusForbidden, a.Do(http.MethodGet, "/v1/groups/"+secret.ID+"/members", bob.token, nil).Status)
	mine := searchAll(t, a, bob.token, url.Values{"mine": {"true"}}, 10)
	require.Len(t, mine, 1)
	assert.Equal(t, bobs.ID, mine[0].ID)
	require.NotNil(t, mine[0].Role)
	assert.Equal(t, "owner", *mine[0].Role)
}

func decodeJSON(tb testing.TB, body []byte, v any) {
	tb.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		tb.Fatal(err)
	}
}
