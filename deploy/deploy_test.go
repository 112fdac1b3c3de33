package deploy_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/modfile"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
	kusttypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/deploy"
)

func dir(t *testing.T) string {
	t.Helper()
	d, err := deploy.Dir()
	require.NoError(t, err)
	return d
}

func read(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir(t), rel))
	require.NoError(t, err)
	return string(b)
}

// goMod is the repository's go.mod.
func goMod(t *testing.T) *modfile.File {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir(t), "..", "go.mod"))
	require.NoError(t, err)
	f, err := modfile.Parse("go.mod", b, nil)
	require.NoError(t, err)
	return f
}

// natsImage is the nats image the recipes run: the version of the
// nats-server module the tests (and the embedded server) use.
func natsImage(t *testing.T) string {
	t.Helper()
	for _, r := range goMod(t).Require {
		if r.Mod.Path == "github.com/nats-io/nats-server/v2" {
			return "nats:" + strings.TrimPrefix(r.Mod.Version, "v") + "-alpine"
		}
	}
	t.Fatal("go.mod does not require nats-server")
	return ""
}

// object is one Kubernetes object, strictly decoded into its type.
type object struct {
	kind, name string
	v          any
}

// decodeStrict decodes a Kubernetes object into the type of its kind,
// failing on a kind this recipe does not use and on any field the type
// does not have: the schema check.
func decodeStrict(doc []byte) (object, error) {
	var meta struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := yaml.Unmarshal(doc, &meta); err != nil {
		return object{}, err
	}
	var v any
	switch meta.Kind {
	case "Deployment":
		v = &appsv1.Deployment{}
	case "StatefulSet":
		v = &appsv1.StatefulSet{}
	case "Service":
		v = &corev1.Service{}
	case "ConfigMap":
		v = &corev1.ConfigMap{}
	case "Secret":
		v = &corev1.Secret{}
	case "Namespace":
		v = &corev1.Namespace{}
	case "Ingress":
		v = &networkingv1.Ingress{}
	case "PodDisruptionBudget":
		v = &policyv1.PodDisruptionBudget{}
	case "NetworkPolicy":
		v = &networkingv1.NetworkPolicy{}
	case "Kustomization":
		v = &kusttypes.Kustomization{}
	default:
		return object{}, fmt.Errorf("kind %q: not one the recipes use", meta.Kind)
	}
	if err := yaml.UnmarshalStrict(doc, v); err != nil {
		return object{}, fmt.Errorf("%s %s: %w", meta.Kind, meta.Metadata.Name, err)
	}
	return object{kind: meta.Kind, name: meta.Metadata.Name, v: v}, nil
}

// TestKubernetesFilesAreValidObjects decodes every YAML file under
// kubernetes/ (each document of it) strictly into its Kubernetes or
// kustomize type.
func TestKubernetesFilesAreValidObjects(t *testing.T) {
	root := filepath.Join(dir(t), "kubernetes")
	var files int
	require.NoError(t, filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".yaml" {
			return err
		}
		files++
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		for i, doc := range regexp.MustCompile(`(?m)^---$`).Split(string(b), -1) {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			if filepath.Base(p) == "kustomization.yaml" {
				var k kusttypes.Kustomization
				assert.NoError(t, yaml.UnmarshalStrict([]byte(doc), &k), "%s", p)
				continue
			}
			_, err := decodeStrict([]byte(doc))
			assert.NoError(t, err, "%s, document %d", p, i+1)
		}
		return nil
	}))
	assert.GreaterOrEqual(t, files, 8)
}

// rendered renders a kustomization and decodes its objects strictly.
func rendered(t *testing.T, name string, ex *deploy.Example) []object {
	t.Helper()
	m, err := deploy.Kustomize(name, ex)
	require.NoError(t, err, "kustomize build %s", name)
	var out []object
	for _, r := range m.Resources() {
		y, err := r.AsYAML()
		require.NoError(t, err)
		o, err := decodeStrict(y)
		require.NoError(t, err, "%s", y)
		out = append(out, o)
	}
	return out
}

func find[T any](objs []object) []*T {
	var out []*T
	for _, o := range objs {
		if v, ok := o.v.(*T); ok {
			out = append(out, v)
		}
	}
	return out
}

