// Package deploy holds Athlos's deployment recipes — the systemd unit and
// example configuration of a single node (systemd/, single/), Docker
// Compose (compose/), Kubernetes with kustomize (kubernetes/) and the
// Dockerfile — and reads them back as their tools would: compose-go loads
// the Compose file, kustomize's krusty renders the overlays. They cannot
// run on a development machine, so the tests check them instead: this
// package's (schemas, probes, the NATS configuration, the Dockerfile) and
// cmd/athlos's, which parses every athlos invocation they contain
// (Invocations) with the real command line.
package deploy

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	composecli "github.com/compose-spec/compose-go/v2/cli"
	composetypes "github.com/compose-spec/compose-go/v2/types"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/athlos/athlos/bus"
)

// Overlays are the kustomize overlays under kubernetes/overlays.
var Overlays = []string{"prod"}

// Example holds what an operator makes before deploying and git does not
// keep: the secret key, the auth callout's keys it derives (the output of
// `athlos admin callout-keys`), and the passwords of the example files.
type Example struct {
	SecretKey  string // 64 hex digits
	CalloutEnv string // ATHLOS_CALLOUT_ISSUER=…, ATHLOS_CALLOUT_XKEY=… lines
}

// NewExample makes a fresh secret key and its callout keys.
func NewExample() (*Example, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	keys, err := bus.CalloutConfigFromSecret(secret)
	if err != nil {
		return nil, err
	}
	return &Example{
		SecretKey:  hex.EncodeToString(secret) + "\n",
		CalloutEnv: fmt.Sprintf("ATHLOS_CALLOUT_ISSUER=%s\nATHLOS_CALLOUT_XKEY=%s\n", keys.Issuer, keys.XKey),
	}, nil
}

// Dir is the directory of the recipes: this package's, found from the
// working directory of a test in the repository (any package's).
func Dir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "deploy", "kubernetes", "base", "kustomization.yaml")); err == nil {
			return filepath.Join(dir, "deploy"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("deploy: no deploy/kubernetes above the working directory")
		}
		dir = parent
	}
}

// Kustomize renders a kustomization (a path under kubernetes/, such as
// "overlays/prod" or "base") as `kubectl apply -k` would, from an
// in-memory copy of kubernetes/ in which every overlay also has the files
// the operator makes (ex): secret.key, callout.env, and secrets.env from
// secrets.env.example.
func Kustomize(name string, ex *Example) (resmap.ResMap, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	mem := filesys.MakeFsInMemory()
	root := filepath.Join(dir, "kubernetes")
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return mem.WriteFile(path.Join("/k", filepath.ToSlash(rel)), b)
	})
	if err != nil {
		return nil, err
	}
	for _, o := range Overlays {
		example, err := os.ReadFile(filepath.Join(root, "overlays", o, "secrets.env.example"))
		if err != nil {
			return nil, err
		}
		for file, content := range map[string]string{"secret.key": ex.SecretKey, "callout.env": ex.CalloutEnv, "secrets.env": string(example)} {
			if err := mem.WriteFile(path.Join("/k/overlays", o, file), []byte(content)); err != nil {
				return nil, err
			}
		}
	}
	return krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(mem, path.Join("/k", name))
}

// Compose loads compose/compose.yaml as `docker compose` would in that
// directory, from a copy where .env is example.env and secret.key and
// callout.env are ex's: every ${…} interpolated, env_file merged into
// each service's environment.
func Compose(ctx context.Context, ex *Example, tmp string) (*composetypes.Project, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	files := map[string]string{"secret.key": ex.SecretKey, "callout.env": ex.CalloutEnv}
	for _, f := range []string{"compose.yaml", "example.env"} {
		b, err := os.ReadFile(filepath.Join(dir, "compose", f))
		if err != nil {
			return nil, err
		}
		files[f] = string(b)
	}
	files[".env"] = files["example.env"]
	compose := filepath.Join(tmp, "deploy", "compose")
	if err := os.MkdirAll(compose, 0o700); err != nil {
		return nil, err
	}
	for f, content := range files {
		if err := os.WriteFile(filepath.Join(compose, f), []byte(content), 0o600); err != nil {
			return nil, err
		}
	}
	// What compose.yaml refers to outside its directory.
	for _, rel := range []string{"kubernetes/base/nats.conf", "Dockerfile"} {
		b, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			return nil, err
		}
		p := filepath.Join(tmp, "deploy", rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			return nil, err
		}
	}
	opts, err := composecli.NewProjectOptions([]string{filepath.Join(compose, "compose.yaml")},
		composecli.WithWorkingDirectory(compose), composecli.WithEnvFiles(), composecli.WithDotEnv, composecli.WithName("athlos"))
	if err != nil {
		return nil, err
	}
	return opts.LoadProject(ctx)
}

