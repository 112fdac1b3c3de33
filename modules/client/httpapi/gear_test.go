package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/client/api"
	trainingapi "github.com/athlos/athlos/modules/training/api"
)

const gearPath = "/v1/me/gear"

func createGear(t *testing.T, a *apptest.App, token string, body any) api.Gear {
	t.Helper()
	r := a.Do(http.MethodPost, gearPath, token, body)
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var g api.Gear
	r.JSON(t, &g)
	assert.Equal(t, gearPath+"/"+g.ID, r.Header.Get("Location"))
	return g
}

func getGear(t *testing.T, a *apptest.App, token, id string) api.Gear {
	t.Helper()
	r := a.Do(http.MethodGet, gearPath+"/"+id, token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var g api.Gear
	r.JSON(t, &g)
	return g
}

func patchGear(t *testing.T, a *apptest.App, token, id string, body any) api.Gear {
	t.Helper()
	r := a.Do(http.MethodPatch, gearPath+"/"+id, token, body)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var g api.Gear
	r.JSON(t, &g)
	return g
}

func listGear(t *testing.T, a *apptest.App, token, query string) api.GearPage {
	t.Helper()
	r := a.Do(http.MethodGet, gearPath+query, token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var p api.GearPage
	r.JSON(t, &p)
	return p
}

// assertInvalid checks a 400 problem that names a field starting with field.
func assertInvalid(t *testing.T, r apptest.Response, field, name string) {
	t.Helper()
	if !assert.Equal(t, http.StatusBadRequest, r.Status, name+": "+string(r.Body)) {
		return
	}
	fields := r.Problem(t).Fields()
	for _, f := range fields {
		if f == field || strings.HasPrefix(f, field+"[") || strings.HasPrefix(f, field+".") {
			return
		}
	}
	t.Errorf("%s: fields %v do not name %s", name, fields, field)
}

func TestGearCreateGetListPatchDelete(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client")
	tok := a.SignUp("ana@example.com").AccessToken

	// The least there is: a type.
	shoes := createGear(t, a, tok, map[string]any{"type": "shoes"})
	_, err := uuid.Parse(shoes.ID)
	require.NoError(t, err)
	assert.Equal(t, "shoes", shoes.Type)
	assert.Equal(t, "shoes", shoes.Name)
	assert.Nil(t, shoes.Brand)
	assert.Nil(t, shoes.ReplacementThresholdM)
	assert.Equal(t, []string{}, shoes.DefaultFor)
	assert.Equal(t, []api.Component{}, shoes.Components)
	assert.Zero(t, shoes.DistanceM)
	assert.False(t, shoes.Retired)
	assert.WithinDuration(t, time.Now(), shoes.CreatedAt, time.Minute)

	// Everything, on a bike.
	installed := time.Date(2026, 1, 10, 8, 0, 0, 0, time.UTC)
	bike := createGear(t, a, tok, map[string]any{
		"type": "bike", "brand": "  Canyon ", "model": "Endurace CF 7", "nickname": "Blue", "purchase_date": "2025-12-24",
		"starting_distance_m": 1500.5, "replacement_threshold_m": 30000000, "default_for": []string{"ride", "run"},
		"components": []map[string]any{
			{"type": "chain", "brand": "Shimano", "model": "CN-M8100", "replacement_threshold_m": 3000000, "installed_at": installed},
			{"type": "tyre_rear", "brand": "Continental"},
		},
	})
	assert.Equal(t, "Canyon", *bike.Brand, "trimmed")
	assert.Equal(t, "Blue", bike.Name)
	assert.Equal(t, "2025-12-24", *bike.PurchaseDate)
	assert.Equal(t, 1500.5, bike.StartingDistanceM)
	assert.Equal(t, 1500.5, bike.DistanceM, "the starting distance counts")
	assert.Equal(t, []string{"run", "ride"}, bike.DefaultFor, "sports in their canonical order")
	require.Len(t, bike.Components, 2)
	assert.Equal(t, "chain", bike.Components[0].Type)
	assert.True(t, installed.Equal(bike.Components[0].InstalledAt))
	assert.Equal(t, 3000000.0, *bike.Components[0].ReplacementThresholdM)
	assert.WithinDuration(t, time.Now(), bike.Components[1].InstalledAt, time.Minute, "installed now by default")

	got := getGear(t, a, tok, bike.ID)
	assert.Equal(t, bike, got, "GET answers what POST did")

	page := listGear(t, a, tok, "")
	require.Len(t, page.Items, 2)
	assert.Equal(t, bike.ID, page.Items[0].ID, "newest first")
	assert.Equal(t, shoes.ID, page.Items[1].ID)
	assert.Nil(t, page.NextCursor)

	// PATCH changes what it names, and null clears.
	p := patchGear(t, a, tok, bike.ID, map[string]any{"nickname": nil, "purchase_date": nil, "model": "Endurace CF 8"})
	assert.Nil(t, p.Nickname)
	assert.Nil(t, p.PurchaseDate)
	assert.Equal(t, "Endurace CF 8", *p.Model)
	assert.Equal(t, "Canyon Endurace CF 8", p.Name)
	assert.Equal(t, "Canyon", *p.Brand, "untouched")
	assert.Equal(t, 30000000.0, *p.ReplacementThresholdM, "untouched")
	assert.Equal(t, bike.Components, p.Components, "untouched")
	assert.Equal(t, []string{"run", "ride"}, p.DefaultFor, "untouched")
	assert.True(t, p.UpdatedAt.After(bike.UpdatedAt))
	p = patchGear(t, a, tok, bike.ID, map[string]any{"replacement_threshold_m": nil, "brand": nil, "model": nil, "default_for": []string{}})
	assert.Nil(t, p.ReplacementThresholdM)
	assert.Equal(t, "bike", p.Name)
	assert.Equal(t, []string{}, p.DefaultFor)
	assert.Equal(t, p, getGear(t, a, tok, bike.ID), "the change was stored")
	// An empty patch changes nothing.
	assert.Equal(t, p, patchGear(t, a, tok, bike.ID, map[string]any{}))

	// Components: keep one (by id), change it, add one, drop the other.
	chain := p.Components[0]
	p = patchGear(t, a, tok, bike.ID, map[string]any{"components": []map[string]any{
		{"id": chain.ID, "type": "chain", "brand": "KMC", "replacement_threshold_m": 2500000},
		{"type": "brake_pads"},
	}})
	require.Len(t, p.Components, 2)
	assert.Equal(t, chain.ID, p.Components[0].ID)
	assert.Equal(t, "KMC", *p.Components[0].Brand)
	assert.Nil(t, p.Components[0].Model, "an item describes the component in full")
	assert.True(t, chain.InstalledAt.Equal(p.Components[0].InstalledAt), "kept without a new installed_at")
	assert.Equal(t, "brake_pads", p.Components[1].Type)
	p = patchGear(t, a, tok, bike.ID, map[string]any{"components": []any{}})
	assert.Equal(t, []api.Component{}, p.Components)

	// Retire and filter.
	p = patchGear(t, a, tok, shoes.ID, map[string]any{"retired": true})
	assert.True(t, p.Retired)
	assert.Equal(t, []string{shoes.ID}, ids(listGear(t, a, tok, "?retired=true").Items))
	assert.Equal(t, []string{bike.ID}, ids(listGear(t, a, tok, "?retired=false").Items))

	// Delete: gone from the API, for every verb.
	r := a.Do(http.MethodDelete, gearPath+"/"+shoes.ID, tok, nil)
	assert.Equal(t, http.StatusNoContent, r.Status, string(r.Body))
	assert.Empty(t, r.Body)
	for _, m := range []string{http.MethodGet, http.MethodPatch, http.MethodDelete} {
		r := a.Do(m, gearPath+"/"+shoes.ID, tok, map[string]any{})
		assert.Equal(t, http.StatusNotFound, r.Status, m)
		assert.Equal(t, "not_found", r.Problem(t).Code, m)
	}
	assert.Equal(t, []string{bike.ID}, ids(listGear(t, a, tok, "").Items))

	// Every change was announced through the outbox.
	js := bustest.Conn(t, a.NATS).JS
	waitOutboxEmpty(t, a)
	counts := subjectCounts(t, js)
	assert.EqualValues(t, 2, counts[api.EventGearCreated])
	assert.EqualValues(t, 5, counts[api.EventGearUpdated], "five patches that changed something (the empty one did not)")
	assert.EqualValues(t, 1, counts[api.EventGearDeleted])
	assert.Zero(t, counts[api.EventGearWearLimit])
	var deleted api.GearDeleted
	require.NoError(t, json.Unmarshal(lastMessage(t, js, api.EventGearDeleted).Data(), &deleted))
	assert.Equal(t, shoes.ID, deleted.GearID)
	var updated api.GearChanged
	require.NoError(t, json.Unmarshal(lastMessage(t, js, api.EventGearUpdated).Data(), &updated))
	assert.Equal(t, shoes.ID, updated.Gear.ID)
	assert.True(t, updated.Gear.Retired)
}

func ids(items []api.Gear) []string {
	out := []string{}
	for _, g := range items {
		out = append(out, g.ID)
	}
	return out
}

func TestGearPagination(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client")
	tok := a.SignUp("ana@example.com").AccessToken
	var made []string
	for i := range 5 {
		made = append([]string{createGear(t, a, tok, map[string]any{"type": "shoes", "nickname": fmt.Sprint("pair ", i), "retired": i%2 == 1}).ID}, made...)
	}
	var seen []string
	query := "?limit=2"
	for pages := 0; ; pages++ {
		require.Less(t, pages, 5)
		p := listGear(t, a, tok, query)
		assert.LessOrEqual(t, len(p.Items), 2)
		seen = append(seen, ids(p.Items)...)
		if p.NextCursor == nil {
			break
		}
		query = "?limit=2&cursor=" + *p.NextCursor
	}
	assert.Equal(t, made, seen, "every item once, newest first")
	assert.Len(t, listGear(t, a, tok, "").Items, 5, "default page size")
	assert.Len(t, listGear(t, a, tok, "?retired=true&limit=100").Items, 2)
	active := listGear(t, a, tok, "?retired=false&limit=1")
	require.Len(t, active.Items, 1)
	require.NotNil(t, active.NextCursor)
	assert.Len(t, listGear(t, a, tok, "?retired=false&cursor="+*active.NextCursor).Items, 2, "the filter holds across pages")

	// Another user sees none of it.
	other := a.SignUp("bob@example.com").AccessToken
	p := listGear(t, a, other, "")
	assert.Equal(t, []api.Gear{}, p.Items)
	assert.Nil(t, p.NextCursor)

	for q, field := range map[string]string{
		"?limit=0": "query.limit", "?limit=101": "query.limit", "?limit=x": "query.limit",
		"?cursor=***": "query.cursor", "?cursor=" + strings.Repeat("A", 65): "query.cursor", "?cursor=AAAA": "query.cursor",
		"?retired=maybe": "query.retired",
	} {
		assertInvalid(t, a.Do(http.MethodGet, gearPath+q, tok, nil), field, q)
	}
}

func TestGearValidation(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client")
	tok := a.SignUp("ana@example.com").AccessToken
	long := strings.Repeat("x", 101)
	future := time.Now().AddDate(0, 0, 5)

	// Limits that are just allowed.
	g := createGear(t, a, tok, map[string]any{"type": "other", "brand": strings.Repeat("é", 100),
		"starting_distance_m": 1e8, "replacement_threshold_m": 1e8, "purchase_date": time.Now().UTC().Format("2006-01-02")})
	assert.Equal(t, 1e8, g.DistanceM)
	comps := make([]map[string]any, 20)
	for i := range comps {
		comps[i] = map[string]any{"type": "other"}
	}
	assert.Len(t, createGear(t, a, tok, map[string]any{"type": "bike", "components": comps}).Components, 20)

	create := []struct {
		name  string
		body  any
		field string
	}{
		{"missing type", map[string]any{"brand": "Brooks"}, "body.type"},
		{"unknown type", map[string]any{"type": "hoverboard"}, "body.type"},
		{"type not a string", map[string]any{"type": 5}, "body.type"},
		{"long brand", map[string]any{"type": "shoes", "brand": long}, "body.brand"},
		{"long model", map[string]any{"type": "shoes", "model": long}, "body.model"},
		{"long nickname", map[string]any{"type": "shoes", "nickname": long}, "body.nickname"},
		{"control characters", map[string]any{"type": "shoes", "nickname": "a\nb"}, "body.nickname"},
		{"not a date", map[string]any{"type": "shoes", "purchase_date": "2025-13-01"}, "body.purchase_date"},
		{"future purchase", map[string]any{"type": "shoes", "purchase_date": future.Format("2006-01-02")}, "body.purchase_date"},
		{"ancient purchase", map[string]any{"type": "shoes", "purchase_date": "1850-01-01"}, "body.purchase_date"},
		{"negative start", map[string]any{"type": "shoes", "starting_distance_m": -1}, "body.starting_distance_m"},
		{"huge start", map[string]any{"type": "shoes", "starting_distance_m": 1e8 + 1}, "body.starting_distance_m"},
		{"zero threshold", map[string]any{"type": "shoes", "replacement_threshold_m": 0}, "body.replacement_threshold_m"},
		{"huge threshold", map[string]any{"type": "shoes", "replacement_threshold_m": 2e8}, "body.replacement_threshold_m"},
		{"threshold not a number", map[string]any{"type": "shoes", "replacement_threshold_m": "800 km"}, "body.replacement_threshold_m"},
		{"unknown sport", map[string]any{"type": "shoes", "default_for": []string{"run", "flying"}}, "body.default_for"},
		{"sport twice", map[string]any{"type": "shoes", "default_for": []string{"run", "run"}}, "body.default_for"},
		{"a list in the list", map[string]any{"type": "shoes", "default_for": []any{[]any{}}}, "body.default_for"},
		{"retired default", map[string]any{"type": "shoes", "retired": true, "default_for": []string{"run"}}, "body.default_for"},
		{"components on shoes", map[string]any{"type": "shoes", "components": []map[string]any{{"type": "chain"}}}, "body.components"},
		{"too many components", map[string]any{"type": "bike", "components": append(comps, map[string]any{"type": "chain"})}, "body.components"},
		{"component type", map[string]any{"type": "bike", "components": []map[string]any{{"type": "flux_capacitor"}}}, "body.components[0].type"},
		{"component without type", map[string]any{"type": "bike", "components": []map[string]any{{"brand": "SRAM"}}}, "body.components[0].type"},
		{"component threshold", map[string]any{"type": "bike", "components": []map[string]any{{"type": "chain", "replacement_threshold_m": -5}}}, "body.components[0].replacement_threshold_m"},
		{"component brand", map[string]any{"type": "bike", "components": []map[string]any{{"type": "chain", "brand": long}}}, "body.components[0].brand"},
		{"component installed later", map[string]any{"type": "bike", "components": []map[string]any{{"type": "chain", "installed_at": future}}}, "body.components[0].installed_at"},
		{"component installed_at not a time", map[string]any{"type": "bike", "components": []map[string]any{{"type": "chain", "installed_at": "last week"}}}, "body.components[0].installed_at"},
		{"component id on create", map[string]any{"type": "bike", "components": []map[string]any{{"id": uuid.NewString(), "type": "chain"}}}, "body.components[0].id"},
		{"unknown field", map[string]any{"type": "shoes", "colour": "blue"}, "body.colour"},
		{"totals are not writable", map[string]any{"type": "shoes", "distance_m": 5}, "body.distance_m"},
		{"not an object", []any{"shoes"}, "body"},
	}
	for _, c := range create {
		assertInvalid(t, a.Do(http.MethodPost, gearPath, tok, c.body), c.field, c.name)
	}
	assert.Equal(t, http.StatusBadRequest, a.Do(http.MethodPost, gearPath, tok, `{"type": "shoes"`).Status, "malformed JSON")
	assert.Equal(t, http.StatusBadRequest, a.Do(http.MethodPost, gearPath, tok, ``).Status, "no body")
	assert.Equal(t, http.StatusRequestEntityTooLarge,
		a.Do(http.MethodPost, gearPath, tok, `{"type": "shoes", "nickname": "`+strings.Repeat("n", 100<<10)+`"}`).Status, "huge body")

	bike := createGear(t, a, tok, map[string]any{"type": "bike", "components": []map[string]any{{"type": "chain"}}})
	shoes := createGear(t, a, tok, map[string]any{"type": "shoes"})
	chain := bike.Components[0].ID
	patch := []struct {
		name  string
		id    string
		body  any
		field string
	}{
		{"type cannot change", bike.ID, map[string]any{"type": "shoes"}, "body.type"},
		{"long brand", bike.ID, map[string]any{"brand": long}, "body.brand"},
		{"control characters", bike.ID, map[string]any{"model": "a\tb"}, "body.model"},
		{"not a date", bike.ID, map[string]any{"purchase_date": "yesterday"}, "body.purchase_date"},
		{"starting distance null", bike.ID, map[string]any{"starting_distance_m": nil}, "body.starting_distance_m"},
		{"negative start", bike.ID, map[string]any{"starting_distance_m": -3}, "body.starting_distance_m"},
		{"negative threshold", bike.ID, map[string]any{"replacement_threshold_m": -1}, "body.replacement_threshold_m"},
		{"retired null", bike.ID, map[string]any{"retired": nil}, "body.retired"},
		{"retired not a bool", bike.ID, map[string]any{"retired": "yes"}, "body.retired"},
		{"default_for null", bike.ID, map[string]any{"default_for": nil}, "body.default_for"},
		{"unknown sport", bike.ID, map[string]any{"default_for": []string{"chess"}}, "body.default_for"},
		{"a list in the list", bike.ID, map[string]any{"default_for": []any{[]any{}}}, "body.default_for"},
		{"retire as a default", bike.ID, map[string]any{"retired": true, "default_for": []string{"ride"}}, "body.default_for"},
		{"components null", bike.ID, map[string]any{"components": nil}, "body.components"},
		{"unknown component", bike.ID, map[string]any{"components": []map[string]any{{"id": uuid.NewString(), "type": "chain"}}}, "body.components[0].id"},
		{"component twice", bike.ID, map[string]any{"components": []map[string]any{{"id": chain, "type": "chain"}, {"id": chain, "type": "chain"}}}, "body.components[1].id"},
		{"component id not a uuid", bike.ID, map[string]any{"components": []map[string]any{{"id": "chain-1", "type": "chain"}}}, "body.components[0].id"},
		{"components on shoes", shoes.ID, map[string]any{"components": []map[string]any{{"type": "chain"}}}, "body.components"},
		{"unknown field", bike.ID, map[string]any{"colour": "red"}, "body.colour"},
		{"not an object", bike.ID, "[1, 2]", "body"},
	}
	for _, c := range patch {
		assertInvalid(t, a.Do(http.MethodPatch, gearPath+"/"+c.id, tok, c.body), c.field, c.name)
	}
	assert.Equal(t, http.StatusBadRequest, a.Do(http.MethodPatch, gearPath+"/"+bike.ID, tok, `{"brand": `).Status, "malformed JSON")
	assert.Equal(t, http.StatusRequestEntityTooLarge,
		a.Do(http.MethodPatch, gearPath+"/"+bike.ID, tok, `{"brand": "`+strings.Repeat("b", 100<<10)+`"}`).Status, "huge body")
	// None of it changed anything.
	assert.Equal(t, bike, getGear(t, a, tok, bike.ID))
	assert.Len(t, listGear(t, a, tok, "").Items, 4)
}

func TestGearBelongsToItsOwner(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client")
	anaTok := a.SignUp("ana@example.com")
	ana := anaTok.AccessToken
	bob := a.SignUp("bob@example.com").AccessToken
	g := createGear(t, a, ana, map[string]any{"type": "shoes", "nickname": "mine", "default_for": []string{"run"}})

	for _, id := range []string{g.ID, uuid.NewString()} {
		for _, m := range []string{http.MethodGet, http.MethodPatch, http.MethodDelete} {
			r := a.Do(m, gearPath+"/"+id, bob, map[string]any{"nickname": "stolen"})
			assert.Equal(t, http.StatusNotFound, r.Status, m)
			p := r.Problem(t)
			assert.Equal(t, "not_found", p.Code)
			assert.Equal(t, "no such gear", p.Detail, "the same answer for someone else's item and an unknown one")
		}
	}
	assert.Equal(t, "mine", *getGear(t, a, ana, g.ID).Nickname, "untouched")

	for _, id := range []string{"not-a-uuid", "1234", strings.ReplaceAll(g.ID, "-", "")} {
		for _, m := range []string{http.MethodGet, http.MethodPatch, http.MethodDelete} {
			assertInvalid(t, a.Do(m, gearPath+"/"+id, ana, map[string]any{}), "path.id", m+" "+id)
		}
	}

	for _, c := range []struct{ method, path string }{
		{http.MethodGet, gearPath}, {http.MethodPost, gearPath},
		{http.MethodGet, gearPath + "/" + g.ID}, {http.MethodPatch, gearPath + "/" + g.ID}, {http.MethodDelete, gearPath + "/" + g.ID},
	} {
		r := a.Do(c.method, c.path, "", map[string]any{"type": "shoes"})
		assert.Equal(t, http.StatusUnauthorized, r.Status, c.method+" "+c.path)
		r = a.Do(c.method, c.path, "not.a.token", map[string]any{"type": "shoes"})
		assert.Equal(t, http.StatusUnauthorized, r.Status, c.method+" "+c.path)
	}
	assert.Equal(t, []string{g.ID}, ids(listGear(t, a, ana, "").Items))

	// Deleting the account erases its gear.
	createGear(t, a, bob, map[string]any{"type": "shoes"})
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/me", ana, map[string]any{"password": apptest.Password}).Status)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, a.DBURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var mine, all int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FILTER (WHERE user_id = $1), count(*) FROM client.gear", anaTok.UserID).Scan(&mine, &all))
	assert.Zero(t, mine)
	assert.Equal(t, 1, all, "Bob's stays")
}

