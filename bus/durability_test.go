package bus_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	childEnv     = "ATHLOS_BUS_TEST_CHILD_DIR"
	provisionEnv = "ATHLOS_BUS_TEST_PROVISION"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		publishUntilKilled(dir)
		return
	}
	if spec := os.Getenv(provisionEnv); spec != "" {
		provision(spec)
		return
	}
	os.Exit(m.Run())
}

// provision runs in a child process: it connects to the server named in
// spec ("url password") and provisions every stream.
func provision(spec string) {
	url, password, _ := strings.Cut(spec, " ")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := bus.Connect(ctx, bus.ConnConfig{Name: "provisioner", URLs: []string{url}, User: bus.ServiceUser, Password: password}, bustest.Logger(nil))
	if err == nil {
		err = bus.EnsureStreams(ctx, c.JS, bus.Streams([]string{"client", "training", "social", "gamification", "promo"}, 1))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}

// TestEnsureStreamsFromProcessesAtOnce starts four processes that provision
// the same streams on one server at the same moment: all succeed.
func TestEnsureStreamsFromProcessesAtOnce(t *testing.T) {
	t.Parallel()
	srv := bustest.Server(t)
	cmds := make([]*exec.Cmd, 4)
	for i := range cmds {
		cmds[i] = exec.Command(os.Args[0], "-test.run=^$")
		cmds[i].Env = append(os.Environ(), provisionEnv+"="+srv.Server.ClientURL()+" "+srv.Password)
		cmds[i].Stderr = os.Stderr
		require.NoError(t, cmds[i].Start())
	}
	for _, cmd := range cmds {
		require.NoError(t, cmd.Wait())
	}
	c := bustest.Conn(t, srv)
	names := c.JS.StreamNames(context.Background())
	n := 0
	for range names.Name() {
		n++
	}
	require.NoError(t, names.Err())
	assert.Equal(t, 8, n)
}

// publishUntilKilled runs in a child process: it publishes to a stream on
// an embedded server and prints the payload of every acknowledged message.
func publishUntilKilled(dir string) {
	e, err := bus.StartEmbedded(bus.EmbeddedConfig{DataDir: dir}, bustest.Logger(nil))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx := context.Background()
	c, err := bus.Connect(ctx, bus.ConnConfig{Name: "child", Embedded: e}, bustest.Logger(nil))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := bus.EnsureStreams(ctx, c.JS, bus.Streams([]string{"training"}, 1)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	for i := 1; ; i++ {
		if _, err := c.JS.Publish(ctx, "evt.training.session.completed", []byte(strconv.Itoa(i))); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Fprintln(out, i)
		_ = out.Flush()
	}
}

// TestKilledProcessLosesNoAcknowledgedMessage kills -9 a process that
// publishes to its embedded JetStream and checks that every message it saw
// acknowledged is there after a restart on the same data dir.
func TestKilledProcessLosesNoAcknowledgedMessage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())

	acked := 0
	sc := bufio.NewScanner(stdout)
	for acked < 3000 && sc.Scan() {
		acked, err = strconv.Atoi(sc.Text())
		require.NoError(t, err)
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	for sc.Scan() { // acks printed before the kill landed
		if n, err := strconv.Atoi(sc.Text()); err == nil {
			acked = n
		}
	}
	_ = cmd.Wait()
	require.GreaterOrEqual(t, acked, 3000)

	srv := bustest.ServerAt(t, dir)
	c := bustest.Conn(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := c.JS.Stream(ctx, bus.EventStream("training"))
	require.NoError(t, err)
	info, err := s.Info(ctx)
	require.NoError(t, err)
	require.GreaterOrEqual(t, info.State.LastSeq, uint64(acked), "acknowledged messages were lost")
	for seq := uint64(1); seq <= uint64(acked); seq++ {
		msg, err := s.GetMsg(ctx, seq)
		require.NoError(t, err, "message %d", seq)
		assert.Equal(t, strconv.FormatUint(seq, 10), string(msg.Data))
	}
}
