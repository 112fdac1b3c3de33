// Package buildinfo says which build of athlos is running: the version
// given at link time (-ldflags "-X main.version=..."), or else the one Go
// stamped from the module or the VCS checkout, and the commit, its time and
// whether the tree had uncommitted changes (runtime/debug.ReadBuildInfo).
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// DevVersion is the version of a build that names none: neither at link
// time nor by a release tag of the module.
const DevVersion = "0.1.0-dev"

// Info describes a build.
type Info struct {
	// Version is what `athlos version`, the status RPC and the OpenAPI
	// document report: the link-time version, a release tag the module
	// was built at (go install …@v1.2.3), or DevVersion with the short
	// commit as build metadata ("0.1.0-dev+40eabfe12345", ".dirty" added
	// for uncommitted changes), or DevVersion alone without VCS
	// information (-buildvcs=false, or a tree outside a checkout).
	Version string
	// Revision is the VCS commit the binary was built from; "" unknown.
	Revision string
	// Time is the commit's time; zero when unknown.
	Time time.Time
	// Modified says the tree had uncommitted changes.
	Modified bool
	// GoVersion is the toolchain that built it, e.g. go1.26.8.
	GoVersion string
}

// Read describes the running binary; linked is the link-time version ("":
// none given).
func Read(linked string) Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return From(bi, linked)
}

// From describes the build bi (nil: no build information) with link-time
// version linked.
func From(bi *debug.BuildInfo, linked string) Info {
	info := Info{GoVersion: runtime.Version()}
	if bi == nil {
		info.Version = orDev(linked)
		return info
	}
	if bi.GoVersion != "" {
		info.GoVersion = bi.GoVersion
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Revision = s.Value
		case "vcs.time":
			info.Time, _ = time.Parse(time.RFC3339, s.Value)
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	switch {
	case linked != "":
		info.Version = linked
	case isRelease(bi.Main.Version):
		info.Version = bi.Main.Version
	case info.Revision != "":
		info.Version = DevVersion + "+" + short(info.Revision)
		if info.Modified {
			info.Version += ".dirty"
		}
	default:
		info.Version = DevVersion
	}
	return info
}

// isRelease tells a module version that names a release (v1.2.3, not a
// pseudo-version Go stamps for an untagged commit, nor "(devel)", nor a
// tag with uncommitted changes on top, "+dirty").
func isRelease(v string) bool {
	return semver.IsValid(v) && !module.IsPseudoVersion(v) && semver.Build(v) == ""
}

func orDev(v string) string {
	if v == "" {
		return DevVersion
	}
	return v
}

// short is the first 12 hex digits of a commit, as Go's pseudo-versions
// have them.
func short(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}

// String describes the build in a few lines, for `athlos version`:
//
//	athlos 0.1.0-dev+40eabfe12345.dirty
//	commit 40eabfe1234567890abcdef1234567890abcdef (uncommitted changes) of 2026-12-06T10:00:00Z
//	go1.26.8 linux/amd64
func (i Info) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "athlos %s\n", i.Version)
	switch {
	case i.Revision == "":
		b.WriteString("commit unknown (built without version control information: -buildvcs=false, or outside a checkout)\n")
	default:
		b.WriteString("commit " + i.Revision)
		if i.Modified {
			b.WriteString(" (uncommitted changes)")
		}
		if !i.Time.IsZero() {
			b.WriteString(" of " + i.Time.UTC().Format(time.RFC3339))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "%s %s/%s\n", i.GoVersion, runtime.GOOS, runtime.GOARCH)
	return b.String()
}