func TestGearSportDefaults(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client")
	tok := a.SignUp("ana@example.com").AccessToken
	old := createGear(t, a, tok, map[string]any{"type": "shoes", "default_for": []string{"run", "trail_run"}})
	bike := createGear(t, a, tok, map[string]any{"type": "bike", "default_for": []string{"ride", "run"}})

	// A new pair of shoes takes "run" from the old pair, not from the bike.
	pair := createGear(t, a, tok, map[string]any{"type": "shoes", "default_for": []string{"run", "walk"}})
	assert.Equal(t, []string{"run", "walk"}, pair.DefaultFor)
	assert.Equal(t, []string{"trail_run"}, getGear(t, a, tok, old.ID).DefaultFor)
	assert.Equal(t, []string{"run", "ride"}, getGear(t, a, tok, bike.ID).DefaultFor)

	// Moving by PATCH.
	assert.Equal(t, []string{"run", "trail_run"}, patchGear(t, a, tok, old.ID, map[string]any{"default_for": []string{"trail_run", "run"}}).DefaultFor)
	assert.Equal(t, []string{"walk"}, getGear(t, a, tok, pair.ID).DefaultFor)

	// Retiring drops the defaults; deleting frees them.
	r := patchGear(t, a, tok, old.ID, map[string]any{"retired": true})
	assert.Equal(t, []string{}, r.DefaultFor)
	assert.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, gearPath+"/"+pair.ID, tok, nil).Status)
	fresh := createGear(t, a, tok, map[string]any{"type": "shoes", "default_for": []string{"walk", "run", "trail_run"}})
	assert.Equal(t, []string{"run", "trail_run", "walk"}, fresh.DefaultFor)
	assert.Equal(t, []string{"run", "ride"}, getGear(t, a, tok, bike.ID).DefaultFor)

	// Another user's defaults are theirs.
	bob := a.SignUp("bob@example.com").AccessToken
	createGear(t, a, bob, map[string]any{"type": "shoes", "default_for": []string{"run"}})
	assert.Equal(t, []string{"run", "trail_run", "walk"}, getGear(t, a, tok, fresh.ID).DefaultFor)

	// The items that lost a default were announced as updated.
	js := bustest.Conn(t, a.NATS).JS
	waitOutboxEmpty(t, a)
	assert.EqualValues(t, 4, subjectCounts(t, js)[api.EventGearUpdated], "old lost run, pair lost run, old's patch and retirement")
}

