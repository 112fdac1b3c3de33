package pgmanaged

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// RunningURL returns a socket URL for database on the server that another
// process (a running athlos) manages on dataDir, read from its
// postmaster.pid; for commands that work beside a running server.
func RunningURL(dataDir, database string) (string, error) {
	path := filepath.Join(dataDir, "pgdata", "postmaster.pid")
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("pgmanaged: read %s: %w", path, err)
	}
	// Lines: pid, data dir, start time, port, socket dir, listen address, ...
	lines := strings.Split(string(b), "\n")
	if len(lines) < 5 {
		return "", fmt.Errorf("pgmanaged: %s is incomplete", path)
	}
	port, err := strconv.Atoi(strings.TrimSpace(lines[3]))
	if err != nil {
		return "", fmt.Errorf("pgmanaged: port in %s: %w", path, err)
	}
	sock := strings.TrimSpace(lines[4])
	q := url.Values{}
	q.Set("host", sock)
	q.Set("port", strconv.Itoa(port))
	q.Set("sslmode", "disable")
	u := url.URL{Scheme: "postgres", User: url.User(User), Path: "/" + database, RawQuery: q.Encode()}
	return u.String(), nil
}
