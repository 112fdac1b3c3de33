package bus_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/bus/bustest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const childEnv = "ATHLOS_BUS_TEST_CHILD_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		publishUntilKilled(dir)
		return
	}
	os.Exit(m.Run())
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
