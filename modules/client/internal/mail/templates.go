package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"strings"
	"sync"
	texttemplate "text/template"
)

// The templates: templates/<lang>/<name>.txt is the plain text, with the
// subject in {{define "subject"}}; templates/<lang>/<name>.html is the
// HTML body's content, put in templates/layout.html. Every name exists in
// English; other languages may leave some out (English is used then).
//
//go:embed templates
var templateFS embed.FS

// FallbackLanguage is the language of a message whose name has no
// template in the recipient's.
const FallbackLanguage = "en"

type compiled struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

var (
	loadOnce  sync.Once
	templates map[string]compiled // "<lang>/<name>"
	loadErr   error
)

func load() {
	templates = map[string]compiled{}
	layout, err := fs.ReadFile(templateFS, "templates/layout.html")
	if err != nil {
		loadErr = err
		return
	}
	base, err := htmltemplate.New("layout").Parse(string(layout))
	if err != nil {
		loadErr = fmt.Errorf("mail: layout: %w", err)
		return
	}
	loadErr = fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".txt") {
			return err
		}
		key := strings.TrimSuffix(strings.TrimPrefix(path, "templates/"), ".txt")
		src, err := fs.ReadFile(templateFS, path)
		if err != nil {
			return err
		}
		t, err := texttemplate.New(key).Option("missingkey=error").Parse(string(src))
		if err != nil {
			return fmt.Errorf("mail: template %s: %w", path, err)
		}
		if t.Lookup("subject") == nil {
			return fmt.Errorf("mail: template %s has no subject", path)
		}
		c := compiled{text: t}
		if src, err := fs.ReadFile(templateFS, "templates/"+key+".html"); err == nil {
			h, err := htmltemplate.Must(base.Clone()).Option("missingkey=error").Parse(string(src))
			if err != nil {
				return fmt.Errorf("mail: template %s.html: %w", key, err)
			}
			c.html = h
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		templates[key] = c
		return nil
	})
}

// Render renders the message name in lang (a BCP 47 tag: its primary
// language is used; English when there is no template in it). To is left
// for the caller to fill. data is what the templates read (a struct or a
// map; a field a template uses must exist).
func Render(name, lang string, data any) (Message, error) {
	loadOnce.Do(load)
	if loadErr != nil {
		return Message{}, loadErr
	}
	lang, _, _ = strings.Cut(strings.ToLower(lang), "-")
	c, ok := templates[lang+"/"+name]
	if !ok {
		if c, ok = templates[FallbackLanguage+"/"+name]; !ok {
			return Message{}, fmt.Errorf("mail: no template %q", name)
		}
	}
	var subject, text, html bytes.Buffer
	if err := c.text.ExecuteTemplate(&subject, "subject", data); err != nil {
		return Message{}, fmt.Errorf("mail: %s subject: %w", name, err)
	}
	if err := c.text.Execute(&text, data); err != nil {
		return Message{}, fmt.Errorf("mail: %s text: %w", name, err)
	}
	m := Message{Subject: strings.Join(strings.Fields(subject.String()), " "), Text: strings.TrimSpace(text.String()) + "\n"}
	if c.html != nil {
		if err := c.html.Execute(&html, data); err != nil {
			return Message{}, fmt.Errorf("mail: %s html: %w", name, err)
		}
		m.HTML = html.String()
	}
	return m, nil
}

// Names lists the message names of lang (for tests and documentation).
func Names(lang string) []string {
	loadOnce.Do(load)
	var out []string
	for k := range templates {
		if l, n, _ := strings.Cut(k, "/"); l == lang {
			out = append(out, n)
		}
	}
	return out
}
