package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/internal/loadgen"
	"github.com/athlos/athlos/modules/social/api"
	trainingapi "github.com/athlos/athlos/modules/training/api"
)

// seedFanOut makes groups groups of size members each with athlete in
// every one (and the others in one each), by COPY into the social schema:
// the store's fast path for volume, no sign-up per user. It returns how
// many users share a group with athlete.
func seedFanOut(tb testing.TB, a *apptest.App, athlete uuid.UUID, groups, size int) int {
	tb.Helper()
	ctx := context.Background()
	pool := appPool(tb, a)
	var grows, mrows [][]any
	others := 0
	for range groups {
		g := uuid.Must(uuid.NewV7())
		grows = append(grows, []any{g, athlete, fmt.Sprintf("Club %s", g.String()[:8]), "public", size, size})
		mrows = append(mrows, []any{g, athlete, "owner"})
		for range size - 1 {
			mrows = append(mrows, []any{g, uuid.Must(uuid.NewV7()), "member"})
			others++
		}
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"social", "groups"},
		[]string{"id", "owner_id", "name", "visibility", "member_limit", "member_count"}, pgx.CopyFromRows(grows)); err != nil {
		tb.Fatal(err)
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"social", "members"}, []string{"group_id", "user_id", "role"},
		pgx.CopyFromRows(mrows)); err != nil {
		tb.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "ANALYZE social.members"); err != nil {
		tb.Fatal(err)
	}
	return others
}

// BenchmarkNotificationFanOut measures the figure: a
// notification-producing event (evt.training.record.set) of an athlete in
// 20 groups of 500 members, from its publish to the last of its 9,980
// notify.<user> messages, which the relay sends after the inbox rows are
// committed (so the last message means the inbox is written too); a
// subscriber of Athlos's own on notify.> stands for the members online
// (it hears every message). It reports the p50 and p99, and the p50 of
// the inbox rows alone (publish to the fan-out's commit, heard as its
// NOTIFY social_notif_outbox).
//
//	go test ./modules/social/httpapi -run '^$' -bench NotificationFanOut -benchtime 50x
func BenchmarkNotificationFanOut(b *testing.B) {
	a := apptest.Start(b, "client", "social")
	conn := internalJS(b, a)
	athlete := uuid.Must(uuid.NewV7())
	want := seedFanOut(b, a, athlete, 20, 500)
	got := make(chan struct{}, 1<<16)
	sub, err := conn.NC.Subscribe(api.SubjectNotify+">", func(*nats.Msg) { got <- struct{}{} })
	if err != nil {
		b.Fatal(err)
	}
	_ = sub.SetPendingLimits(-1, -1)
	ctx := context.Background()
	// The fan-out's commit NOTIFYs social_notif_outbox: when the inbox rows
	// are written.
	listen, err := pgx.Connect(ctx, a.DBURL)
	if err != nil {
		b.Fatal(err)
	}
	defer listen.Close(ctx)
	if _, err := listen.Exec(ctx, "LISTEN social_notif_outbox"); err != nil {
		b.Fatal(err)
	}
	inboxWritten := &loadgen.Histogram{}
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
		inboxWritten.Record(time.Since(t))
		timeout := time.After(time.Minute)
		for range want {
			select {
			case <-got:
			case <-timeout:
				b.Fatalf("event %d: not every member was notified within a minute", i)
			}
		}
		return time.Since(t)
	}
	for i := range 3 {
		fanOut(-1 - i) // warm up: plans, connections
	}
	inboxWritten = &loadgen.Histogram{}
	h := &loadgen.Histogram{}
	b.ResetTimer()
	for i := range b.N {
		h.Record(fanOut(i))
	}
	b.ReportMetric(float64(h.Quantile(0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(h.Quantile(0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(inboxWritten.Quantile(0.5).Microseconds())/1000, "inbox-p50-ms")
	b.ReportMetric(float64(want), "recipients")
}

// At volume: an athlete in 10 groups whose members overlap (each of 3,000
// members is in two of them, the athlete's records in every one): every
// member gets exactly one notification in the inbox and one message in
// NOTIFY, and a redelivery adds none. ATHLOS_SOCIAL_NOTIFY_MEMBERS sets the
// number of members (default 3000).
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
	users := make([]uuid.UUID, members)
	for i := range users {
		users[i] = uuid.Must(uuid.NewV7())
		mrows = append(mrows, []any{groups[i%10], users[i], "member"}, []any{groups[(i+3)%10], users[i], "member"})
	}
	_, err := pool.CopyFrom(ctx, pgx.Identifier{"social", "groups"},
		[]string{"id", "owner_id", "name", "visibility", "member_limit", "member_count"}, pgx.CopyFromRows(grows))
	require.NoError(t, err)
	_, err = pool.CopyFrom(ctx, pgx.Identifier{"social", "members"}, []string{"group_id", "user_id", "role"}, pgx.CopyFromRows(mrows))
	require.NoError(t, err)

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
	assert.Equal(t, uint64(members), info.State.Msgs, "one NOTIFY message per member")
}