func TestGearLimit(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client")
	tok := a.SignUp("ana@example.com").AccessToken
	var last api.Gear
	for range 100 {
		last = createGear(t, a, tok, map[string]any{"type": "other"})
	}
	r := a.Do(http.MethodPost, gearPath, tok, map[string]any{"type": "other"})
	assert.Equal(t, http.StatusConflict, r.Status, string(r.Body))
	assert.Contains(t, r.Problem(t).Detail, "100")
	// Deleting one makes room (a retired one would still count).
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, gearPath+"/"+last.ID, tok, nil).Status)
	createGear(t, a, tok, map[string]any{"type": "other"})
	// The limit is per user.
	createGear(t, a, a.SignUp("bob@example.com").AccessToken, map[string]any{"type": "other"})
}

// session is an evt.training.session.completed payload.
func session(user string, distance float64, at time.Time, gear ...string) trainingapi.SessionCompleted {
	return trainingapi.SessionCompleted{SessionID: uuid.NewString(), UserID: user, Sport: "run", DistanceM: distance,
		MovingTimeS: distance / 3, ElapsedTimeS: distance/3 + 60, GearIDs: gear, CompletedAt: at}
}

func publishSession(t *testing.T, js jetstream.JetStream, msgID string, s any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := bus.PublishStream(ctx, js, trainingapi.EventSessionCompleted, msgID, s)
	require.NoError(t, err)
}

