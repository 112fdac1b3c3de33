package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/modules/training/internal/ingress"
)

func startSession(t *testing.T, a *apptest.App, token string) api.Session {
	t.Helper()
	r := a.Do(http.MethodPost, "/v1/sessions", token, map[string]any{"sport": "run"})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var s api.Session
	r.JSON(t, &s)
	return s
}

func pointsJSON(start time.Time, n int, lat float64) []byte {
	pts := make([]string, n)
	for i := range pts {
		pts[i] = fmt.Sprintf(`{"t":%q,"lat":%f,"lon":13.4}`, start.Add(time.Duration(i)*time.Second).UTC().Format(time.RFC3339Nano), lat+float64(i)*0.00002)
	}
	return []byte(`{"points":[` + strings.Join(pts, ",") + `]}`)
}

// The app publishes its telemetry over NATS with a stock JetStream client
// and gets the stream's PubAck once the server took it; what can never be
// stored is refused in the answer (not JSON, a bad subject or message id,
// past the budget; larger than 256 KiB the client itself refuses) or,
// when found at storing (a deleted session, impossible points), on
// refused.<user> with the PubAck's sequence. Message ids are the user's
// own: another user's same id is no duplicate.
func TestTelemetryFromTheAppOverNATS(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "training")
	ctx := t.Context()
	ana, bob := a.SignUp("ana@example.com").AccessToken, a.SignUp("bob@example.com").AccessToken
	anaID, bobID := userIDOf(t, a, ana), userIDOf(t, a, bob)
	s := startSession(t, a, ana)
	bs := startSession(t, a, bob)
	anaApp, bobApp := connectApp(t, a, ana, anaID), connectApp(t, a, bob, bobID)
	refusals, err := anaApp.nc.SubscribeSync(bus.SubjectRefused + anaID)
	require.NoError(t, err)
	require.NoError(t, anaApp.nc.Flush())
	js, err := jetstream.New(anaApp.nc)
	require.NoError(t, err)
	bjs, err := jetstream.New(bobApp.nc)
	require.NoError(t, err)

	start := time.Now().Add(-time.Minute)
	subject := api.TelemetrySubject(anaID, s.ID)
	ack, err := js.Publish(ctx, subject, pointsJSON(start, 5, 52.5), jetstream.WithMsgID("1"))
	require.NoError(t, err)
	assert.Equal(t, bus.StreamTelemetry, ack.Stream)
	ack2, err := js.Publish(ctx, subject, pointsJSON(start, 5, 52.5), jetstream.WithMsgID("1"))
	require.NoError(t, err)
	assert.True(t, ack2.Duplicate, "sent again")
	back, err := bjs.Publish(ctx, api.TelemetrySubject(bobID, bs.ID), pointsJSON(start, 3, 48.1), jetstream.WithMsgID("1"))
	require.NoError(t, err)
	assert.False(t, back.Duplicate, "Bob's message 1 is not Ana's")
	require.Eventually(t, func() bool {
		var got api.Session
		a.Do(http.MethodGet, "/v1/sessions/"+s.ID, ana, nil).JSON(t, &got)
		return got.PointsStored == 5
	}, 10*time.Second, 50*time.Millisecond)

	var apiErr *jetstream.APIError
	for name, data := range map[string][]byte{
		"not JSON":        []byte("points!"),
		"NUL in a string": []byte("{\"points\":[{\"t\":\"2026-11-26T08:00:00Z\x00\",\"lat\":1,\"lon\":1}]}"),
	} {
		_, err := js.Publish(ctx, subject, data)
		require.ErrorAs(t, err, &apiErr, name)
		assert.Equal(t, http.StatusBadRequest, apiErr.Code, name)
		assert.True(t, strings.HasPrefix(apiErr.Description, "invalid: payload: "), "%s: %s", name, apiErr.Description)
	}
	_, err = js.Publish(ctx, api.TelemetrySubject(anaID, "not-a-session"), pointsJSON(start, 1, 52.5))
	require.ErrorAs(t, err, &apiErr)
	assert.Contains(t, apiErr.Description, "subject")
	_, err = js.Publish(ctx, subject, pointsJSON(start, 1, 52.5), jetstream.WithMsgID(strings.Repeat("x", 129)))
	require.ErrorAs(t, err, &apiErr)
	assert.Contains(t, apiErr.Description, "Nats-Msg-Id")

	// Impossible points: stored without them, and the app is told.
	bad := []byte(fmt.Sprintf(`{"points":[{"t":%q,"lat":52.5001,"lon":13.4},{"t":%q,"lat":95,"lon":13.4}]}`,
		start.Add(time.Minute/2).UTC().Format(time.RFC3339), start.Add(time.Minute/2+time.Second).UTC().Format(time.RFC3339)))
	ack, err = js.Publish(ctx, subject, bad, jetstream.WithMsgID("2"))
	require.NoError(t, err)
	r := nextRefusal(t, refusals)
	assert.Equal(t, bus.Refused{Subject: subject, MsgID: "2", Seq: ack.Sequence, Code: bus.CodeInvalid,
		Reason: "impossible points left out", Dropped: map[string]int{"coordinates_out_of_range": 1}, Accepted: 1}, r)

	// A deleted session: acknowledged, then refused at storing.
	require.Equal(t, http.StatusNoContent, a.Do(http.MethodDelete, "/v1/sessions/"+s.ID, ana, nil).Status)
	ack, err = js.Publish(ctx, subject, pointsJSON(time.Now(), 1, 52.5), jetstream.WithMsgID("3"))
	require.NoError(t, err)
	r = nextRefusal(t, refusals)
	assert.Equal(t, "3", r.MsgID)
	assert.Equal(t, ack.Sequence, r.Seq)
	assert.Equal(t, bus.CodeInvalid, r.Code)
	assert.Contains(t, r.Reason, "session")
	// Bob's session, by the subject of Ana's: not hers to publish.
	require.NoError(t, anaApp.nc.Publish(api.TelemetrySubject(bobID, bs.ID), pointsJSON(time.Now(), 1, 52.5)))
	require.NoError(t, anaApp.nc.Flush())

	// Past the budget: refused at once, others unaffected.
	s2 := startSession(t, a, ana)
	subject = api.TelemetrySubject(anaID, s2.ID)
	limited := 0
	var futures []jetstream.PubAckFuture
	for i := range ingress.TelemetryBudget.MessageBurst + 50 {
		f, err := js.PublishAsync(subject, pointsJSON(time.Now().Add(time.Duration(i)*time.Millisecond), 1, 52.5))
		require.NoError(t, err)
		futures = append(futures, f)
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			require.ErrorAs(t, err, &apiErr)
			require.Equal(t, http.StatusTooManyRequests, apiErr.Code, apiErr.Description)
			limited++
		case <-time.After(10 * time.Second):
			t.Fatal("no answer")
		}
	}
	assert.Positive(t, limited, "past the burst")
	_, err = bjs.Publish(ctx, api.TelemetrySubject(bobID, bs.ID), pointsJSON(start.Add(10*time.Second), 1, 48.1))
	require.NoError(t, err, "Bob has a budget of his own")
}

func nextRefusal(t *testing.T, sub *nats.Subscription) bus.Refused {
	t.Helper()
	m, err := sub.NextMsg(30 * time.Second)
	require.NoError(t, err)
	var r bus.Refused
	require.NoError(t, json.Unmarshal(m.Data, &r))
	return r
}
