package httpapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/internal/loadgen"
	clientapi "github.com/athlos/athlos/modules/client/api"
	"github.com/athlos/athlos/modules/social/api"
	trainingapi "github.com/athlos/athlos/modules/training/api"
)

// seedFanOut makes groups groups of size members each with athlete in
// every one (and the others in one each; the first of them the accounts
// of real, spread over the groups), by COPY into the social schema: the
// store's fast path for volume, no sign-up per user. It returns how many
// users share a group with athlete.
func seedFanOut(tb testing.TB, a *apptest.App, athlete uuid.UUID, groups, size int, real []uuid.UUID) int {
	tb.Helper()
	ctx := context.Background()
	pool := appPool(tb, a)
	var grows, mrows [][]any
	others := 0
	for g := range groups {
		id := uuid.Must(uuid.NewV7())
		grows = append(grows, []any{id, athlete, fmt.Sprintf("Club %s", id.String()[:8]), "public", size, size})
		mrows = append(mrows, []any{id, athlete, "owner"})
		for i := range size - 1 {
			member := uuid.Must(uuid.NewV7())
			if k := i*groups + g; k < len(real) {
				member = real[k]
			}
			mrows = append(mrows, []any{id, member, "member"})
			others++
		}
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"social", "groups"},
		[]string{"id", "owner_id", "name", "visibility", "member_limit", "member_count"}, pgx.CopyFromRows(grows)); err != nil {
		tb.Fatal(err)
	}
	copyMembers(tb, pool, mrows)
	if _, err := pool.Exec(ctx, "ANALYZE social.members"); err != nil {
		tb.Fatal(err)
	}
	return others
}

// copyMembers writes rows (group, user, role) into social.members by COPY,
// without the trigger that tells the client module that their grants
// changed (each such event closes the user's app connections, thousands
// of them one by one): the apps of these members connect after it, with
// their grants.
func copyMembers(tb testing.TB, pool *pgxpool.Pool, rows [][]any) {
	tb.Helper()
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `ALTER TABLE social.members DISABLE TRIGGER members_joined_grants`); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"social", "members"}, []string{"group_id", "user_id", "role"},
			pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `ALTER TABLE social.members ENABLE TRIGGER members_joined_grants`)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkNotificationFanOut measures the figure: a