// waitGear polls an item until cond holds.
func waitGear(t *testing.T, a *apptest.App, token, id string, cond func(api.Gear) bool) api.Gear {
	t.Helper()
	var g api.Gear
	require.Eventually(t, func() bool {
		g = getGear(t, a, token, id)
		return cond(g)
	}, 15*time.Second, 20*time.Millisecond, "item %s never got there", id)
	return g
}

func waitOutboxEmpty(t *testing.T, a *apptest.App) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, a.DBURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM client.outbox").Scan(&n))
		return n == 0
	}, 15*time.Second, 20*time.Millisecond, "the outbox was not relayed")
}

// subjectCounts counts the messages in EVT_CLIENT per subject.
func subjectCounts(t *testing.T, js jetstream.JetStream) map[string]uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, bus.EventStream(api.Module))
	require.NoError(t, err)
	info, err := s.Info(ctx, jetstream.WithSubjectFilter("evt.client.gear.>"))
	require.NoError(t, err)
	return info.State.Subjects
}

// messages reads every message of EVT_CLIENT on subject.
func messages(t *testing.T, js jetstream.JetStream, subject string) []jetstream.Msg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n := subjectCounts(t, js)[subject]
	if n == 0 {
		return nil
	}
	c, err := js.OrderedConsumer(ctx, bus.EventStream(api.Module), jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	require.NoError(t, err)
	var out []jetstream.Msg
	for uint64(len(out)) < n {
		batch, err := c.Fetch(int(n)-len(out), jetstream.FetchMaxWait(5*time.Second))
		require.NoError(t, err)
		for m := range batch.Messages() {
			out = append(out, m)
		}
		require.NoError(t, batch.Error())
	}
	return out
}