// listenPort is the port of an address such as ":8080".
func listenPort(t *testing.T, addr string) int32 {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	require.NoError(t, err, addr)
	p, err := strconv.Atoi(port)
	require.NoError(t, err)
	return int32(p)
}

func containerPort(c corev1.Container, name string) int32 {
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort
		}
	}
	return 0
}

// natsVariables are the $NAMEs nats.conf reads from the environment.
func natsVariables(t *testing.T) []string {
	t.Helper()
	var names []string
	for _, line := range strings.Split(read(t, "kubernetes/base/nats.conf"), "\n") {
		line, _, _ = strings.Cut(line, "#")
		for _, m := range regexp.MustCompile(`\$([A-Z0-9_]+)`).FindAllStringSubmatch(line, -1) {
			if !slices.Contains(names, m[1]) {
				names = append(names, m[1])
			}
		}
	}
	slices.Sort(names)
	return names
}

// TestKustomizationsRender renders the base and every overlay with
// kustomize's own library and checks what the cluster would get: every
// object of a known type with no unknown field; in the overlays, every
// athlos pod probed on /livez and /readyz at the port athlos listens on,
// non-root, covered by a PodDisruptionBudget, reading ConfigMaps and
// Secrets that exist; Services and the Ingress pointing at ports that
// exist; and the NATS servers given every variable their configuration
// reads.
func TestKustomizationsRender(t *testing.T) {
	ex, err := deploy.NewExample()
	require.NoError(t, err)
	rendered(t, "base", ex)
	for _, overlay := range deploy.Overlays {
		t.Run(overlay, func(t *testing.T) {
			objs := rendered(t, "overlays/"+overlay, ex)
			names := map[string]bool{}
			for _, o := range objs {
				names[o.kind+"/"+o.name] = true
			}
			configMaps := map[string]map[string]string{}
			for _, cm := range find[corev1.ConfigMap](objs) {
				configMaps[cm.Name] = cm.Data
				assert.Equal(t, "athlos", cm.Namespace)
			}
			var pods []corev1.PodTemplateSpec
			deployments := find[appsv1.Deployment](objs)
			require.Len(t, deployments, 4, "one Deployment per module group")
			pdbs := find[policyv1.PodDisruptionBudget](objs)
			for _, d := range deployments {
				assert.Equal(t, "athlos", d.Namespace)
				pods = append(pods, d.Spec.Template)
				spec := d.Spec.Template.Spec
				require.Len(t, spec.Containers, 1, d.Name)
				c := spec.Containers[0]
				assert.Equal(t, "registry.example.com/athlos/athlos:v1.0.0", c.Image, d.Name)
				require.NotNil(t, spec.SecurityContext, d.Name)
				assert.True(t, *spec.SecurityContext.RunAsNonRoot, d.Name)
				assert.NotZero(t, *spec.SecurityContext.RunAsUser, d.Name)
				assert.False(t, *c.SecurityContext.AllowPrivilegeEscalation, d.Name)

				// The probes reach the front at the port athlos listens on.
				env := map[string]string{}
				for _, from := range c.EnvFrom {
					require.NotNil(t, from.ConfigMapRef)
					require.Contains(t, configMaps, from.ConfigMapRef.Name, d.Name)
					for k, v := range configMaps[from.ConfigMapRef.Name] {
						env[k] = v
					}
				}
				listen := env["ATHLOS_HTTP_LISTEN"]
				for _, a := range c.Args {
					if v, ok := strings.CutPrefix(a, "--http-listen="); ok {
						listen = v
					}
				}
				require.NotEmpty(t, listen, d.Name)
				port := listenPort(t, listen)
				var mods string
				for _, a := range c.Args {
					if v, ok := strings.CutPrefix(a, "--modules="); ok {
						mods = v
					}
				}
				assert.Contains(t, strings.Split(mods, ","), "gateway", "%s: the gateway module serves the probes", d.Name)
				for what, probe := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe, "startup": c.StartupProbe} {
					require.NotNil(t, probe, "%s: %s probe", d.Name, what)
					require.NotNil(t, probe.HTTPGet, d.Name)
					want := "/livez"
					if what == "readiness" {
						want = "/readyz"
					}
					assert.Equal(t, want, probe.HTTPGet.Path, "%s: %s probe", d.Name, what)
					got := probe.HTTPGet.Port.IntVal
					if probe.HTTPGet.Port.StrVal != "" {
						got = containerPort(c, probe.HTTPGet.Port.StrVal)
					}
					assert.Equal(t, port, got, "%s: the %s probe's port is the one of --http-listen %s", d.Name, what, listen)
				}

				// What the pod reads exists.
				for _, e := range c.Env {
					if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
						assert.True(t, names["Secret/"+e.ValueFrom.SecretKeyRef.Name], "%s: %s", d.Name, e.Name)
					}
				}
				for _, v := range spec.Volumes {
					if v.Secret != nil {
						assert.True(t, names["Secret/"+v.Secret.SecretName], "%s: volume %s", d.Name, v.Name)
					}
				}

				// A PodDisruptionBudget keeps some of it running.
				var covered bool
				for _, p := range pdbs {
					covered = covered || labels.SelectorFromSet(p.Spec.Selector.MatchLabels).Matches(labels.Set(d.Spec.Template.Labels))
				}
				assert.True(t, covered, "%s: no PodDisruptionBudget", d.Name)
				assert.GreaterOrEqual(t, *d.Spec.Replicas, int32(2), "%s: one copy is none during a rolling update", d.Name)
			}

			sets := find[appsv1.StatefulSet](objs)
			require.Len(t, sets, 1)
			nats := sets[0]
			assert.Equal(t, int32(3), *nats.Spec.Replicas)
			assert.True(t, names["Service/"+nats.Spec.ServiceName], "the StatefulSet's headless Service")
			pods = append(pods, nats.Spec.Template)
			nc := nats.Spec.Template.Spec.Containers[0]
			assert.Equal(t, natsImage(t), nc.Image, "the nats-server of go.mod, which the tests run")
			given := map[string]bool{}
			for _, e := range nc.Env {
				given[e.Name] = true
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					assert.True(t, names["Secret/"+e.ValueFrom.SecretKeyRef.Name], e.Name)
				}
			}
			for _, from := range nc.EnvFrom {
				require.Contains(t, configMaps, from.ConfigMapRef.Name)
				for k := range configMaps[from.ConfigMapRef.Name] {
					given[k] = true
				}
			}
			for _, v := range natsVariables(t) {
				assert.True(t, given[v], "the NATS servers are not given $%s, which nats.conf reads", v)
			}
			for _, v := range nats.Spec.Template.Spec.Volumes {
				if v.ConfigMap != nil {
					require.Contains(t, configMaps, v.ConfigMap.Name)
					assert.Equal(t, read(t, "kubernetes/base/nats.conf"), configMaps[v.ConfigMap.Name]["nats.conf"])
				}
			}

			// Services select pods and name ports they have.
			services := map[string]*corev1.Service{}
			for _, s := range find[corev1.Service](objs) {
				services[s.Name] = s
				var matched bool
				for _, pod := range pods {
					if !labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(pod.Labels)) {
						continue
					}
					matched = true
					for _, p := range s.Spec.Ports {
						assert.NotZero(t, containerPort(pod.Spec.Containers[0], p.TargetPort.StrVal), "Service %s port %s", s.Name, p.Name)
					}
				}
				assert.True(t, matched, "Service %s selects no pod", s.Name)
			}
			// The network policy lets athlos reach NATS, and names ports the
			// servers have.
			policies := find[networkingv1.NetworkPolicy](objs)
			require.Len(t, policies, 1)
			np := policies[0]
			assert.True(t, labels.SelectorFromSet(np.Spec.PodSelector.MatchLabels).Matches(labels.Set(nats.Spec.Template.Labels)))
			var reachable []string
			for _, rule := range np.Spec.Ingress {
				for _, p := range rule.Ports {
					assert.NotZero(t, containerPort(nc, p.Port.StrVal), "NetworkPolicy port %s", p.Port.StrVal)
					for _, from := range rule.From {
						for _, d := range deployments {
							if labels.SelectorFromSet(from.PodSelector.MatchLabels).Matches(labels.Set(d.Spec.Template.Labels)) {
								reachable = append(reachable, d.Name+"→"+p.Port.StrVal)
							}
						}
					}
				}
			}
			for _, d := range deployments {
				assert.Contains(t, reachable, d.Name+"→client", "%s reaches the NATS client port", d.Name)
			}

			ingresses := find[networkingv1.Ingress](objs)
			require.Len(t, ingresses, 1)
			var backends []string
			for _, rule := range ingresses[0].Spec.Rules {
				for _, p := range rule.HTTP.Paths {
					s, ok := services[p.Backend.Service.Name]
					require.True(t, ok, "the Ingress sends %s to no Service", rule.Host)
					assert.True(t, slices.ContainsFunc(s.Spec.Ports, func(sp corev1.ServicePort) bool { return sp.Name == p.Backend.Service.Port.Name }),
						"%s: Service %s has no port %s", rule.Host, s.Name, p.Backend.Service.Port.Name)
					backends = append(backends, s.Name+":"+p.Backend.Service.Port.Name)
				}
			}
			assert.ElementsMatch(t, []string{"athlos-http:http", "nats:websocket"}, backends, "HTTP and the NATS WebSocket")
		})
	}
}

