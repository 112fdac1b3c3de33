// Package export builds a user's data archive (GDPR Art. 20): a zip file
// of JSON documents and GPX tracks, written part by part into a sink as
// it is assembled, so that neither the archive nor a module's answer is
// ever held whole in memory. Plain Go: the parts come from a Source (the
// service fetches them from the modules over NATS), the bytes go to an
// io.Writer (the service stores them in PostgreSQL).
package export

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// Page is one page of a listing: its items as JSON, and the cursor of
// the next page ("" when it was the last).
type Page struct {
	Items []json.RawMessage
	Next  string
}

// Source answers the parts of a user's data. Every method is on the
// user's behalf (the modules answer with the user's own data only).
type Source interface {
	// Profile and Gear are the client module's own (JSON).
	Profile(ctx context.Context) (json.RawMessage, error)
	GearPage(ctx context.Context, cursor string) (Page, error)
	// SessionPage is a page of the user's sessions with their figures.
	SessionPage(ctx context.Context, cursor string) (Page, error)
	// GPX writes a session's track as GPX 1.1 to w; ErrNoRoute when it
	// has none (an indoor session, one not finished).
	GPX(ctx context.Context, sessionID string, w io.Writer) error
	// SourceFile writes an imported session's original file to w, as it
	// was uploaded, and returns its extension (gpx, tcx or fit, with .gz
	// when gzipped); ErrNoRoute when the session was not imported.
	SourceFile(ctx context.Context, sessionID string, w io.Writer) (ext string, err error)
	// PlanPage is a page of the user's plans, each whole.
	PlanPage(ctx context.Context, cursor string) (Page, error)
	// MembershipPage and MessagePage are the user's group memberships
	// and the messages they wrote.
	MembershipPage(ctx context.Context, cursor string) (Page, error)
	MessagePage(ctx context.Context, cursor string) (Page, error)
	// Achievements is the user's achievements with their unlocks (JSON);
	// ChallengePage the challenges they joined.
	Achievements(ctx context.Context) (json.RawMessage, error)
	ChallengePage(ctx context.Context, cursor string) (Page, error)
	// MarketingConsent is the user's choice about personalised offers
	// (JSON); ErrUnavailable when the module that keeps it does not run.
	MarketingConsent(ctx context.Context) (json.RawMessage, error)
}

// ErrUnavailable means an optional part's module does not run: the
// archive is made without it, and the manifest names it (unavailable).
var ErrUnavailable = errors.New("export: the part's module is not running")

// ErrNoRoute means a session has no track to export.
var ErrNoRoute = errors.New("export: the session has no route")

// Manifest describes an archive (manifest.json): who, when, and what
// each file holds.
type Manifest struct {
	Format      string         `json:"format"`
	UserID      string         `json:"user_id"`
	ExportID    string         `json:"export_id"`
	CreatedAt   time.Time      `json:"created_at"`
	Files       []ManifestFile `json:"files"`
	GPXCount    int            `json:"gpx_count"`
	SourceCount int            `json:"source_count"`
	Unavailable []string       `json:"unavailable,omitempty"`
}

// ManifestFile is one file of the archive and how many items it holds
// (JSON arrays) or 1.
type ManifestFile struct {
	Name  string `json:"name"`
	Items int    `json:"items"`
	About string `json:"about"`
}

// Format names the archive's layout (manifest.json's format).
const Format = "athlos-export/1"

// Build writes the archive of the user whose data src answers to w. It
// fails on the first error of a module (the archive would be incomplete).
func Build(ctx context.Context, src Source, w io.Writer, userID, exportID string, now time.Time) (Manifest, error) {
	zw := zip.NewWriter(w)
	b := &builder{zw: zw, now: now, m: Manifest{Format: Format, UserID: userID, ExportID: exportID, CreatedAt: now}}
	steps := []func(context.Context, Source) error{
		func(ctx context.Context, src Source) error {
			return b.doc("profile.json", "your account and profile", func() (json.RawMessage, error) { return src.Profile(ctx) })
		},
		func(ctx context.Context, src Source) error {
			_, err := b.list("gear.json", "your gear with its components and totals", func(c string) (Page, error) { return src.GearPage(ctx, c) })
			return err
		},
		b.sessions,
		func(ctx context.Context, src Source) error {
			_, err := b.list("plans.json", "your training plans, each with its schedule", func(c string) (Page, error) { return src.PlanPage(ctx, c) })
			return err
		},
		func(ctx context.Context, src Source) error {
			_, err := b.list("groups/memberships.json", "the groups you are in: name and your role", func(c string) (Page, error) { return src.MembershipPage(ctx, c) })
			return err
		},
		func(ctx context.Context, src Source) error {
			_, err := b.list("groups/messages.json", "the messages you wrote in group chats", func(c string) (Page, error) { return src.MessagePage(ctx, c) })
			return err
		},
		func(ctx context.Context, src Source) error {
			return b.doc("achievements.json", "your achievements, points and level", func() (json.RawMessage, error) { return src.Achievements(ctx) })
		},
		func(ctx context.Context, src Source) error {
			_, err := b.list("challenges.json", "the challenges you joined", func(c string) (Page, error) { return src.ChallengePage(ctx, c) })
			return err
		},
		func(ctx context.Context, src Source) error {
			err := b.doc("marketing.json", "your choice about personalised offers", func() (json.RawMessage, error) { return src.MarketingConsent(ctx) })
			if errors.Is(err, ErrUnavailable) {
				b.m.Unavailable = append(b.m.Unavailable, "marketing.json")
				return nil
			}
			return err
		},
	}
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			return Manifest{}, err
		}
		if err := step(ctx, src); err != nil {
			return Manifest{}, err
		}
	}
	if err := b.writeJSON("manifest.json", b.m); err != nil {
		return Manifest{}, err
	}
	if err := zw.Close(); err != nil {
		return Manifest{}, fmt.Errorf("export: close archive: %w", err)
	}
	return b.m, nil
}