// notification-producing event (evt.training.record.set) of an athlete in
// 20 groups of 500 members, from its publish until the inbox rows of all
// 9,980 recipients are committed (the relay's transaction, seen as the
// notification leaving social.notif_outbox, polled every few hundred
// microseconds) and the last member online received its notify.<user>
// message over NATS WebSocket, whichever comes last. ATHLOS_BENCH_ONLINE
// members (default 1,000, a tenth) have an app connected, each signed up,
// connected as GET /v1/realtime says and subscribed to its own subject;
// the others are offline (inbox only). It reports the p50 and p99, and the
// p50 of the consumer's part (publish to its commit, which saves the
// notification, heard as its NOTIFY social_notif_outbox).
//
//	go test ./modules/social/httpapi -run '^$' -bench NotificationFanOut -benchtime 50x
func BenchmarkNotificationFanOut(b *testing.B) {
	a := apptest.Start(b, "client", "social")
	conn := internalJS(b, a)
	athlete := uuid.Must(uuid.NewV7())
	n := envInt(b, "ATHLOS_BENCH_ONLINE", 1000)
	accounts := make([]clientapi.TokenResponse, n)
	ids := make([]uuid.UUID, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			accounts[i] = a.SignUp(fmt.Sprintf("online%d@example.com", i))
			ids[i] = uuid.MustParse(tokenSubject(b, accounts[i].AccessToken))
		})
	}
	wg.Wait()
	want := seedFanOut(b, a, athlete, 20, 500, ids)
	got := make(chan struct{}, 1<<16)
	before := onlineCount(b, a)
	for i := range n {
		nc, err := nats.Connect(a.WebSocketURL, nats.Token(accounts[i].AccessToken),
			nats.CustomInboxPrefix(bus.AppInboxPrefix(ids[i].String())))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(nc.Close)
		if _, err := nc.Subscribe(api.NotifySubject(ids[i].String()), func(*nats.Msg) { got <- struct{}{} }); err != nil {
			b.Fatal(err)
		}
		if err := nc.Flush(); err != nil {
			b.Fatal(err)
		}
	}
	deadline := time.Now().Add(time.Minute)
	for onlineCount(b, a) < before+n {
		if time.Now().After(deadline) {
			b.Fatal("the relay does not see the apps online")
		}
		time.Sleep(10 * time.Millisecond)
	}
	ctx := context.Background()
	// The consumer's commit NOTIFYs social_notif_outbox: the notification
	// is saved; the relay's takes it off the outbox with the inbox rows.
	listen, err := pgx.Connect(ctx, a.DBURL)
	if err != nil {
		b.Fatal(err)
	}
	defer listen.Close(ctx)
	if _, err := listen.Exec(ctx, "LISTEN social_notif_outbox"); err != nil {
		b.Fatal(err)
	}
	poll, err := pgx.Connect(ctx, a.DBURL)
	if err != nil {
		b.Fatal(err)
	}
	defer poll.Close(ctx)
	saved := &loadgen.Histogram{}
	fanOut := func(i int) time.Duration {
		ev := recordSet(athlete.String(), uuid.NewString(), 1)
		data, err := json.Marshal(ev)
		if err != nil {
			b.Fatal(err)
		}
		t := time.Now()
		if _, err := conn.JS.PublishMsg(ctx, &nats.Msg{Subject: trainingapi.EventRecordSet, Data: data},
			jetstream.WithMsgID(fmt.Sprintf("bench-%d", i))); err != nil {
			b.Fatal(err)
		}
		if _, err := listen.WaitForNotification(ctx); err != nil {
			b.Fatal(err)
		}
		saved.Record(time.Since(t))
		var written time.Duration
		for {
			var waiting bool
			if err := poll.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM social.notif_outbox)`).Scan(&waiting); err != nil {
				b.Fatal(err)
			}
			if !waiting {
				written = time.Since(t)
				break
			}
			time.Sleep(200 * time.Microsecond)
		}
		timeout := time.After(time.Minute)
		for k := range n {
			select {
			case <-got:
			case <-timeout:
				b.Fatalf("event %d: %d of %d members online were notified within a minute (%d online)", i, k, n, onlineCount(b, a))
			}
		}
		return max(written, time.Since(t))
	}
	for i := range 3 {
		fanOut(-1 - i) // warm up: plans, connections
	}
	saved = &loadgen.Histogram{}
	h := &loadgen.Histogram{}
	b.ResetTimer()
	for i := range b.N {
		h.Record(fanOut(i))
	}
	b.ReportMetric(float64(h.Quantile(0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(h.Quantile(0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(saved.Quantile(0.5).Microseconds())/1000, "saved-p50-ms")
	b.ReportMetric(float64(want), "recipients")
	b.ReportMetric(float64(n), "online")
}

// At volume: an athlete in 10 groups whose members overlap (each of 3,000
// members is in two of them, the athlete's records in every one): every
// member gets exactly one notification in the inbox, each of the 30 whose
// app is connected exactly one message on NOTIFY (the others none), and a
// redelivery adds none. ATHLOS_SOCIAL_NOTIFY_MEMBERS sets the number of
// members (default 3000).
func TestFanOutAtVolume(t *testing.T) {
	t.Parallel()
	members := envInt(t, "ATHLOS_SOCIAL_NOTIFY_MEMBERS", 3000)
	a := apptest.Start(t, "client", "social")
	conn, pool := internalJS(t, a), appPool(t, a)
	ctx := context.Background()
	athlete := uuid.Must(uuid.NewV7())
	groups := make([]uuid.UUID, 10)
	var grows, mrows [][]any
	for i := range groups {
		groups[i] = uuid.Must(uuid.NewV7())
		grows = append(grows, []any{groups[i], athlete, fmt.Sprintf("Club %d", i), "public", 100_000, 0})
		mrows = append(mrows, []any{groups[i], athlete, "owner"})
	}
	const connected = 30
	var apps []user
	for i := range connected {
		apps = append(apps, signUp(t, a, fmt.Sprintf("online%d@example.com", i)))
	}
	users := make([]uuid.UUID, members)
	for i := range users {
		users[i] = uuid.Must(uuid.NewV7())
		if i < connected {
			users[i] = uuid.MustParse(apps[i].id)
		}
		mrows = append(mrows, []any{groups[i%10], users[i], "member"}, []any{groups[(i+3)%10], users[i], "member"})
	}
	_, err := pool.CopyFrom(ctx, pgx.Identifier{"social", "groups"},
		[]string{"id", "owner_id", "name", "visibility", "member_limit", "member_count"}, pgx.CopyFromRows(grows))
	require.NoError(t, err)
	copyMembers(t, pool, mrows)

	subs := make([]*nats.Subscription, connected)
	for i, c := range online(t, a, apps...) {
		subs[i], err = c.nc.SubscribeSync(api.NotifySubject(apps[i].id))
		require.NoError(t, err)
		require.NoError(t, c.nc.Flush())
	}

	session := uuid.NewString()
	publishEvent(t, a, conn, pool, trainingapi.EventRecordSet, "vol-1", recordSet(athlete.String(), session, 2))
	publishEvent(t, a, conn, pool, trainingapi.EventRecordSet, "vol-1-again", recordSet(athlete.String(), session, 2))
	sentAll(t, pool)
	var rows, distinct, most int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT recipient_id), coalesce(max(c), 0)
		FROM social.notifications, LATERAL (SELECT count(*) c FROM social.notifications n2 WHERE n2.recipient_id = notifications.recipient_id) x`).
		Scan(&rows, &distinct, &most))
	assert.Equal(t, members, rows, "one inbox row per member")
	assert.Equal(t, members, distinct)
	assert.Equal(t, 1, most, "nobody twice, though each is in two of the groups")
	st, err := conn.JS.Stream(ctx, "NOTIFY")
	require.NoError(t, err)
	info, err := st.Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64(connected), info.State.Msgs, "one NOTIFY message per member online, none for the others")
	for i, sub := range subs {
		_, err := sub.NextMsg(10 * time.Second)
		require.NoError(t, err, "member %d online", i)
		_, err = sub.NextMsg(100 * time.Millisecond)
		require.Error(t, err, "member %d: once", i)
	}
}

// tokenSubject is the user id an access token names (its sub claim).
func tokenSubject(tb testing.TB, token string) string {
	tb.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		tb.Fatalf("not a JWT: %q", token)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		tb.Fatal(err)
	}
	var claims struct {
		Sub string `json:"sub"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		tb.Fatal(err)
	}
	return claims.Sub
}
