package xmlscan

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scanAll returns the tokens of doc, one string each: <name a="v"> with
// the parent's local name after @, </name>, and text quoted.
func scanAll(doc string) ([]string, error) {
	s := New([]byte(doc))
	var out []string
	for {
		tok, err := s.Next()
		if err != nil {
			if err == io.EOF {
				return out, nil
			}
			return out, err
		}
		switch tok {
		case StartTag:
			var b strings.Builder
			fmt.Fprintf(&b, "<%s", s.Name)
			for _, a := range s.attrs {
				v, ok := s.Attr(string(a.Local))
				if !ok {
					return out, fmt.Errorf("attribute %s not found", a.Local)
				}
				fmt.Fprintf(&b, " %s=%q", a.Name, v)
			}
			fmt.Fprintf(&b, ">@%s", s.Parent())
			out = append(out, b.String())
		case EndTag:
			out = append(out, fmt.Sprintf("</%s>@%s", s.Name, s.Parent()))
		case CharData:
			out = append(out, fmt.Sprintf("%q", s.Text))
		}
	}
}

func TestXMLScannerReadsWhatGPXFilesHold(t *testing.T) {
	doc := "\xEF\xBB\xBF<?xml version='1.0' encoding=\"UTF-8\" standalone=\"no\" ?>\r\n" +
		`<!DOCTYPE gpx PUBLIC "-//x//y" "gpx.dtd" [ <!ENTITY e "a>b"> <!-- ] > --> ]>` + "\n" +
		"<!-- a comment -->\n" +
		`<gpx version="1.1" xmlns:gpxtpx='http://www.garmin.com/x' a = "x &amp; &lt;y&gt; &quot;&apos; &#233;&#xE9;">` +
		"<?pi data?>" +
		`<trk><name>Run &amp; fun <!-- hidden --> &#x1F3C3;</name>` +
		`<trkpt lat="1.5" lon='-2.25'/>` +
		"<time><![CDATA[2024-<05>-01]]>T06:30:00Z</time>\r\n" +
		`<gpxtpx:hr>150</gpxtpx:hr>` +
		"</trk ></gpx>\n<!-- after -->\n"
	got, err := scanAll(doc)
	require.NoError(t, err)
	assert.Equal(t, []string{
		`<gpx version="1.1" xmlns:gpxtpx="http://www.garmin.com/x" a="x & <y> \"' éé">@`,
		`<trk>@gpx`,
		`<name>@trk`, `"Run & fun "`, `" 🏃"`, `</name>@trk`,
		`<trkpt lat="1.5" lon="-2.25">@trk`, `</trkpt>@trk`,
		`<time>@trk`, `"2024-<05>-01"`, `"T06:30:00Z"`, `</time>@trk`, `"\n"`,
		`<gpxtpx:hr>@trk`, `"150"`, `</gpxtpx:hr>@trk`,
		`</trk>@gpx`, `</gpx>@`,
	}, got)
}

func TestXMLScannerMatchesPrefixedNamesByLocalName(t *testing.T) {
	s := New([]byte(`<a:gpx xmlns:a="u"><ns3:hr/><:odd/><odd:/></a:gpx>`))
	var locals []string
	for {
		tok, err := s.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		if tok == StartTag {
			locals = append(locals, string(s.Local))
		}
	}
	assert.Equal(t, []string{"gpx", "hr", ":odd", "odd:"}, locals, "a name with an empty prefix or local part is its own local name, as in encoding/xml")
}

func TestXMLScannerNormalisesLineEnds(t *testing.T) {
	got, err := scanAll("<a b=\"1\r\n2\r3\">x\r\ny\rz<![CDATA[\r\n]]></a>")
	require.NoError(t, err)
	assert.Equal(t, []string{`<a b="1\n2\n3">@`, `"x\ny\nz"`, `"\n"`, `</a>@`}, got)
}