// Invocation is one place where a recipe runs athlos: its arguments (after
// the program's name) and the ATHLOS_* variables it is given, with their
// values ("" where a recipe only names the variable).
type Invocation struct {
	Recipe string
	Args   []string
	Env    map[string]string
	// Copies is how many processes run it (Compose's and Kubernetes'
	// replicas; 1 for a single node).
	Copies int
}

// Modules are the modules the invocation runs (--modules, else
// ATHLOS_MODULES; "all" when neither is set).
func (inv Invocation) Modules() string {
	for i, a := range inv.Args {
		if v, ok := strings.CutPrefix(a, "--modules="); ok {
			return v
		}
		if a == "--modules" && i+1 < len(inv.Args) {
			return inv.Args[i+1]
		}
	}
	if v := inv.Env["ATHLOS_MODULES"]; v != "" {
		return v
	}
	return "all"
}

// Invocations are every athlos invocation of the recipes: the systemd
// unit's ExecStart with its Environment= lines, the example configuration
// (its variables, commented out or not, with their example values), each
// Compose service that runs the image, and each container of the
// Kubernetes overlays that runs athlos, with the values of its ConfigMaps
// and Secrets.
func Invocations(ctx context.Context, tmp string) ([]Invocation, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	ex, err := NewExample()
	if err != nil {
		return nil, err
	}
	unit, err := SystemdUnit(filepath.Join(dir, "systemd", "athlos.service"))
	if err != nil {
		return nil, err
	}
	unit.Copies = 1
	out := []Invocation{unit}
	envFile, err := EnvFile(filepath.Join(dir, "single", "athlos.env"))
	if err != nil {
		return nil, err
	}
	out = append(out, Invocation{Recipe: "single/athlos.env", Args: []string{"serve"}, Env: envFile, Copies: 1})

	project, err := Compose(ctx, ex, tmp)
	if err != nil {
		return nil, fmt.Errorf("compose: %w", err)
	}
	for _, name := range project.ServiceNames() {
		s := project.Services[name]
		if s.Build == nil || !strings.HasSuffix(s.Build.Dockerfile, "deploy/Dockerfile") {
			continue
		}
		inv := Invocation{Recipe: "compose service " + name, Args: s.Command, Env: map[string]string{}, Copies: s.GetScale()}
		for k, v := range s.Environment {
			if v != nil {
				inv.Env[k] = *v
			} else {
				inv.Env[k] = ""
			}
		}
		out = append(out, inv)
	}

	for _, o := range Overlays {
		m, err := Kustomize(path.Join("overlays", o), ex)
		if err != nil {
			return nil, fmt.Errorf("kustomize %s: %w", o, err)
		}
		invs, err := kubernetesInvocations(m, "overlays/"+o)
		if err != nil {
			return nil, err
		}
		out = append(out, invs...)
	}
	return out, nil
}

