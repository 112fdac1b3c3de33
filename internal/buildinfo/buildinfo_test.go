package buildinfo

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func vcs(rev, at, modified string) []debug.BuildSetting {
	return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev},
		{Key: "vcs.time", Value: at}, {Key: "vcs.modified", Value: modified}}
}

const rev = "40eabfe1234567890abcdef1234567890abcdef0"

func TestVersionOfEveryKindOfBuild(t *testing.T) {
	at := "2026-12-06T10:00:00Z"
	for _, c := range []struct {
		name     string
		bi       *debug.BuildInfo
		linked   string
		version  string
		revision string
		modified bool
	}{
		{"go build in a checkout (Go's pseudo-version)",
			&debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261206100000-40eabfe12345"}, Settings: vcs(rev, at, "false")},
			"", "0.1.0-dev+40eabfe12345", rev, false},
		{"with uncommitted changes",
			&debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261206100000-40eabfe12345+dirty"}, Settings: vcs(rev, at, "true")},
			"", "0.1.0-dev+40eabfe12345.dirty", rev, true},
		{"a tag with changes on top", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3+dirty"}, Settings: vcs(rev, at, "true")},
			"", "0.1.0-dev+40eabfe12345.dirty", rev, true},
		{"a commit after a tag", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.4-0.20261206100000-40eabfe12345"}, Settings: vcs(rev, at, "false")},
			"", "0.1.0-dev+40eabfe12345", rev, false},
		{"go install …@v1.2.3 (a release, no VCS)", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "", "v1.2.3", "", false},
		{"-buildvcs=false", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "", DevVersion, "", false},
		{"no build information", nil, "", DevVersion, "", false},
		{"-ldflags wins", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, at, "true")},
			"2.0.0", "2.0.0", rev, true},
		{"-ldflags without build information", nil, "2.0.0", "2.0.0", "", false},
	} {
		got := From(c.bi, c.linked)
		assert.Equal(t, c.version, got.Version, c.name)
		assert.Equal(t, c.revision, got.Revision, c.name)
		assert.Equal(t, c.modified, got.Modified, c.name)
		assert.NotEmpty(t, got.GoVersion, c.name)
		if c.revision != "" {
			assert.Equal(t, time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC), got.Time, c.name)
		}
	}
}

func TestStringSaysWhatIsKnown(t *testing.T) {
	s := From(&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"},
		Settings: vcs(rev, "2026-12-06T10:00:00Z", "true")}, "").String()
	assert.Equal(t, "athlos 0.1.0-dev+40eabfe12345.dirty\ncommit "+rev+" (uncommitted changes) of 2026-12-06T10:00:00Z\n"+
		"go1.26.8 "+runtime.GOOS+"/"+runtime.GOARCH+"\n", s)
	s = From(nil, "").String()
	assert.True(t, strings.HasPrefix(s, "athlos 0.1.0-dev\ncommit unknown (built without version control information"), s)
}