// TestComposeLoads loads compose.yaml with compose-go, as docker compose
// would, and checks its images and what the NATS servers are given.
func TestComposeLoads(t *testing.T) {
	ex, err := deploy.NewExample()
	require.NoError(t, err)
	p, err := deploy.Compose(context.Background(), ex, t.TempDir())
	require.NoError(t, err)
	require.NoError(t, p.CheckContainerNameUnicity())

	assert.Contains(t, p.Services["postgres"].Image, "postgis/postgis:")
	var athlos []string
	for _, name := range p.ServiceNames() {
		s := p.Services[name]
		if strings.HasPrefix(name, "nats") {
			assert.Equal(t, natsImage(t), s.Image, name)
			for _, v := range natsVariables(t) {
				assert.Contains(t, s.Environment, v, "%s is not given $%s, which nats.conf reads", name, v)
			}
			assert.Equal(t, name, *s.Environment["NATS_SERVER_NAME"])
		}
		if s.Build != nil {
			athlos = append(athlos, name)
			assert.Equal(t, "deploy/Dockerfile", s.Build.Dockerfile, name)
			assert.FileExists(t, filepath.Join(s.Build.Context, s.Build.Dockerfile), name)
			assert.Equal(t, "serve", s.Command[0], name)
			for _, dep := range []string{"postgres", "nats1", "nats2", "nats3"} {
				assert.Equal(t, "service_healthy", s.DependsOn[dep].Condition, "%s waits for %s", name, dep)
			}
		}
	}
	assert.Len(t, athlos, 4, "one service per module group")
}