func TestXMLScannerRefusesMalformedDocuments(t *testing.T) {
	cases := []struct {
		name, doc string
		line      int
		truncated bool
		want      string
	}{
		{"unclosed tag", "<gpx>\n<trk>\n<name>x</name>\n", 4, true, "<trk> (line 2) is never closed"},
		{"unclosed root", "<gpx>", 1, true, "<gpx> (line 1) is never closed"},
		{"mismatched end tag", "<gpx>\n<trk>\n</trkseg>\n</gpx>", 3, false, "expected </trk> to close <trk> of line 2, found </trkseg>"},
		{"end tag of another prefix", "<gpx><a:hr></b:hr></gpx>", 1, false, "expected </a:hr>"},
		{"end tag with junk", "<gpx></gpx x>", 1, false, "expected > to end </gpx"},
		{"unknown entity", "<gpx>\n&nbsp;</gpx>", 2, false, `invalid entity reference "&nbsp;"`},
		{"bare ampersand", "<gpx>fish & chips</gpx>", 1, false, `invalid entity reference "&"`},
		{"entity without semicolon", "<gpx>&amp</gpx>", 1, false, `invalid entity reference "&amp"`},
		{"character reference to NUL", "<gpx>&#0;</gpx>", 1, false, `"&#0;"`},
		{"character reference too large", "<gpx>&#x110000;</gpx>", 1, false, `"&#x110000;"`},
		{"empty character reference", "<gpx>&#;</gpx>", 1, false, `"&#;"`},
		{"bad entity in an attribute", `<gpx a="&bad;"/>`, 1, false, `invalid entity reference "&bad;"`},
		{"EOF inside an attribute", "<gpx>\n<trkpt lat=\"45.1", 2, true, "it ends inside the value of the attribute lat of <trkpt>"},
		{"EOF inside a tag", "<gpx>\n<trkpt lat=\"45.1\" ", 2, true, "it ends inside the tag <trkpt"},
		{"EOF after <", "<gpx><", 1, true, "it ends inside a tag"},
		{"EOF inside an end tag", "<gpx></gp", 1, true, "it ends inside the end tag </gp"},
		{"EOF inside a comment", "<gpx><!-- x\n\n", 3, true, "it ends inside a comment (from line 1)"},
		{"EOF inside CDATA", "<gpx><![CDATA[x", 1, true, "it ends inside a CDATA section"},
		{"EOF inside a PI", "<?xml version=\"1.0\"", 1, true, "it ends inside the processing instruction <?xml"},
		{"EOF inside DOCTYPE", "<!DOCTYPE gpx [", 1, true, "it ends inside the <!DOCTYPE>"},
		{"garbage after root", "<gpx></gpx>\ngarbage", 2, false, `text "garbage" after the end of the root element`},
		{"second root", "<gpx></gpx><gpx></gpx>", 1, false, "a second root element <gpx>"},
		{"end tag after root", "<gpx></gpx></gpx>", 1, false, "an end tag </gpx> after the end of the root element"},
		{"text before root", "hello", 1, false, `text "hello" before the root element`},
		{"end tag first", "</gpx>", 1, false, "an end tag </gpx> before any element"},
		{"CDATA outside root", "<![CDATA[x]]><gpx/>", 1, false, "a CDATA section outside the root element"},
		{"unquoted attribute", "<gpx a=1/>", 1, false, "the value of the attribute a of <gpx> is not quoted"},
		{"attribute without value", "<gpx a/>", 1, false, "the attribute a of <gpx> has no value"},
		{"< in an attribute", `<gpx a="<"/>`, 1, false, "a < in the value of the attribute a"},
		{"junk in a tag", `<gpx "a"/>`, 1, false, `unexpected "\"" in the tag <gpx`},
		{"/ not followed by >", `<gpx / >`, 1, false, "expected /> in the tag <gpx"},
		{"no element name", "<gpx>< a/></gpx>", 1, false, "expected an element name after <"},
		{"name starting with a digit", "<gpx><1a/></gpx>", 1, false, "expected an element name after <"},
		{"name with two colons", "<gpx><a:b:c/></gpx>", 1, false, `the name "a:b:c" has more than one colon`},
		{"-- in a comment", "<gpx><!-- a -- b --></gpx>", 1, false, `"--" inside a comment`},
		{"]]> in text", "<gpx>a]]>b</gpx>", 1, false, "]]> outside a CDATA section"},
		{"unknown <! construct", "<!ELEMENT gpx ANY><gpx/>", 1, false, "expected <!--, <![CDATA[ or <!DOCTYPE after <!"},
		{"misplaced XML declaration", "<gpx>\n<?xml version=\"1.0\"?></gpx>", 2, false, "an XML declaration <?xml ...?> that is not at the start of the file"},
		{"DOCTYPE inside the root", "<gpx><!DOCTYPE gpx></gpx>", 1, false, "a <!DOCTYPE> after the start of the document"},
		{"PI without target", "<gpx><? x?></gpx>", 1, false, "expected a target name after <?"},
		{"invalid UTF-8", "<gpx>\ncaf\xE9</gpx>", 2, false, "invalid UTF-8 (byte 0xE9)"},
		{"control character", "<gpx>\x01</gpx>", 1, false, "the character U+0001 is not allowed in XML"},
		{"U+FFFF", "<gpx>\uffff</gpx>", 1, false, "the character U+FFFF is not allowed in XML"},
		{"NUL in a long ASCII run", "<gpx>0123456789abcdef\x00</gpx>", 1, false, "the character U+0000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := scanAll(c.doc)
			var se *SyntaxError
			require.True(t, errors.As(err, &se), "%v", err)
			assert.Contains(t, se.Msg, c.want)
			assert.Equal(t, c.line, se.Line)
			assert.Equal(t, c.truncated, se.Truncated)

			// The error sticks.
			s := New([]byte(c.doc))
			var first error
			for first == nil {
				_, first = s.Next()
			}
			_, again := s.Next()
			assert.Equal(t, first, again)
		})
	}
}

func TestXMLScannerEndsCleanlyWithoutRoot(t *testing.T) {
	for _, doc := range []string{"", " \n", "<?xml version=\"1.0\"?>", "<!-- nothing -->"} {
		s := New([]byte(doc))
		tok, err := s.Next()
		assert.Equal(t, EOF, tok)
		assert.Equal(t, io.EOF, err, "%q", doc)
		assert.False(t, s.SawRoot())
	}
}
