package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/training/api"
)

func TestDevices(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana, bob := a.SignUp("ana@example.com").AccessToken, a.SignUp("bob@example.com").AccessToken

	r := a.Do(http.MethodPost, "/v1/me/devices", ana, map[string]any{
		"kind": "watch", "manufacturer": " Garmin ", "model": "Forerunner 265", "name": "blue watch",
		"sensors": []string{"heart_rate", "gps", "gps"},
	})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var watch api.Device
	r.JSON(t, &watch)
	assert.Equal(t, "Garmin", watch.Manufacturer)
	assert.Equal(t, []string{"gps", "heart_rate"}, watch.Sensors)

	for i := 0; i < 4; i++ {
		r := a.Do(http.MethodPost, "/v1/me/devices", ana, map[string]any{"kind": "chest_strap", "name": fmt.Sprintf("strap %d", i)})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	}

	// Pages of two, newest first, until the end.
	var names []string
	cursor := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 5)
		path := "/v1/me/devices?limit=2"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		r := a.Do(http.MethodGet, path, ana, nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var page api.DeviceList
		r.JSON(t, &page)
		for _, d := range page.Items {
			names = append(names, d.Name)
		}
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	assert.Equal(t, []string{"strap 3", "strap 2", "strap 1", "strap 0", "blue watch"}, names)

	// Bob sees none of Ana's devices and cannot delete them: 404, not 403.
	var bobs api.DeviceList
	a.Do(http.MethodGet, "/v1/me/devices", bob, nil).JSON(t, &bobs)
	assert.Empty(t, bobs.Items)
	r = a.Do(http.MethodDelete, "/v1/me/devices/"+watch.ID, bob, nil)
	assert.Equal(t, http.StatusNotFound, r.Status)
	assert.Equal(t, "not_found", r.Problem(t).Code)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodDelete, "/v1/me/devices/01a218c9-95e8-7859-a437-7b9381224e73", ana, nil).Status)
	r = a.Do(http.MethodDelete, "/v1/me/devices/not-a-uuid", ana, nil)
	assert.Equal(t, http.StatusBadRequest, r.Status)
	assert.Equal(t, []string{"path.id"}, r.Problem(t).Fields())

	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/me/devices/"+watch.ID, ana, nil).Status)
	assert.Equal(t, http.StatusNotFound, a.Do(http.MethodDelete, "/v1/me/devices/"+watch.ID, ana, nil).Status)

	bad := []struct{ body, field string }{
		{`{"kind": "toaster"}`, "body.kind"},
		{`{}`, "body.kind"},
		{`{"kind": "phone", "sensors": ["lidar"]}`, "body.sensors[0]"},
		{`{"kind": "phone", "name": "` + strings.Repeat("n", 101) + `"}`, "body.name"},
		{`{"kind": "phone", "model": "a\nb"}`, "body.model"},
		{`{"kind": "phone", "colour": "red"}`, "body.colour"},
		{`{"kind": 7}`, "body.kind"},
		{`{"kind": `, "body"},
		{``, "body"},
	}
	for _, c := range bad {
		r := a.Do(http.MethodPost, "/v1/me/devices", ana, c.body)
		assert.Equal(t, http.StatusBadRequest, r.Status, c.body+": "+string(r.Body))
		assert.Contains(t, r.Problem(t).Fields(), c.field, c.body)
	}
	assert.Equal(t, http.StatusRequestEntityTooLarge,
		a.Do(http.MethodPost, "/v1/me/devices", ana, `{"kind": "phone", "name": "`+strings.Repeat("n", 2<<20)+`"}`).Status)
	for _, q := range []string{"limit=0", "limit=101", "limit=x", "cursor=***", "cursor=AAAA"} {
		r := a.Do(http.MethodGet, "/v1/me/devices?"+q, ana, nil)
		assert.Equal(t, http.StatusBadRequest, r.Status, q)
	}
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		assert.Equal(t, http.StatusUnauthorized, a.Do(m, "/v1/me/devices", "", `{"kind": "phone"}`).Status)
	}
	assert.Equal(t, http.StatusUnauthorized, a.Do(http.MethodDelete, "/v1/me/devices/"+watch.ID, "", nil).Status)
}

func TestDeviceLimitAndAccountDeletion(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ana := a.SignUp("ana@example.com").AccessToken
	for i := 0; i < 50; i++ {
		require.Equal(t, http.StatusCreated, a.Do(http.MethodPost, "/v1/me/devices", ana, map[string]any{"kind": "phone"}).Status)
	}
	r := a.Do(http.MethodPost, "/v1/me/devices", ana, map[string]any{"kind": "phone"})
	assert.Equal(t, http.StatusConflict, r.Status)

	// Deleting the account erases the devices (through evt.client.user.deleted).
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/me", ana, map[string]any{"password": apptest.Password}).Status)
	conn, err := pgx.Connect(context.Background(), a.DBURL)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	require.Eventually(t, func() bool {
		var n int
		require.NoError(t, conn.QueryRow(context.Background(), "SELECT count(*) FROM training.devices").Scan(&n))
		return n == 0
	}, 20*time.Second, 50*time.Millisecond)
}
