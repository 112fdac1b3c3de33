package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/client/api"
)

func me(t *testing.T, a *apptest.App, token string) api.Profile {
	t.Helper()
	r := a.Do(http.MethodGet, "/v1/me", token, nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var p api.Profile
	r.JSON(t, &p)
	return p
}

func TestProfile(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client")
	tok := a.SignUp("ana@example.com")

	p := me(t, a, tok.AccessToken)
	assert.Equal(t, tok.UserID, p.UserID)
	assert.Equal(t, "ana@example.com", p.Email)
	assert.Equal(t, "user", p.Role)
	assert.Equal(t, "en", p.Language)
	assert.Equal(t, "metric", p.Units)
	assert.Equal(t, "UTC", p.TimeZone)
	assert.Equal(t, "followers", p.Privacy.DefaultVisibility, "privacy defaults")
	assert.True(t, p.Privacy.ShowInLeaderboards)
	assert.Nil(t, p.BirthDate)

	patch := func(body string) apptest.Response {
		return a.Do(http.MethodPatch, "/v1/me", tok.AccessToken, body)
	}
	birth := time.Now().AddDate(-30, 0, -1).Format(time.DateOnly)
	r := patch(`{"first_name": "Ana", "birth_date": "` + birth + `", "country": "de", "language": "DE", "units": "imperial",
		"time_zone": "Europe/Berlin", "sex": "female", "weight_kg": 61.5, "height_cm": 168, "resting_hr_bpm": 52, "max_hr_bpm": 188,
		"privacy": {"sport_visibility": {"ride": "private", "run": "public"}, "show_age": true}}`)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	p = me(t, a, tok.AccessToken)
	assert.Equal(t, "Ana", p.FirstName)
	require.NotNil(t, p.Age)
	assert.Equal(t, 30, *p.Age)
	assert.Equal(t, "DE", *p.Country)
	assert.Equal(t, "de", p.Language)
	assert.Equal(t, "imperial", p.Units)
	assert.Equal(t, "Europe/Berlin", p.TimeZone)
	assert.Equal(t, 61.5, *p.WeightKg)
	assert.Equal(t, 188, *p.MaxHRBpm)
	assert.Equal(t, map[string]string{"ride": "private", "run": "public"}, p.Privacy.SportVisibility)
	assert.Equal(t, "followers", p.Privacy.DefaultVisibility, "privacy fields not named stay")
	assert.True(t, p.Privacy.ShowAge)

	// Only what is named changes; null clears optional fields.
	require.Equal(t, http.StatusOK, patch(`{"weight_kg": null, "country": null, "privacy": {"sport_visibility": null}}`).Status)
	p = me(t, a, tok.AccessToken)
	assert.Nil(t, p.WeightKg)
	assert.Nil(t, p.Country)
	assert.Empty(t, p.Privacy.SportVisibility)
	assert.Equal(t, "Ana", p.FirstName)
	assert.Equal(t, 188, *p.MaxHRBpm)

	// The threshold heart rate: 80 to 230, below the maximum; null clears it.
	require.Equal(t, http.StatusOK, patch(`{"threshold_hr_bpm": 172}`).Status)
	p = me(t, a, tok.AccessToken)
	require.NotNil(t, p.ThresholdHRBpm)
	assert.Equal(t, 172, *p.ThresholdHRBpm)
	require.Equal(t, http.StatusOK, patch(`{"threshold_hr_bpm": null}`).Status)
	assert.Nil(t, me(t, a, tok.AccessToken).ThresholdHRBpm)

	bad := []struct{ body, field string }{
		{`{"birth_date": "` + time.Now().AddDate(0, 0, 2).Format(time.DateOnly) + `"}`, "body.birth_date"},
		{`{"birth_date": "1890-01-01"}`, "body.birth_date"},
		{`{"birth_date": "31/12/1990"}`, "body.birth_date"},
		{`{"country": "XX"}`, "body.country"},
		{`{"country": "DEU"}`, "body.country"},
		{`{"country": "EU"}`, "body.country"},
		{`{"language": "xx-YY"}`, "body.language"},
		{`{"language": null}`, "body.language"},
		{`{"time_zone": "Mars/Olympus"}`, "body.time_zone"},
		{`{"time_zone": "Local"}`, "body.time_zone"},
		{`{"units": "furlongs"}`, "body.units"},
		{`{"sex": "unknown"}`, "body.sex"},
		{`{"weight_kg": 5}`, "body.weight_kg"},
		{`{"weight_kg": "heavy"}`, "body.weight_kg"},
		{`{"height_cm": 400}`, "body.height_cm"},
		{`{"resting_hr_bpm": 10}`, "body.resting_hr_bpm"},
		{`{"resting_hr_bpm": 100, "max_hr_bpm": 90}`, "body.max_hr_bpm"},
		{`{"max_hr_bpm": 300}`, "body.max_hr_bpm"},
		{`{"threshold_hr_bpm": 79}`, "body.threshold_hr_bpm"},
		{`{"threshold_hr_bpm": 231}`, "body.threshold_hr_bpm"},
		{`{"threshold_hr_bpm": 190}`, "body.threshold_hr_bpm"},
		{`{"threshold_hr_bpm": "high"}`, "body.threshold_hr_bpm"},
		{`{"first_name": "` + strings.Repeat("a", 101) + `"}`, "body.first_name"},
		{`{"privacy": {"default_visibility": "everyone"}}`, "body.privacy.default_visibility"},
		{`{"privacy": {"sport_visibility": {"quidditch": "public"}}}`, "body.privacy.sport_visibility"},
		{`{"privacy": {"sport_visibility": {"run": "friends"}}}`, "body.privacy.sport_visibility.run"},
		{`{"privacy": null}`, "body.privacy"},
		{`{"privacy": {"colour": "blue"}}`, "body.privacy.colour"},
		{`{"email": "not an address"}`, "body.email"}, // a new address: TestEmailChange
		{`{"role": "admin"}`, "body.role"},
		{`[1, 2]`, "body"},
		{`{"first_name": `, "body"},
		{`"text"`, "body"},
	}
	for _, c := range bad {
		r := patch(c.body)
		assert.Equal(t, http.StatusBadRequest, r.Status, c.body+": "+string(r.Body))
		assert.Equal(t, []string{c.field}, r.Problem(t).Fields(), c.body)
	}
	// A bad field anywhere changes nothing, even with good ones beside it.
	assert.Equal(t, http.StatusBadRequest, patch(`{"first_name": "Eva", "country": "XX"}`).Status)
	assert.Equal(t, "Ana", me(t, a, tok.AccessToken).FirstName)
	assert.Equal(t, http.StatusRequestEntityTooLarge, patch(`{"first_name": "`+strings.Repeat("a", 2<<20)+`"}`).Status)

	assert.Equal(t, http.StatusUnauthorized, a.Do(http.MethodGet, "/v1/me", "", nil).Status)
	assert.Equal(t, http.StatusUnauthorized, a.Do(http.MethodPatch, "/v1/me", "", `{}`).Status)

	// Another user sees only their own profile.
	bob := a.SignUp("bob@example.com")
	assert.Equal(t, bob.UserID, me(t, a, bob.AccessToken).UserID)
}

func TestDeleteAccount(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client")
	tok := a.SignUp("ana@example.com")
	other := a.SignUp("bob@example.com")

	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/me", tok.AccessToken, map[string]any{"password": apptest.Password}).Status)
	// Access tokens stop working at once (the front learns it from the event).
	require.Eventually(t, func() bool {
		return a.Do(http.MethodGet, "/v1/me", tok.AccessToken, nil).Status == http.StatusUnauthorized
	}, 10*time.Second, 20*time.Millisecond)
	assert.Equal(t, http.StatusUnauthorized,
		a.Do(http.MethodPost, "/v1/auth/refresh", "", map[string]any{"refresh_token": tok.RefreshToken}).Status)
	assert.Equal(t, http.StatusUnauthorized, login(a, "ana@example.com", apptest.Password).Status)
	// The email is free again; other accounts are untouched.
	a.SignUp("ana@example.com")
	assert.Equal(t, other.UserID, me(t, a, other.AccessToken).UserID)
}