func lastMessage(t *testing.T, js jetstream.JetStream, subject string) jetstream.Msg {
	t.Helper()
	ms := messages(t, js, subject)
	require.NotEmpty(t, ms)
	return ms[len(ms)-1]
}

func wearEvents(t *testing.T, js jetstream.JetStream) []api.GearWearLimitReached {
	t.Helper()
	var out []api.GearWearLimitReached
	for _, m := range messages(t, js, api.EventGearWearLimit) {
		var ev api.GearWearLimitReached
		require.NoError(t, json.Unmarshal(m.Data(), &ev))
		out = append(out, ev)
	}
	return out
}

func TestGearTotalsFromSessions(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client")
	anaTok := a.SignUp("ana@example.com")
	bobTok := a.SignUp("bob@example.com")
	ana := anaTok.UserID
	js := bustest.Conn(t, a.NATS).JS
	start := time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Second)

	shoes := createGear(t, a, anaTok.AccessToken, map[string]any{"type": "shoes", "starting_distance_m": 100000, "replacement_threshold_m": 120000})
	bike := createGear(t, a, anaTok.AccessToken, map[string]any{"type": "bike", "components": []map[string]any{
		{"type": "chain", "installed_at": start.Add(time.Hour), "replacement_threshold_m": 25000},
	}})
	bobs := createGear(t, a, bobTok.AccessToken, map[string]any{"type": "shoes"})
	gone := createGear(t, a, anaTok.AccessToken, map[string]any{"type": "shoes"})
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, gearPath+"/"+gone.ID, anaTok.AccessToken, nil).Status)

	// One session on two items (and on Bob's shoes, and on a deleted item,
	// and on ids that name nothing): Ana's two items count it.
	s1 := session(ana, 10000, start, shoes.ID, bike.ID, bobs.ID, gone.ID, uuid.NewString(), "garbage", shoes.ID)
	publishSession(t, js, "m1", s1)
	publishSession(t, js, "m1", s1) // the same message again: JetStream drops it
	publishSession(t, js, "m1-again", s1)
	publishSession(t, js, "", s1) // the same session under other message ids: counted once
	publishSession(t, js, "", `{"session_id": `)
	publishSession(t, js, "", session(ana, -5, start, shoes.ID)) // refused for good, and skipped
	// Then a second session, after the chain was installed: both count it.
	s2 := session(ana, 15000, start.Add(2*time.Hour), bike.ID, shoes.ID)
	publishSession(t, js, "m2", s2)

	b := waitGear(t, a, anaTok.AccessToken, bike.ID, func(g api.Gear) bool { return g.Sessions >= 2 })
	assert.Equal(t, 2, b.Sessions)
	assert.Equal(t, 25000.0, b.DistanceM)
	assert.InDelta(t, 25000.0/3, b.MovingTimeS, 1e-6)
	assert.True(t, s2.CompletedAt.Equal(*b.LastUsedAt))
	require.Len(t, b.Components, 1)
	assert.Equal(t, 1, b.Components[0].Sessions, "the chain was installed after the first session")
	assert.Equal(t, 15000.0, b.Components[0].DistanceM)
	assert.False(t, b.Components[0].WearLimitReached)

	sh := getGear(t, a, anaTok.AccessToken, shoes.ID)
	assert.Equal(t, 2, sh.Sessions)
	assert.Equal(t, 125000.0, sh.DistanceM, "starting distance plus both sessions")
	assert.True(t, sh.WearLimitReached)
	assert.Zero(t, getGear(t, a, bobTok.AccessToken, bobs.ID).Sessions, "Bob's shoes did not run Ana's session")

	// The shoes crossed their threshold with the second session: announced once.
	waitOutboxEmpty(t, a)
	wear := wearEvents(t, js)
	require.Len(t, wear, 1)
	assert.Equal(t, api.GearWearLimitReached{UserID: ana, GearID: shoes.ID, GearType: "shoes", GearName: "shoes",
		DistanceM: 125000, ReplacementThresholdM: 120000, SessionID: s2.SessionID, ReachedAt: wear[0].ReachedAt}, wear[0])

	// More sessions: no second announcement for the shoes; the chain crosses
	// its own threshold.
	s3 := session(ana, 12000, start.Add(3*time.Hour), bike.ID, shoes.ID)
	publishSession(t, js, "m3", s3)
	waitGear(t, a, anaTok.AccessToken, bike.ID, func(g api.Gear) bool { return g.Sessions == 3 })
	waitOutboxEmpty(t, a)
	wear = wearEvents(t, js)
	require.Len(t, wear, 2)
	assert.Equal(t, shoes.ID, wear[0].GearID)
	assert.Equal(t, bike.ID, wear[1].GearID)
	assert.Equal(t, bike.Components[0].ID, wear[1].ComponentID)
	assert.Equal(t, "chain", wear[1].ComponentType)
	assert.Equal(t, 27000.0, wear[1].DistanceM)
	assert.Equal(t, s3.SessionID, wear[1].SessionID)

	// A new chain (a new installed_at) starts from zero, recounting what
	// was done since; it can be announced again when worn.
	chain := getGear(t, a, anaTok.AccessToken, bike.ID).Components[0]
	assert.True(t, chain.WearLimitReached)
	p := patchGear(t, a, anaTok.AccessToken, bike.ID, map[string]any{"components": []map[string]any{
		{"id": chain.ID, "type": "chain", "installed_at": start.Add(150 * time.Minute), "replacement_threshold_m": 25000},
	}})
	assert.Equal(t, 1, p.Components[0].Sessions, "only the session after the new installation")
	assert.Equal(t, 12000.0, p.Components[0].DistanceM)
	assert.False(t, p.Components[0].WearLimitReached)
	assert.Equal(t, 3, p.Sessions, "the bike's own totals stay")

	// A new threshold below what the shoes have done announces them again.
	p = patchGear(t, a, anaTok.AccessToken, shoes.ID, map[string]any{"replacement_threshold_m": 130000})
	assert.True(t, p.WearLimitReached)
	waitOutboxEmpty(t, a)
	wear = wearEvents(t, js)
	require.Len(t, wear, 3)
	assert.Equal(t, shoes.ID, wear[2].GearID)
	assert.Empty(t, wear[2].SessionID)
	assert.Equal(t, 137000.0, wear[2].DistanceM)

	// Deleting the shoes keeps what they did: their usage stays recorded.
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, gearPath+"/"+shoes.ID, anaTok.AccessToken, nil).Status)
	publishSession(t, js, "m4", session(ana, 1000, start.Add(4*time.Hour), shoes.ID, bike.ID))
	waitGear(t, a, anaTok.AccessToken, bike.ID, func(g api.Gear) bool { return g.Sessions == 4 })
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, a.DBURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var usage int
	var distance float64
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*), sum(distance_m) FROM client.gear_usage WHERE gear_id = $1", shoes.ID).Scan(&usage, &distance))
	assert.Equal(t, 3, usage, "the deleted item's sessions stay; it counts no new ones")
	assert.Equal(t, 37000.0, distance)
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM client.gear_usage WHERE gear_id = $1", bobs.ID).Scan(&usage))
	assert.Zero(t, usage)
	waitOutboxEmpty(t, a)
	assert.Len(t, wearEvents(t, js), 3, "nothing more was worn out")
}
