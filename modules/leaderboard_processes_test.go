package modules_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	clientapi "github.com/athlos/athlos/modules/client/api"
	gamificationapi "github.com/athlos/athlos/modules/gamification/api"
	trainingapi "github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/platform"
	"github.com/athlos/athlos/storage/pgtest"
)

// TestLeaderboardsInTwoProcesses runs the gamification module in two
// processes on one NATS and one database. Each keeps its boards in memory,
// fed by its own consumer; training's session events (completions, edits,
// deletions) reach both, and every answer, whichever process gives it (the
// requests are shared among them), is the board the events make.
func TestLeaderboardsInTwoProcesses(t *testing.T) {
	t.Parallel()
	natsSrv := bustest.Server(t)
	natsCfg := platform.NATSConfig{URLs: []string{natsSrv.Server.ClientURL()}, User: bus.ServiceUser, Password: natsSrv.Password}
	dbURL := pgtest.NewDB(t)
	startApp(t, &platform.Config{Modules: []string{"gamification"}, NATS: natsCfg, DB: platform.DBConfig{URL: dbURL}})
	startApp(t, &platform.Config{Modules: []string{"gamification"}, NATS: natsCfg, DB: platform.DBConfig{URL: dbURL}})
	conn := bustest.Conn(t, natsSrv)
	ctx := context.Background()

	publish := func(subject string, payload any) {
		t.Helper()
		data, err := json.Marshal(payload)
		require.NoError(t, err)
		m := nats.NewMsg(subject)
		m.Data = data
		m.Header.Set(nats.MsgIdHdr, uuid.NewString())
		_, err = conn.JS.PublishMsg(ctx, m)
		require.NoError(t, err)
	}
	r := rand.New(rand.NewPCG(4, 2))
	users := make([]string, 30)
	for i := range users {
		users[i] = fmt.Sprintf("%08x-0000-4000-8000-000000000000", i+1) // ties list in this order
		// A user is listed once the module has heard of them (no name:
		// the rows below have none).
		publish(clientapi.EventUserRegistered, clientapi.UserRegistered{UserID: users[i], RegisteredAt: time.Now().UTC()})
	}
	type run struct {
		user string
		km   int
		rev  int64
	}
	runs := map[string]*run{}
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	complete := func(id string, x *run) {
		publish(trainingapi.EventSessionCompleted, trainingapi.SessionCompleted{SessionID: id, UserID: x.user, Sport: "run",
			StartedAt: at, CompletedAt: at.Add(time.Hour), DistanceM: float64(x.km) * 1000, MovingTimeS: 3000, ElapsedTimeS: 3600,
			Plausible: true, Visibility: "private", Revision: x.rev})
	}
	for range 60 {
		id := uuid.NewString()
		runs[id] = &run{user: users[r.IntN(len(users))], km: 1 + r.IntN(8), rev: 1} // small distances: many ties
		complete(id, runs[id])
	}
	want := func() []gamificationapi.LeaderboardRow {
		total := map[string]int{}
		for _, x := range runs {
			total[x.user] += x.km
		}
		var rows []gamificationapi.LeaderboardRow
		for u, km := range total {
			rows = append(rows, gamificationapi.LeaderboardRow{UserID: u, Value: float64(km * 1000)})
		}
		sort.Slice(rows, func(i, j int) bool {
			if rows[i].Value != rows[j].Value {
				return rows[i].Value > rows[j].Value
			}
			return rows[i].UserID < rows[j].UserID
		})
		for i := range rows {
			rows[i].Rank = int64(i) + 1
			if i > 0 && rows[i].Value == rows[i-1].Value {
				rows[i].Rank = rows[i-1].Rank
			}
		}
		return rows
	}
	agree := func(what string) {
		t.Helper()
		expected := want()
		caller := bus.WithCaller(ctx, bus.Caller{UserID: users[0]})
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			for range 20 { // shared among the two processes
				b, err := bus.Call[gamificationapi.LeaderboardRequest, gamificationapi.Leaderboard](caller, conn.NC,
					gamificationapi.SubjectLeaderboardGet, gamificationapi.LeaderboardRequest{Period: "all", Limit: 100})
				require.NoError(c, err)
				require.Equal(c, expected, b.Items)
			}
		}, 60*time.Second, 100*time.Millisecond, what)
	}
	agree("completions")

	// Edits (a new revision) and deletions, taken back in both processes.
	n := 0
	for id, x := range runs {
		switch n++; {
		case n%3 == 0:
			x.km, x.rev = x.km+5, 2
			complete(id, x)
		case n%5 == 0:
			publish(trainingapi.EventSessionDeleted, trainingapi.SessionDeleted{SessionID: id, UserID: x.user, Sport: "run",
				Finished: true, DeletedAt: time.Now().UTC(), Revision: 3})
			delete(runs, id)
		}
	}
	agree("edits and deletions")
}