type builder struct {
	zw  *zip.Writer
	now time.Time
	m   Manifest
}

func (b *builder) create(name string) (io.Writer, error) {
	w, err := b.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: b.now})
	if err != nil {
		return nil, fmt.Errorf("export: add %s: %w", name, err)
	}
	return w, nil
}

func (b *builder) writeJSON(name string, v any) error {
	w, err := b.create(name)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("export: write %s: %w", name, err)
	}
	return nil
}

// doc writes one JSON document.
func (b *builder) doc(name, about string, get func() (json.RawMessage, error)) error {
	v, err := get()
	if err != nil {
		return fmt.Errorf("export: %s: %w", name, err)
	}
	if err := b.writeJSON(name, indent(v)); err != nil {
		return err
	}
	b.m.Files = append(b.m.Files, ManifestFile{Name: name, Items: 1, About: about})
	return nil
}

// list writes a JSON array of every item of the pages next returns, page
// by page, and calls each (if given) with every item.
func (b *builder) list(name, about string, next func(cursor string) (Page, error), each ...func(json.RawMessage) error) (int, error) {
	w, err := b.create(name)
	if err != nil {
		return 0, err
	}
	n, cursor := 0, ""
	if _, err := io.WriteString(w, "["); err != nil {
		return 0, err
	}
	for {
		p, err := next(cursor)
		if err != nil {
			return 0, fmt.Errorf("export: %s: %w", name, err)
		}
		for _, it := range p.Items {
			sep := ",\n  "
			if n == 0 {
				sep = "\n  "
			}
			if _, err := io.WriteString(w, sep); err != nil {
				return 0, err
			}
			if _, err := w.Write(indentItem(it)); err != nil {
				return 0, err
			}
			n++
			for _, f := range each {
				if err := f(it); err != nil {
					return 0, err
				}
			}
		}
		if p.Next == "" || p.Next == cursor {
			break
		}
		cursor = p.Next
	}
	end := "]\n"
	if n > 0 {
		end = "\n]\n"
	}
	if _, err := io.WriteString(w, end); err != nil {
		return 0, err
	}
	b.m.Files = append(b.m.Files, ManifestFile{Name: name, Items: n, About: about})
	return n, nil
}

// sessions writes sessions.json, then the GPX of each session with a
// route (sessions/<id>.gpx) and the original file of each imported one
// (sessions/<id>.source.<ext>). Zip entries are written one after the
// other, so the ids are kept while the list is written.
func (b *builder) sessions(ctx context.Context, src Source) error {
	var ids []string
	_, err := b.list("sessions.json", "your sessions with their figures (summary, exercises); their tracks are in sessions/<id>.gpx",
		func(c string) (Page, error) { return src.SessionPage(ctx, c) },
		func(it json.RawMessage) error {
			var s struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(it, &s); err != nil || s.ID == "" {
				return fmt.Errorf("export: a session without an id")
			}
			ids = append(ids, s.ID)
			return nil
		})
	if err != nil {
		return err
	}
	slices.Sort(ids)
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := b.gpx(ctx, src, id); err != nil {
			return err
		}
		if err := b.sourceFile(ctx, src, id); err != nil {
			return err
		}
	}
	if b.m.GPXCount > 0 {
		b.m.Files = append(b.m.Files, ManifestFile{Name: "sessions/<id>.gpx", Items: b.m.GPXCount, About: "the track of each session with a route, GPX 1.1"})
	}
	if b.m.SourceCount > 0 {
		b.m.Files = append(b.m.Files, ManifestFile{Name: "sessions/<id>.source.<gpx|tcx|fit>[.gz]", Items: b.m.SourceCount,
			About: "the original file of each imported session, byte for byte as uploaded"})
	}
	return nil
}

// gpx writes the track of session id, when it has one
// (sessions/<id>.gpx). The track is written to a buffer first: a session
// without one leaves no empty file.
func (b *builder) gpx(ctx context.Context, src Source, id string) error {
	name := "sessions/" + id + ".gpx"
	var buf bytes.Buffer
	err := src.GPX(ctx, id, &buf)
	if errors.Is(err, ErrNoRoute) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("export: %s: %w", name, err)
	}
	w, err := b.create(name)
	if err != nil {
		return err
	}
	if _, err := buf.WriteTo(w); err != nil {
		return fmt.Errorf("export: write %s: %w", name, err)
	}
	b.m.GPXCount++
	return nil
}

// sourceFile writes the original file of session id, when it was
// imported from one (sessions/<id>.source.<ext>).
func (b *builder) sourceFile(ctx context.Context, src Source, id string) error {
	var buf bytes.Buffer
	ext, err := src.SourceFile(ctx, id, &buf)
	if errors.Is(err, ErrNoRoute) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("export: the original file of session %s: %w", id, err)
	}
	name := "sessions/" + id + ".source." + ext
	w, err := b.create(name)
	if err != nil {
		return err
	}
	if _, err := buf.WriteTo(w); err != nil {
		return fmt.Errorf("export: write %s: %w", name, err)
	}
	b.m.SourceCount++
	return nil
}

func indent(v json.RawMessage) any {
	if len(v) == 0 {
		return nil
	}
	return v
}

// indentItem indents an item as an element of a top-level array.
func indentItem(v json.RawMessage) []byte {
	var buf bytes.Buffer
	if err := json.Indent(&buf, v, "  ", "  "); err != nil {
		return v
	}
	return buf.Bytes()
}
