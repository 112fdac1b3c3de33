package pgmanaged

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// ErrBinariesMissing means no PostgreSQL server binaries (postgres and
// initdb) were found. Start wraps it with the places searched and the
// packages to install.
var ErrBinariesMissing = errors.New("pgmanaged: PostgreSQL server binaries (postgres, initdb) not found")

// ErrPostGISMissing means the PostgreSQL server that was found has no
// PostGIS extension installed. Start wraps it with the package to install.
var ErrPostGISMissing = errors.New("pgmanaged: PostGIS is not installed for this PostgreSQL server")

// binaries is one PostgreSQL installation.
type binaries struct {
	binDir   string
	shareDir string
	version  string // e.g. "15.14"
	major    int
}

func (b binaries) postgres() string { return filepath.Join(b.binDir, "postgres") }
func (b binaries) initdb() string   { return filepath.Join(b.binDir, "initdb") }

// installHint names the packages that provide a server of the given major
// version with PostGIS (0: the distribution's default).
func installHint(major int) string {
	v := "15"
	if major > 0 {
		v = strconv.Itoa(major)
	}
	return "on Debian/Ubuntu: apt-get install -y postgresql postgresql-" + v + "-postgis-3" +
		" (the PostGIS package is named after the server's major version; elsewhere install the" +
		" PostgreSQL server and PostGIS 3 packages), or give athlos a database URL to use an existing server"
}

// findBinaries locates the server binaries and checks that PostGIS is
// installed for them.
func findBinaries(ctx context.Context) (binaries, error) {
	var looked []string
	var pathPgConfigBin, pathPgConfigShare string
	candidates := make([]string, 0, 8)

	if pc, err := exec.LookPath("pg_config"); err == nil {
		looked = append(looked, "`pg_config --bindir` ("+pc+")")
		if out, err := exec.CommandContext(ctx, pc, "--bindir", "--sharedir").Output(); err == nil {
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			if len(lines) == 2 {
				pathPgConfigBin = strings.TrimSpace(lines[0])
				pathPgConfigShare = strings.TrimSpace(lines[1])
				candidates = append(candidates, pathPgConfigBin)
			}
		}
	} else {
		looked = append(looked, "pg_config (not on PATH)")
	}
	looked = append(looked, "PATH")
	for _, name := range []string{"postgres", "initdb"} {
		if p, err := exec.LookPath(name); err == nil {
			if real, err := filepath.EvalSymlinks(p); err == nil {
				p = real
			}
			candidates = append(candidates, filepath.Dir(p))
		}
	}
	for _, pattern := range []string{"/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin"} {
		looked = append(looked, pattern)
		matches, _ := filepath.Glob(pattern)
		// Newest major first: the version is the path element that varies.
		slices.SortFunc(matches, func(a, b string) int { return versionOf(b) - versionOf(a) })
		candidates = append(candidates, matches...)
	}
	looked = append(looked, "/usr/local/pgsql/bin")
	candidates = append(candidates, "/usr/local/pgsql/bin")

	var bin string
	for _, dir := range candidates {
		if isExecutable(filepath.Join(dir, "postgres")) && isExecutable(filepath.Join(dir, "initdb")) {
			bin = dir
			break
		}
	}
	if bin == "" {
		return binaries{}, fmt.Errorf("%w (looked in %s); install them, %s",
			ErrBinariesMissing, strings.Join(looked, ", "), installHint(0))
	}
	b := binaries{binDir: bin}

	out, err := exec.CommandContext(ctx, b.postgres(), "--version").Output()
	if err != nil {
		return binaries{}, fmt.Errorf("pgmanaged: run %s --version: %w", b.postgres(), err)
	}
	m := regexp.MustCompile(`\(PostgreSQL\) (\d+)(\.\d+)?`).FindStringSubmatch(string(out))
	if m == nil {
		return binaries{}, fmt.Errorf("pgmanaged: cannot read the version from %s --version: %q", b.postgres(), strings.TrimSpace(string(out)))
	}
	b.major, _ = strconv.Atoi(m[1])
	b.version = m[1] + m[2]

	b.shareDir = findShareDir(ctx, b, pathPgConfigBin, pathPgConfigShare)
	if b.shareDir == "" {
		return binaries{}, fmt.Errorf("%w: cannot find the share directory of %s (no pg_config there, no ../share/postgresql); install it, %s",
			ErrPostGISMissing, bin, installHint(b.major))
	}
	control := filepath.Join(b.shareDir, "extension", "postgis.control")
	if _, err := os.Stat(control); err != nil {
		return binaries{}, fmt.Errorf("%w: %s does not exist (PostgreSQL %s in %s); install it, on Debian/Ubuntu: apt-get install -y postgresql-%d-postgis-3 (elsewhere the PostGIS 3 package for PostgreSQL %d)",
			ErrPostGISMissing, control, b.version, bin, b.major, b.major)
	}
	return b, nil
}

// findShareDir returns the share directory (holding extension/) of the
// installation in b.binDir, or "".
func findShareDir(ctx context.Context, b binaries, pathBin, pathShare string) string {
	if pc := filepath.Join(b.binDir, "pg_config"); isExecutable(pc) {
		if out, err := exec.CommandContext(ctx, pc, "--sharedir").Output(); err == nil {
			if dir := strings.TrimSpace(string(out)); isDir(filepath.Join(dir, "extension")) {
				return dir
			}
		}
	}
	if pathBin != "" && sameDir(pathBin, b.binDir) && isDir(filepath.Join(pathShare, "extension")) {
		return pathShare
	}
	for _, dir := range []string{
		filepath.Join(b.binDir, "..", "share", "postgresql"),
		filepath.Join(b.binDir, "..", "share"),
		filepath.Join("/usr/share/postgresql", strconv.Itoa(b.major)),
	} {
		if isDir(filepath.Join(dir, "extension")) {
			return filepath.Clean(dir)
		}
	}
	return ""
}

var digits = regexp.MustCompile(`\d+`)

// versionOf returns the first number in a path such as
// /usr/lib/postgresql/15/bin, or 0.
func versionOf(path string) int {
	n, _ := strconv.Atoi(digits.FindString(path))
	return n
}

func isExecutable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

func sameDir(a, b string) bool {
	ra, err1 := filepath.EvalSymlinks(a)
	rb, err2 := filepath.EvalSymlinks(b)
	if err1 != nil || err2 != nil {
		return filepath.Clean(a) == filepath.Clean(b)
	}
	return ra == rb
}

// Tool returns the path of a client program (pg_dump, pg_restore, psql) of
// the PostgreSQL installation a managed server runs from, so that it
// matches the server's major version.
func Tool(ctx context.Context, name string) (string, error) {
	b, err := findBinaries(ctx)
	if err != nil {
		return "", err
	}
	path := filepath.Join(b.binDir, name)
	if !isExecutable(path) {
		return "", fmt.Errorf("pgmanaged: %s is not in %s (PostgreSQL %s): install the PostgreSQL client programs (%s)",
			name, b.binDir, b.version, installHint(b.major))
	}
	return path, nil
}