// documentedNATSConfig is the external NATS configuration of
// docs/configuration.md ("External NATS"), the one
// modules/client/internal/callout's TestExternalNATSConfig runs.
func documentedNATSConfig(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir(t), "..", "docs", "configuration.md"))
	require.NoError(t, err)
	m := regexp.MustCompile("(?s)## External NATS\n.*?\n```\n(.*?)```\n").FindStringSubmatch(string(b))
	require.NotNil(t, m, "docs/configuration.md has the configuration of an external NATS")
	return m[1]
}

// TestNATSConfigRunsAClusterAsDocumented checks that nats.conf is the
// documented external configuration plus the cluster, then starts three
// servers from it with the environment compose.yaml gives them (hosts and
// ports moved to loopback) and checks what athlos needs of them: one
// JetStream cluster that keeps R3 streams, the service user in ATHLOS,
// athlos's user in APP receiving what ATHLOS exports, the system user,
// and athlos's users kept off the WebSocket listener.
func TestNATSConfigRunsAClusterAsDocumented(t *testing.T) {
	config := read(t, "kubernetes/base/nats.conf")
	assert.Contains(t, config, documentedNATSConfig(t), "nats.conf holds docs/configuration.md's configuration word for word")

	ex, err := deploy.NewExample()
	require.NoError(t, err)
	project, err := deploy.Compose(context.Background(), ex, t.TempDir())
	require.NoError(t, err)

	nodes := deploy.RunNATS(t, project, nil)
	var servers []*server.Server
	for _, n := range nodes {
		servers = append(servers, n.Server)
		assert.Equal(t, n.Name, n.Server.Name())
	}
	password := func(v string) string { return *project.Services["nats1"].Environment[v] }
	url := nodes[1].ClientURL() + "," + nodes[2].ClientURL()

	// athlos --nats … --nats-password …: the service user, with JetStream
	// in its account and a cluster that keeps three copies.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	svc, err := nats.Connect(url, nats.UserInfo(bus.ServiceUser, password("ATHLOS_SERVICE_PASSWORD")))
	require.NoError(t, err)
	defer svc.Close()
	js, err := jetstream.New(svc)
	require.NoError(t, err)
	var stream jetstream.Stream
	deadline := time.Now().Add(45 * time.Second)
	for {
		tctx, tcancel := context.WithTimeout(ctx, 2*time.Second)
		stream, err = js.CreateStream(tctx, jetstream.StreamConfig{Name: "DEPLOY_R3", Subjects: []string{"deploy.r3"}, Replicas: 3})
		tcancel()
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	for _, srv := range servers {
		assert.True(t, srv.JetStreamIsClustered(), srv.Name())
	}
	require.NoError(t, err, "an R3 stream on the three servers")
	ack, err := js.Publish(ctx, "deploy.r3", []byte("kept three times"))
	require.NoError(t, err)
	assert.Equal(t, "DEPLOY_R3", ack.Stream)
	info, err := stream.Info(ctx)
	require.NoError(t, err)
	assert.Len(t, info.Cluster.Replicas, 2, "a leader and two replicas")
	assert.Equal(t, "athlos-nats", info.Cluster.Name)

	// athlos's user in the app account receives what ATHLOS exports.
	app, err := nats.Connect(url, nats.UserInfo(bus.AppUser, password("ATHLOS_APP_PASSWORD")))
	require.NoError(t, err)
	defer app.Close()
	notes, err := app.SubscribeSync("notify.ana")
	require.NoError(t, err)
	require.NoError(t, app.Flush())
	require.Eventually(t, func() bool {
		require.NoError(t, svc.Publish("notify.ana", []byte("hi")))
		m, err := notes.NextMsg(200 * time.Millisecond)
		return err == nil && string(m.Data) == "hi"
	}, 10*time.Second, 10*time.Millisecond, "what ATHLOS exports reaches APP")

	// The system user.
	sys, err := nats.Connect(url, nats.UserInfo(bus.SystemUser, password("ATHLOS_SYSTEM_PASSWORD")))
	require.NoError(t, err)
	defer sys.Close()
	_, err = sys.Request("$SYS.REQ.SERVER.PING", nil, 5*time.Second)
	assert.NoError(t, err, "the system account answers its user")

	// Wrong passwords, and athlos's users over the WebSocket listener, are
	// refused.
	_, err = nats.Connect(url, nats.UserInfo(bus.ServiceUser, "wrong"))
	assert.Error(t, err)
	_, err = nats.Connect(fmt.Sprintf("ws://127.0.0.1:%d", nodes[0].WebSocket), nats.UserInfo(bus.ServiceUser, password("ATHLOS_SERVICE_PASSWORD")),
		nats.Timeout(5*time.Second))
	assert.Error(t, err, "the service user over WebSocket")
}

// TestDockerfile parses the Dockerfile with BuildKit's parser: a build
// stage on the Go of go.mod that builds ./cmd/athlos without cgo, and a
// runtime stage that runs the binary as an unprivileged user.
func TestDockerfile(t *testing.T) {
	res, err := parser.Parse(bytes.NewReader([]byte(read(t, "Dockerfile"))))
	require.NoError(t, err)
	assert.Empty(t, res.Warnings)
	type stage struct {
		from, name string
		instr      []*parser.Node
	}
	var stages []*stage
	for _, n := range res.AST.Children {
		if strings.EqualFold(n.Value, "from") {
			s := &stage{from: n.Next.Value}
			if n.Next.Next != nil && strings.EqualFold(n.Next.Next.Value, "as") {
				s.name = n.Next.Next.Next.Value
			}
			stages = append(stages, s)
			continue
		}
		require.NotEmpty(t, stages, "an instruction before FROM: %s", n.Original)
		stages[len(stages)-1].instr = append(stages[len(stages)-1].instr, n)
	}
	require.Len(t, stages, 2, "multi-stage: build and runtime")
	build, run := stages[0], stages[1]
	assert.Equal(t, "golang:"+goMod(t).Go.Version+"-bookworm", build.from, "the Go of go.mod")
	require.NotEmpty(t, build.name)
	var builds bool
	for _, n := range build.instr {
		if strings.EqualFold(n.Value, "run") && strings.Contains(n.Original, "go build") {
			builds = true
			assert.Contains(t, n.Original, "CGO_ENABLED=0", "a static binary for the distroless base")
			assert.Contains(t, n.Original, "-o /out/athlos ./cmd/athlos")
		}
	}
	assert.True(t, builds, "the build stage builds athlos")

	assert.True(t, strings.HasPrefix(run.from, "gcr.io/distroless/") || strings.Contains(run.from, "debian") && strings.Contains(run.from, "slim"),
		"a distroless or debian-slim runtime: %s", run.from)
	var user string
	var entrypoint []string
	var copied bool
	for _, n := range run.instr {
		switch strings.ToLower(n.Value) {
		case "user":
			user = n.Next.Value
		case "entrypoint":
			assert.True(t, n.Attributes["json"], "ENTRYPOINT in exec form, so that athlos gets the signals")
			for a := n.Next; a != nil; a = a.Next {
				entrypoint = append(entrypoint, a.Value)
			}
		case "copy":
			if slices.Contains(n.Flags, "--from="+build.name) && n.Next.Value == "/out/athlos" {
				copied = true
				assert.Equal(t, "/usr/local/bin/athlos", n.Next.Next.Value)
			}
		case "run":
			t.Errorf("a RUN in the runtime stage (distroless has no shell): %s", n.Original)
		}
	}
	assert.True(t, copied, "the runtime stage copies the binary from the build stage")
	require.NotEmpty(t, user, "USER in the runtime stage")
	uid, _, _ := strings.Cut(user, ":")
	assert.NotContains(t, []string{"0", "root"}, uid, "not root")
	assert.Equal(t, []string{"/usr/local/bin/athlos"}, entrypoint)
}

// TestSystemdUnit checks the unit with systemd's own verifier and for the
// hardening it promises.
func TestSystemdUnit(t *testing.T) {
	unit := read(t, "systemd/athlos.service")
	for _, line := range []string{"User=athlos", "NoNewPrivileges=true", "ProtectSystem=strict", "ProtectHome=true",
		"PrivateTmp=true", "CapabilityBoundingSet=", "LimitNOFILE=65536", "Restart=on-failure",
		"EnvironmentFile=-/etc/athlos/athlos.env", "ReadWritePaths=/var/lib/athlos", "Environment=ATHLOS_DATA_DIR=/var/lib/athlos"} {
		assert.Contains(t, strings.Split(unit, "\n"), line)
	}
	verify, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("no systemd-analyze here to verify the unit with")
	}
	// verify wants the program to exist.
	path := filepath.Join(t.TempDir(), "athlos.service")
	require.NoError(t, os.WriteFile(path, []byte(strings.ReplaceAll(unit, "/usr/local/bin/athlos", "/bin/true")), 0o600))
	out, err := exec.Command(verify, "verify", path).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Empty(t, strings.TrimSpace(string(out)), "systemd-analyze verify says something of the unit")
}

// TestScriptsParse checks the shell scripts' syntax with bash (and with
// shellcheck where it is installed).
func TestScriptsParse(t *testing.T) {
	for _, s := range []string{"single/backup.sh", "single/restore.sh", "setup.sh", "local-cluster.sh"} {
		out, err := exec.Command("bash", "-n", filepath.Join(dir(t), s)).CombinedOutput()
		assert.NoError(t, err, "%s: %s", s, out)
		if sc, err := exec.LookPath("shellcheck"); err == nil {
			out, err := exec.Command(sc, filepath.Join(dir(t), s)).CombinedOutput()
			assert.NoError(t, err, "%s: %s", s, out)
		}
	}
}
