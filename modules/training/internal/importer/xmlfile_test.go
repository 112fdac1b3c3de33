package importer

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/training/internal/xmlscan"
)

func TestOpenXMLTranscodesDeclaredEncodings(t *testing.T) {
	text := func(t *testing.T, file []byte) string {
		t.Helper()
		s, err := openXML(bytes.NewReader(file))
		require.NoError(t, err)
		var out []byte
		for {
			tok, err := s.Next()
			if err == io.EOF {
				return string(out)
			}
			require.NoError(t, err)
			if tok == xmlscan.CharData {
				out = append(out, s.Text...)
			}
		}
	}
	assert.Equal(t, "Café Zürich", text(t, []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>Caf\xE9 Z\xFCrich</a>")))
	assert.Equal(t, "Café", text(t, []byte("<?xml version='1.0' encoding='latin1'?><a>Caf\xE9</a>")))
	assert.Equal(t, "5 €", text(t, []byte("<?xml version=\"1.0\" encoding=\"windows-1252\"?><a>5 \x80</a>")))
	assert.Equal(t, "Café", text(t, []byte("\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?><a>Café</a>")))
	assert.Equal(t, "Café", text(t, []byte("\n  <?xml version=\"1.0\"?><a>Café</a>")), "white space before the declaration, as encoding/xml allows")

	for file, want := range map[string]string{
		"<?xml version=\"1.0\" encoding=\"KOI8-R\"?><a/>":          `the file declares the encoding "KOI8-R", which is not supported`,
		"\xFF\xFE<\x00a\x00/\x00>\x00":                             "the file is UTF-16, which is not supported",
		"<?xml version=\"1.0\" encoding=ISO-8859-1?><a/>":          "the encoding of the XML declaration is not quoted",
		"<?xml version=\"1.0\" encoding=\"ISO-8859-1?><a/>":        "a malformed XML declaration",
		"<?xml version=\"1.0\" junk?><a/>":                         "a malformed XML declaration",
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>caf\xE9</a>": "invalid UTF-8",
	} {
		s, err := openXML(strings.NewReader(file))
		if err == nil {
			for err == nil {
				_, err = s.Next()
			}
			require.NotErrorIs(t, err, io.EOF, "%q", file)
			err = xmlRefusal(err)
		}
		var fe *FileError
		require.ErrorAs(t, err, &fe, "%q", file)
		assert.Contains(t, fe.Reason, want, "%q", file)
	}
}
