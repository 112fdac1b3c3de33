package deploy

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	composetypes "github.com/compose-spec/compose-go/v2/types"
	"github.com/nats-io/nats-server/v2/server"
)

// NATSNode is one NATS server of the Compose recipe moved to loopback
// ports, as a test runs it.
type NATSNode struct {
	Name                             string
	Client, WebSocket, Cluster, Port int
	Server                           *server.Server
}

// ClientURL is the node's client URL.
func (n NATSNode) ClientURL() string { return fmt.Sprintf("nats://127.0.0.1:%d", n.Client) }

// RunNATS starts in this process the three NATS servers of the Compose
// recipe (services nats1, nats2, nats3 of p): each from
// kubernetes/base/nats.conf as shipped, with the environment Compose gives
// it, its listeners and routes moved to free loopback ports and its store
// to a temporary directory. It sets the servers' variables in the
// process's environment while it reads their configurations (t.Setenv: not
// in parallel tests), and shuts them down when the test ends. The servers
// accept connections when it returns; JetStream's cluster may still be
// electing its leader. port returns a free loopback port, one never given
// to anything else of the test (nil: any free port).
func RunNATS(t testing.TB, p *composetypes.Project, port func() int) []NATSNode {
	t.Helper()
	dir, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	conf, err := os.ReadFile(filepath.Join(dir, "kubernetes", "base", "nats.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if port == nil {
		port = func() int { return freePort(t) }
	}
	nodes := make([]NATSNode, 3)
	for i := range nodes {
		nodes[i] = NATSNode{Name: fmt.Sprintf("nats%d", i+1), Client: port(), WebSocket: port(), Cluster: port(), Port: port()}
	}
	for i, n := range nodes {
		s, ok := p.Services[n.Name]
		if !ok {
			t.Fatalf("compose.yaml has no service %s", n.Name)
		}
		for k, v := range s.Environment {
			value := ""
			if v != nil {
				value = *v
			}
			for _, o := range nodes {
				value = strings.ReplaceAll(value, "@"+o.Name+":6222", fmt.Sprintf("@127.0.0.1:%d", o.Cluster))
			}
			t.Setenv(k, value)
		}
		local := strings.NewReplacer(
			"0.0.0.0:4222", fmt.Sprintf("127.0.0.1:%d", n.Client),
			"port: 4280", fmt.Sprintf("port: %d", n.WebSocket),
			"0.0.0.0:6222", fmt.Sprintf("127.0.0.1:%d", n.Cluster),
			"http: 8222", fmt.Sprintf("http: \"127.0.0.1:%d\"", n.Port),
			"/var/lib/nats", t.TempDir(),
		).Replace(string(conf))
		path := filepath.Join(t.TempDir(), "nats.conf")
		if err := os.WriteFile(path, []byte(local), 0o600); err != nil {
			t.Fatal(err)
		}
		opts, err := server.ProcessConfigFile(path)
		if err != nil {
			t.Fatalf("nats.conf with the environment of %s: %v", n.Name, err)
		}
		opts.NoSigs = true
		srv, err := server.NewServer(opts)
		if err != nil {
			t.Fatal(err)
		}
		if os.Getenv("ATHLOS_TEST_NATS_LOG") != "" {
			srv.ConfigureLogger()
		}
		go srv.Start()
		t.Cleanup(srv.Shutdown)
		nodes[i].Server = srv
	}
	for _, n := range nodes {
		if !n.Server.ReadyForConnections(time.Minute) {
			t.Fatalf("%s does not take connections (ports %d, %d, %d, %d; ATHLOS_TEST_NATS_LOG=1 shows its log)",
				n.Name, n.Client, n.WebSocket, n.Cluster, n.Port)
		}
	}
	return nodes
}

var (
	portsMu sync.Mutex
	given   = map[int]bool{}
)

// freePort returns a free loopback port that no earlier call in this
// process returned: the kernel may hand a port just closed to the next
// quick call again, and two of a cluster's twelve listeners on one port
// fail to start.
func freePort(t testing.TB) int {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		if !given[port] {
			given[port] = true
			return port
		}
	}
}