// kubernetesInvocations are the athlos containers of the Deployments in m,
// with the values of the ConfigMaps and Secrets they read.
func kubernetesInvocations(m resmap.ResMap, recipe string) ([]Invocation, error) {
	configMaps, secrets := map[string]map[string]string{}, map[string]map[string]string{}
	var deployments []appsv1.Deployment
	for _, r := range m.Resources() {
		y, err := r.AsYAML()
		if err != nil {
			return nil, err
		}
		switch r.GetKind() {
		case "ConfigMap":
			var cm corev1.ConfigMap
			if err := yaml.UnmarshalStrict(y, &cm); err != nil {
				return nil, err
			}
			configMaps[cm.Name] = cm.Data
		case "Secret":
			var s corev1.Secret
			if err := yaml.UnmarshalStrict(y, &s); err != nil {
				return nil, err
			}
			secrets[s.Name] = map[string]string{}
			for k, v := range s.Data {
				secrets[s.Name][k] = string(v)
			}
		case "Deployment":
			var d appsv1.Deployment
			if err := yaml.UnmarshalStrict(y, &d); err != nil {
				return nil, err
			}
			deployments = append(deployments, d)
		}
	}
	var out []Invocation
	for _, d := range deployments {
		for _, c := range d.Spec.Template.Spec.Containers {
			if c.Name != "athlos" {
				continue
			}
			inv := Invocation{Recipe: recipe + " Deployment " + d.Name, Args: slices.Concat(c.Command, c.Args), Env: map[string]string{}, Copies: 1}
			if d.Spec.Replicas != nil {
				inv.Copies = int(*d.Spec.Replicas)
			}
			for _, from := range c.EnvFrom {
				if from.ConfigMapRef == nil {
					return nil, fmt.Errorf("%s: envFrom other than a ConfigMap", inv.Recipe)
				}
				data, ok := configMaps[from.ConfigMapRef.Name]
				if !ok {
					return nil, fmt.Errorf("%s: no ConfigMap %s", inv.Recipe, from.ConfigMapRef.Name)
				}
				for k, v := range data {
					inv.Env[from.Prefix+k] = v
				}
			}
			for _, e := range c.Env {
				switch {
				case e.ValueFrom == nil:
					inv.Env[e.Name] = e.Value
				case e.ValueFrom.SecretKeyRef != nil:
					ref := e.ValueFrom.SecretKeyRef
					v, ok := secrets[ref.Name][ref.Key]
					if !ok && (ref.Optional == nil || !*ref.Optional) {
						return nil, fmt.Errorf("%s: %s: no key %s in Secret %s", inv.Recipe, e.Name, ref.Key, ref.Name)
					}
					inv.Env[e.Name] = v
				default:
					return nil, fmt.Errorf("%s: %s: a valueFrom other than a Secret", inv.Recipe, e.Name)
				}
			}
			out = append(out, inv)
		}
	}
	return out, nil
}

// SystemdUnit reads a unit's ExecStart (athlos's arguments) and its
// Environment= lines.
func SystemdUnit(file string) (Invocation, error) {
	inv := Invocation{Recipe: "systemd/" + filepath.Base(file), Env: map[string]string{}}
	err := eachLine(file, func(line string) error {
		key, value, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(line, "#") {
			return nil
		}
		switch key {
		case "Environment":
			for _, kv := range strings.Fields(value) {
				k, v, _ := strings.Cut(strings.Trim(kv, `"`), "=")
				inv.Env[k] = v
			}
		case "ExecStart":
			fields := strings.Fields(value)
			if len(fields) == 0 || path.Base(fields[0]) != "athlos" {
				return fmt.Errorf("%s: ExecStart does not run athlos: %s", file, value)
			}
			inv.Args = fields[1:]
		}
		return nil
	})
	if err == nil && inv.Args == nil {
		err = fmt.Errorf("%s: no ExecStart", file)
	}
	return inv, err
}

// EnvFile reads the ATHLOS_* variables of an environment file, those
// commented out (#ATHLOS_X=…) too, with their values.
func EnvFile(file string) (map[string]string, error) {
	env := map[string]string{}
	err := eachLine(file, func(line string) error {
		line = strings.TrimPrefix(line, "#")
		if k, v, ok := strings.Cut(line, "="); ok && strings.HasPrefix(k, "ATHLOS_") && !strings.ContainsAny(k, " \t") {
			if _, dup := env[k]; dup {
				return fmt.Errorf("%s: %s twice", file, k)
			}
			env[k] = v
		}
		return nil
	})
	return env, err
}

func eachLine(file string, fn func(string) error) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if err := fn(strings.TrimSpace(sc.Text())); err != nil {
			return err
		}
	}
	return sc.Err()
}
