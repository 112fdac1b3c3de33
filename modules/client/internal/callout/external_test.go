package callout_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/athlos/athlos/modules/client/internal/auth"
	"github.com/athlos/athlos/modules/client/internal/callout"
)

// documentedConfig is the server configuration docs/configuration.md
// gives operators of an external NATS ("External NATS", its first block),
// which deploy's nats.conf holds too (deploy's tests check it).
func documentedConfig(t *testing.T) string {
	t.Helper()
	doc, err := os.ReadFile("../../../../docs/configuration.md")
	require.NoError(t, err)
	m := regexp.MustCompile("(?s)## External NATS\n.*?\n```\n(.*?)```\n").FindStringSubmatch(string(doc))
	require.NotNil(t, m, "docs/configuration.md has the configuration of an external NATS")
	return m[1]
}

// freePorts returns n distinct loopback ports free now: their listeners
// are all open at once before they close (one after the other, the kernel
// may hand a port just closed to the next call again, and the server's
// two listeners would clash).
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer l.Close()
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports
}

// TestExternalNATSConfig runs a NATS server from the documented
// configuration and the callout against it as athlos would with --nats:
// service and system users by password, app users over WebSocket only,
// with their own subjects, disconnected when their grants change.
func TestExternalNATSConfig(t *testing.T) {
	externalConfig := documentedConfig(t)
	for _, part := range []string{"listen: 0.0.0.0:4222", "port: 4280", "/var/lib/nats", "$ATHLOS_CALLOUT_ISSUER", "$ATHLOS_CALLOUT_XKEY"} {
		require.Contains(t, externalConfig, part, "the test moves or sets it")
	}

	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	issuer, xkey, err := bus.CalloutKeys(secret)
	require.NoError(t, err)
	cc, err := bus.CalloutConfigFromSecret(secret)
	require.NoError(t, err)
	// Never all digits: NATS would read the variable as a number.
	servicePassword, systemPassword := "svc-"+hex.EncodeToString(secret[:8]), "sys-"+hex.EncodeToString(secret[8:16])
	appPassword := "app-" + hex.EncodeToString(secret[16:24])
	t.Setenv("ATHLOS_SERVICE_PASSWORD", servicePassword)
	t.Setenv("ATHLOS_APP_PASSWORD", appPassword)
	t.Setenv("ATHLOS_SYSTEM_PASSWORD", systemPassword)
	t.Setenv("ATHLOS_CALLOUT_ISSUER", cc.Issuer)
	t.Setenv("ATHLOS_CALLOUT_XKEY", cc.XKey)

	ports := freePorts(t, 2)
	natsPort, wsPort := ports[0], ports[1]
	conf := strings.NewReplacer(
		"0.0.0.0:4222", fmt.Sprintf("127.0.0.1:%d", natsPort),
		"port: 4280", fmt.Sprintf("port: %d", wsPort),
		"/var/lib/nats", t.TempDir(),
	).Replace(externalConfig)
	path := t.TempDir() + "/nats.conf"
	require.NoError(t, os.WriteFile(path, []byte(conf), 0o600))
	opts, err := server.ProcessConfigFile(path)
	require.NoError(t, err)
	opts.NoSigs = true
	srv, err := server.NewServer(opts)
	require.NoError(t, err)
	go srv.Start()
	require.True(t, srv.ReadyForConnections(10*time.Second))
	t.Cleanup(srv.Shutdown)

	// athlos --nats nats://… --nats-password … --nats-system-password …
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	url := []string{fmt.Sprintf("nats://127.0.0.1:%d", natsPort)}
	svc, err := bus.Connect(ctx, bus.ConnConfig{Name: "svc", URLs: url, User: bus.ServiceUser, Password: servicePassword}, bustest.Logger(t))
	require.NoError(t, err)
	t.Cleanup(svc.NC.Close)
	_, err = svc.JS.AccountInfo(ctx)
	require.NoError(t, err, "JetStream is enabled for the service user's account")
	sys, err := bus.ConnectSystem(ctx, bus.ConnConfig{Name: "sys", URLs: url, User: bus.SystemUser, Password: systemPassword}, bustest.Logger(t))
	require.NoError(t, err)
	t.Cleanup(sys.Close)

	key, err := auth.NewSigningKey(time.Now())
	require.NoError(t, err)
	c, err := callout.New(callout.Config{NC: svc.NC, Issuer: issuer, XKey: xkey, Keys: staticKeys{key}, System: sys,
		Sources: testSources, Log: bustest.Logger(t)})
	require.NoError(t, err)
	require.NoError(t, c.Start())
	t.Cleanup(func() { _ = c.Stop(context.Background()) })
	e := &env{t: t, svc: svc, wsURL: fmt.Sprintf("ws://127.0.0.1:%d", wsPort), key: key, callout: c}

	// The WebSocket listener admits app users, and not athlos's users.
	// (Refused as "Authorization Violation", or the socket is closed
	// before the client's first PING.)
	_, err = nats.Connect(e.wsURL, nats.UserInfo(bus.ServiceUser, servicePassword))
	assert.Error(t, err, "service user over WebSocket")
	ana := uuid.New()
	_, err = nats.Connect(url[0], nats.Token(e.token(ana, auth.AccessTokenTTL)))
	refused(t, err, "app user over TCP")

	// athlos's user in the app account answers the app's telemetry and
	// stores it in athlos's account.
	appSide, err := bus.ConnectApp(ctx, bus.ConnConfig{Name: "app", URLs: url, User: bus.AppUser, Password: appPassword}, bustest.Logger(t))
	require.NoError(t, err)
	t.Cleanup(appSide.Close)
	_, err = svc.JS.CreateStream(ctx, jetstream.StreamConfig{Name: bus.StreamTelemetry, Subjects: []string{"live.telemetry.*.*"}})
	require.NoError(t, err)
	in, err := bus.NewIngress(appSide, svc.NC, bus.IngressConfig{Subject: "live.telemetry.*.*", UserToken: 2, Queue: "q",
		Accept: func(_ string, m *nats.Msg) (*nats.Msg, error) {
			return &nats.Msg{Subject: m.Subject, Data: m.Data}, nil
		}},
		bustest.Logger(t))
	require.NoError(t, err)
	require.NoError(t, in.Start())
	t.Cleanup(func() { _ = in.Stop(context.Background()) })

	reconnected := make(chan struct{}, 4)
	app := e.mustConnect(ana, nats.ReconnectHandler(func(*nats.Conn) { reconnected <- struct{}{} }))
	js, err := jetstream.New(app.Conn)
	require.NoError(t, err)
	ack, err := js.Publish(ctx, "live.telemetry."+ana.String()+".s1", []byte("{}"))
	require.NoError(t, err)
	assert.Equal(t, bus.StreamTelemetry, ack.Stream)
	other := "live.telemetry." + uuid.NewString() + ".s1"
	require.NoError(t, app.Publish(other, []byte("{}")))
	app.violation(t, other)
	// What athlos publishes for the app arrives; the app account's limits
	// hold.
	notes, err := app.SubscribeSync("notify." + ana.String())
	require.NoError(t, err)
	require.NoError(t, app.Flush())
	require.NoError(t, svc.NC.Publish("notify."+ana.String(), []byte("hi")))
	assert.Equal(t, "hi", string(receive(t, notes).Data))
	figures, err := app.SubscribeSync("live.session." + ana.String() + ".>")
	require.NoError(t, err)
	require.NoError(t, app.Flush())
	require.NoError(t, svc.NC.Publish("live.session."+ana.String()+".s1", []byte("fig")))
	assert.Equal(t, "fig", string(receive(t, figures).Data), "the live figures of her sessions are imported")
	assert.EqualValues(t, bus.AppMaxPayload, app.MaxPayload())
	// Internal subjects are not reachable: a publish on one is refused by
	// the user's permissions, and does not exist in the app account anyway.
	internal, err := svc.NC.SubscribeSync("evt.>")
	require.NoError(t, err)
	require.NoError(t, svc.NC.Flush())
	require.NoError(t, app.PublishMsg(&nats.Msg{Subject: "live.telemetry." + ana.String() + ".s2", Reply: "evt.client.user.deleted", Data: []byte("{}")}))
	nothing(t, internal)

	data, _ := json.Marshal(grantsChanged{UserIDs: []string{ana.String()}})
	require.NoError(t, svc.NC.Publish(socialSource.Changed, data))
	select {
	case <-reconnected:
	case <-time.After(10 * time.Second):
		t.Fatal("the user's connection was not closed through the system account")
	}
}
