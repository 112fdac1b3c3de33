// Package xmlscan is a small streaming XML tokenizer over a byte slice: the
// part of XML that workout files use, at a fraction of encoding/xml's cost
// (it copies nothing it does not have to and allocates nothing per
// element). It refuses what encoding/xml refuses, and also what XML
// forbids outside the root element that encoding/xml lets through: text,
// CDATA or a second element after or before it, a DOCTYPE or an XML
// declaration out of place. Unlike encoding/xml it does not refuse an XML
// declaration of version 1.1 (GPX and XML versions are easily confused).
//
// It reads elements, attributes quoted with ' or ", empty-element tags,
// text, CDATA sections, comments, processing instructions, a <!DOCTYPE>
// (skipped, internal subset included), the five predefined entities and
// character references. Names keep their namespace prefix: callers match
// elements by local name, whatever the prefix, as GPX and TCX readers must
// (Garmin's extension is gpxtpx:hr in one file and ns3:hr in the next).
// Namespaces are not otherwise resolved, and entities a DOCTYPE declares are
// refused as unknown, as encoding/xml refuses them.
//
// The document is refused (a *SyntaxError) when it is not well-formed:
// invalid UTF-8 or a character XML forbids, a tag that is not closed or is
// closed by another name, an unquoted or unterminated attribute value, an
// unknown or malformed entity, text or a second element after the root, or
// a file that ends before its root element is closed.
//
// It has no SQL, NATS or fx in it; the training module's importer reads
// GPX and TCX files with it.
package xmlscan

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Token is the kind of token Scanner.Next returns.
type Token uint8

const (
	EOF      Token = iota // the end of the document; Next returns io.EOF with it
	StartTag              // a start tag, or an empty-element tag (its end follows)
	EndTag                // an end tag
	CharData              // text or a CDATA section, references decoded
)

// SyntaxError says where and why a document is not well-formed.
type SyntaxError struct {
	Line int    // 1-based line of the offending construct
	Msg  string // what is wrong, what was expected
	// Truncated says the document ends before it is complete: inside a tag,
	// a comment, or with elements still open. Line is then its last line.
	Truncated bool
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("XML syntax error at line %d: %s", e.Line, e.Msg)
}

// attribute is an attribute of the current start tag, as it is in the file.
type attribute struct {
	Name, Local []byte
	raw         []byte // the value between the quotes, references not decoded
	decode      bool   // raw holds a reference or a carriage return
}

// openElem is an element whose end tag has not been read yet.
type openElem struct {
	name, local []byte
	at          int // offset of its start tag
}

// Scanner returns the tokens of a UTF-8 XML document held in memory.
// The byte slices it returns point into the document or into its own
// buffers: they are valid until the next call of Next (Text, Name, Local,
// Parent) or of Attr.
type Scanner struct {
	data []byte
	pos  int

	// The current token.
	at     int    // offset where it starts
	Name   []byte // start and end tags: the qualified name, prefix:local
	Local  []byte // start and end tags: the name without its prefix
	Text   []byte // text: its content
	parent []byte // start and end tags: local name of the enclosing element
	attrs  []attribute

	stack      []openElem
	pendingEnd bool // the last token was an empty-element tag: its end is next
	checked    bool // the characters of data have been checked
	prolog     bool // nothing but white space has been read yet
	sawRoot    bool
	rootClosed bool
	sawDoctype bool
	textBuf    []byte
	attrBuf    []byte
	err        error // sticky: once set, every Next returns it
}

// New returns a scanner over data, a UTF-8 document (a leading
// byte order mark is skipped). (The importer transcodes documents in another
// encoding first.)
func New(data []byte) *Scanner {
	s := &Scanner{data: data, prolog: true}
	if bytes.HasPrefix(data, utf8BOM) {
		s.pos = len(utf8BOM)
	}
	return s
}

var utf8BOM = []byte("\xEF\xBB\xBF")

// SawRoot says whether the document has a root element (so far).
func (s *Scanner) SawRoot() bool { return s.sawRoot }

// Depth is the number of open elements, the current start tag's included
// and the current end tag's excluded.
func (s *Scanner) Depth() int { return len(s.stack) }

// Parent is the local name of the element that holds the current start or
// end tag's element; empty for the root.
func (s *Scanner) Parent() []byte { return s.parent }

// Line is the line at which the current token starts.
func (s *Scanner) Line() int { return s.lineAt(s.at) }

func (s *Scanner) lineAt(offset int) int {
	return 1 + bytes.Count(s.data[:min(offset, len(s.data))], []byte{'\n'})
}

// Attr returns the decoded value of the current start tag's attribute whose
// local name is local, the last one when there are several.
func (s *Scanner) Attr(local string) ([]byte, bool) {
	for i := len(s.attrs) - 1; i >= 0; i-- {
		a := &s.attrs[i]
		if string(a.Local) != local {
			continue
		}
		if !a.decode {
			return a.raw, true
		}
		// The references were checked when the tag was read.
		s.attrBuf, _ = appendDecoded(s.attrBuf[:0], a.raw)
		return s.attrBuf, true
	}
	return nil, false
}

// Next reads the next token. At the end of a well-formed document it
// returns EOF and io.EOF; when the document is not well-formed, an
// *SyntaxError, and the same error on every later call.
func (s *Scanner) Next() (Token, error) {
	if s.err != nil {
		return EOF, s.err
	}
	if !s.checked {
		s.checked = true
		if err := s.checkChars(); err != nil {
			return EOF, err
		}
	}
	if s.pendingEnd {
		s.pendingEnd = false
		s.at = s.pos
		s.pop()
		return EndTag, nil
	}
	data := s.data
	for {
		if s.pos >= len(data) {
			return EOF, s.eof()
		}
		s.at = s.pos
		if data[s.pos] != '<' {
			if len(s.stack) > 0 {
				return s.text()
			}
			if err := s.outsideText(); err != nil {
				return EOF, err
			}
			continue
		}
		rest := data[s.pos:]
		if len(rest) < 2 {
			return EOF, s.truncated(s.pos, "it ends inside a tag")
		}
		switch rest[1] {
		case '/':
			return s.endTag()
		case '?':
			if err := s.procInst(); err != nil {
				return EOF, err
			}
		case '!':
			var err error
			switch {
			case bytes.HasPrefix(rest, []byte("<!--")):
				err = s.comment()
			case bytes.HasPrefix(rest, []byte("<![CDATA[")):
				if len(s.stack) == 0 {
					return EOF, s.fail(s.pos, "a CDATA section outside the root element")
				}
				return s.cdata()
			case bytes.HasPrefix(rest, []byte("<!DOCTYPE")):
				err = s.doctype()
			case isPrefixOfAny(rest, "<!--", "<![CDATA[", "<!DOCTYPE"):
				err = s.truncated(s.pos, "it ends inside a tag")
			default:
				err = s.fail(s.pos, "expected <!--, <![CDATA[ or <!DOCTYPE after <!")
			}
			if err != nil {
				return EOF, err
			}
		default:
			return s.startTag()
		}
		s.prolog = false
	}
}

// isPrefixOfAny says whether b is a proper prefix of one of lits, which
// means the document ends in the middle of it.
func isPrefixOfAny(b []byte, lits ...string) bool {
	for _, l := range lits {
		if len(b) < len(l) && strings.HasPrefix(l, string(b)) {
			return true
		}
	}
	return false
}

// fail makes the document's error: what is wrong at offset.
func (s *Scanner) fail(offset int, format string, args ...any) error {
	s.err = &SyntaxError{Line: s.lineAt(offset), Msg: fmt.Sprintf(format, args...)}
	return s.err
}

// truncated makes the document's error when it ends too early: what is
// unfinished, and where it starts (at offset) when that is not the last
// line.
func (s *Scanner) truncated(offset int, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	last, from := s.lineAt(len(s.data)), s.lineAt(offset)
	if from != last {
		msg += fmt.Sprintf(" (from line %d)", from)
	}
	s.err = &SyntaxError{Line: last, Msg: msg, Truncated: true}
	return s.err
}

// eof ends the document: it is complete when every element is closed.
func (s *Scanner) eof() error {
	if n := len(s.stack); n > 0 {
		e := s.stack[n-1]
		s.err = &SyntaxError{
			Line:      s.lineAt(len(s.data)),
			Msg:       fmt.Sprintf("<%s> (line %d) is never closed", e.name, s.lineAt(e.at)),
			Truncated: true,
		}
		return s.err
	}
	s.err = io.EOF
	return s.err
}

// pop closes the innermost open element, making it the current token.
func (s *Scanner) pop() {
	n := len(s.stack) - 1
	e := s.stack[n]
	s.stack = s.stack[:n]
	s.Name, s.Local, s.parent = e.name, e.local, nil
	if n > 0 {
		s.parent = s.stack[n-1].local
	} else {
		s.rootClosed = true
	}
}

// isSpace reports XML white space.
func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// skipSpace returns the offset of the first byte at or after i that is not
// white space.
func (s *Scanner) skipSpace(i int) int {
	for i < len(s.data) && isSpace(s.data[i]) {
		i++
	}
	return i
}

// nameByte marks the bytes a name may hold: ASCII letters, digits, "_",
// ":", "." and "-", and every byte of a multi-byte UTF-8 sequence.
// nameStart marks those it may start with: not a digit, "." or "-".
var nameByte, nameStart [256]bool

func init() {
	for c := 0; c < 256; c++ {
		letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == ':' || c >= 0x80
		nameStart[c] = letter
		nameByte[c] = letter || '0' <= c && c <= '9' || c == '.' || c == '-'
	}
}

// name reads the name at offset i: its qualified form, its local part and
// the offset after it. A name is "local" or "prefix:local"; it is empty
// when no name starts at i, and an error is made when it has more than one
// colon (as encoding/xml does).
func (s *Scanner) name(i int) (name, local []byte, end int, err error) {
	data := s.data
	if i >= len(data) || !nameStart[data[i]] {
		return nil, nil, i, nil
	}
	j := i + 1
	for j < len(data) && nameByte[data[j]] {
		j++
	}
	name, local = data[i:j], data[i:j]
	if colon := bytes.IndexByte(name, ':'); colon >= 0 {
		if bytes.IndexByte(name[colon+1:], ':') >= 0 {
			return nil, nil, j, s.fail(i, "the name %s has more than one colon", quoted(name))
		}
		if colon > 0 && colon < len(name)-1 {
			local = name[colon+1:]
		}
	}
	return name, local, j, nil
}

// quoted shortens b for an error message.
func quoted(b []byte) string {
	if len(b) > 40 {
		return strconv.Quote(string(b[:40]) + "…")
	}
	return strconv.Quote(string(b))
}

// startTag reads <name attr="value" ...> or <name .../>.
func (s *Scanner) startTag() (Token, error) {
	data, start := s.data, s.pos
	name, local, i, err := s.name(start + 1)
	if err != nil {
		return EOF, err
	}
	if name == nil {
		return EOF, s.fail(start, "expected an element name after <, found %s", quoted(data[start+1:min(start+2, len(data))]))
	}
	s.attrs = s.attrs[:0]
	empty := false
	for {
		i = s.skipSpace(i)
		if i >= len(data) {
			return EOF, s.truncated(start, "it ends inside the tag <%s", name)
		}
		c := data[i]
		if c == '>' {
			i++
			break
		}
		if c == '/' {
			if i+1 >= len(data) {
				return EOF, s.truncated(start, "it ends inside the tag <%s", name)
			}
			if data[i+1] != '>' {
				return EOF, s.fail(i, "expected /> in the tag <%s, found %s", name, quoted(data[i:i+2]))
			}
			i += 2
			empty = true
			break
		}
		if i, err = s.attr(name, i); err != nil {
			return EOF, err
		}
	}
	s.pos = i
	if len(s.stack) == 0 {
		if s.rootClosed {
			return EOF, s.fail(start, "a second root element <%s> after the end of the first", name)
		}
		s.sawRoot = true
		s.parent = nil
	} else {
		s.parent = s.stack[len(s.stack)-1].local
	}
	s.stack = append(s.stack, openElem{name: name, local: local, at: start})
	s.Name, s.Local = name, local
	s.pendingEnd = empty
	s.prolog = false
	return StartTag, nil
}

// attr reads the attribute name="value" at offset i of the tag <elem and
// returns the offset after it.
func (s *Scanner) attr(elem []byte, i int) (int, error) {
	data, tagAt := s.data, s.at
	name, local, j, err := s.name(i)
	if err != nil {
		return j, err
	}
	if name == nil {
		return j, s.fail(i, "unexpected %s in the tag <%s", quoted(data[i:i+1]), elem)
	}
	j = s.skipSpace(j)
	if j >= len(data) {
		return j, s.truncated(tagAt, "it ends inside the tag <%s", elem)
	}
	if data[j] != '=' {
		return j, s.fail(j, "the attribute %s of <%s> has no value (expected =)", name, elem)
	}
	j = s.skipSpace(j + 1)
	if j >= len(data) {
		return j, s.truncated(tagAt, "it ends inside the tag <%s", elem)
	}
	quote := data[j]
	if quote != '"' && quote != '\'' {
		return j, s.fail(j, "the value of the attribute %s of <%s> is not quoted", name, elem)
	}
	j++
	valAt := j
	decode := false
	for {
		if j >= len(data) {
			return j, s.truncated(valAt, "it ends inside the value of the attribute %s of <%s>", name, elem)
		}
		c := data[j]
		if c == quote {
			break
		}
		switch c {
		case '<':
			return j, s.fail(j, "a < in the value of the attribute %s of <%s> (it must be written &lt;)", name, elem)
		case '&':
			n, ok := checkRef(data[j:])
			if !ok {
				return j, s.badRef(j)
			}
			j += n
			decode = true
			continue
		case '\r':
			decode = true
		}
		j++
	}
	s.attrs = append(s.attrs, attribute{Name: name, Local: local, raw: data[valAt:j], decode: decode})
	return j + 1, nil
}

// endTag reads </name>, which must close the innermost open element.
func (s *Scanner) endTag() (Token, error) {
	data, start := s.data, s.pos
	// Fast path: the end tag of the innermost element, as it almost always is.
	if n := len(s.stack); n > 0 {
		open := s.stack[n-1].name
		i := start + 2 + len(open)
		if i < len(data) && data[i] == '>' && bytes.Equal(data[start+2:i], open) {
			s.pos = i + 1
			s.pop()
			return EndTag, nil
		}
	}
	name, _, i, err := s.name(start + 2)
	if err != nil {
		return EOF, err
	}
	if name == nil {
		if start+2 >= len(data) {
			return EOF, s.truncated(start, "it ends inside an end tag")
		}
		return EOF, s.fail(start, "expected an element name after </, found %s", quoted(data[start+2:start+3]))
	}
	i = s.skipSpace(i)
	if i >= len(data) {
		return EOF, s.truncated(start, "it ends inside the end tag </%s", name)
	}
	if data[i] != '>' {
		return EOF, s.fail(i, "expected > to end </%s, found %s", name, quoted(data[i:i+1]))
	}
	n := len(s.stack)
	if n == 0 {
		if s.rootClosed {
			return EOF, s.fail(start, "an end tag </%s> after the end of the root element", name)
		}
		return EOF, s.fail(start, "an end tag </%s> before any element", name)
	}
	if open := s.stack[n-1]; !bytes.Equal(open.name, name) {
		return EOF, s.fail(start, "expected </%s> to close <%s> of line %d, found </%s>", open.name, open.name, s.lineAt(open.at), name)
	}
	s.pos = i + 1
	s.pop()
	return EndTag, nil
}

// text reads character data up to the next markup.
func (s *Scanner) text() (Token, error) {
	data, start := s.data, s.pos
	i := start
	decode := false
scan:
	for ; i < len(data); i++ {
		switch data[i] {
		case '<':
			break scan
		case '&':
			n, ok := checkRef(data[i:])
			if !ok {
				return EOF, s.badRef(i)
			}
			i += n - 1
			decode = true
		case '\r':
			decode = true
		case '>':
			if i >= start+2 && data[i-1] == ']' && data[i-2] == ']' {
				return EOF, s.fail(i, "]]> outside a CDATA section")
			}
		}
	}
	s.pos = i
	s.Text = data[start:i]
	if decode {
		s.textBuf, _ = appendDecoded(s.textBuf[:0], s.Text)
		s.Text = s.textBuf
	}
	return CharData, nil
}

// outsideText skips the white space before or after the root element; any
// other text there is an error.
func (s *Scanner) outsideText() error {
	i := s.skipSpace(s.pos)
	if i < len(s.data) && s.data[i] != '<' {
		j := i
		for j < len(s.data) && s.data[j] != '<' && j-i < 40 {
			j++
		}
		where := "before the root element"
		if s.rootClosed {
			where = "after the end of the root element"
		}
		return s.fail(i, "text %s %s", quoted(s.data[i:j]), where)
	}
	s.pos = i
	return nil
}

// cdata reads <![CDATA[...]]> as text.
func (s *Scanner) cdata() (Token, error) {
	start := s.pos
	body := start + len("<![CDATA[")
	end := bytes.Index(s.data[body:], []byte("]]>"))
	if end < 0 {
		return EOF, s.truncated(start, "it ends inside a CDATA section")
	}
	s.Text = s.data[body : body+end]
	s.pos = body + end + len("]]>")
	if bytes.IndexByte(s.Text, '\r') >= 0 {
		s.textBuf = appendNewlines(s.textBuf[:0], s.Text)
		s.Text = s.textBuf
	}
	return CharData, nil
}

// comment skips <!-- ... -->, in which "--" may not appear.
func (s *Scanner) comment() error {
	start := s.pos
	body := start + len("<!--")
	end := bytes.Index(s.data[body:], []byte("--"))
	if end < 0 {
		return s.truncated(start, "it ends inside a comment")
	}
	i := body + end + 2
	if i >= len(s.data) {
		return s.truncated(start, "it ends inside a comment")
	}
	if s.data[i] != '>' {
		return s.fail(i-2, `"--" inside a comment`)
	}
	s.pos = i + 1
	return nil
}

// procInst skips a processing instruction <?target ...?>. The XML
// declaration <?xml ...?> may only come first (openXML reads it).
func (s *Scanner) procInst() error {
	start := s.pos
	target, _, i, err := s.name(start + 2)
	if err != nil {
		return err
	}
	if target == nil {
		if start+2 >= len(s.data) {
			return s.truncated(start, "it ends inside a processing instruction")
		}
		return s.fail(start, "expected a target name after <?")
	}
	if i < len(s.data) && !isSpace(s.data[i]) && s.data[i] != '?' {
		return s.fail(i, "expected white space after <?%s", target)
	}
	if strings.EqualFold(string(target), "xml") && !s.prolog {
		return s.fail(start, "an XML declaration <?%s ...?> that is not at the start of the file", target)
	}
	end := bytes.Index(s.data[i:], []byte("?>"))
	if end < 0 {
		return s.truncated(start, "it ends inside the processing instruction <?%s", target)
	}
	s.pos = i + end + 2
	return nil
}

// doctype skips <!DOCTYPE ...>, with its internal subset [...] if it has
// one. It may only come once, before the root element.
func (s *Scanner) doctype() error {
	data, start := s.data, s.pos
	i := start + len("<!DOCTYPE")
	if s.sawRoot || s.sawDoctype {
		return s.fail(start, "a <!DOCTYPE> after the start of the document")
	}
	s.sawDoctype = true
	if i < len(data) && !isSpace(data[i]) {
		return s.fail(i, "expected white space after <!DOCTYPE")
	}
	inSubset := false
	for i < len(data) {
		switch c := data[i]; {
		case c == '"' || c == '\'':
			end := bytes.IndexByte(data[i+1:], c)
			if end < 0 {
				i = len(data)
				continue
			}
			i += end + 2
			continue
		case bytes.HasPrefix(data[i:], []byte("<!--")):
			end := bytes.Index(data[i+4:], []byte("-->"))
			if end < 0 {
				i = len(data)
				continue
			}
			i += 4 + end + 3
			continue
		case c == '[' && !inSubset:
			inSubset = true
		case c == ']' && inSubset:
			inSubset = false
		case c == '>' && !inSubset:
			s.pos = i + 1
			return nil
		}
		i++
	}
	return s.truncated(start, "it ends inside the <!DOCTYPE>")
}

// badRef makes the error of an invalid reference at offset i.
func (s *Scanner) badRef(i int) error {
	ref := s.data[i:min(len(s.data), i+16)]
	if end := bytes.IndexByte(ref, ';'); end >= 0 {
		ref = ref[:end+1]
	} else if end := bytes.IndexAny(ref, " \t\r\n<"); end >= 0 {
		ref = ref[:end]
	}
	return s.fail(i, "invalid entity reference %s (a & must start &amp; &lt; &gt; &quot; &apos; or a character reference like &#233;)", quoted(ref))
}

// checkRef returns the length of the reference at the start of b (b[0] is
// '&'), and false when it is not a reference XML defines without a DTD:
// &amp; &lt; &gt; &quot; &apos;, or &#NN; / &#xNN; naming a character XML
// allows.
func checkRef(b []byte) (int, bool) {
	_, n, ok := decodeRef(b)
	return n, ok
}

// decodeRef decodes the reference at the start of b (b[0] is '&'): the
// character it stands for and its length.
func decodeRef(b []byte) (r rune, n int, ok bool) {
	if len(b) < 3 {
		return 0, 0, false
	}
	if b[1] != '#' {
		end := bytes.IndexByte(b[:min(len(b), 6)], ';')
		if end < 0 {
			return 0, 0, false
		}
		switch string(b[1:end]) {
		case "amp":
			r = '&'
		case "lt":
			r = '<'
		case "gt":
			r = '>'
		case "quot":
			r = '"'
		case "apos":
			r = '\''
		default:
			return 0, 0, false
		}
		return r, end + 1, true
	}
	i, base := 2, rune(10)
	if b[2] == 'x' {
		i, base = 3, 16
	}
	digits := i
	for ; i < len(b); i++ {
		d := hexDigit(b[i])
		if d >= base {
			break
		}
		r = r*base + d
		if r > utf8.MaxRune {
			return 0, 0, false
		}
	}
	if i == digits || i >= len(b) || b[i] != ';' || !isXMLChar(r) {
		return 0, 0, false
	}
	return r, i + 1, true
}

// hexDigit is the value of the hexadecimal digit c, 16 when c is none.
func hexDigit(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return rune(c-'A') + 10
	}
	return 16
}

// isXMLChar reports the characters XML allows in a document.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= utf8.MaxRune
}

// appendDecoded appends raw text or attribute value b to dst with its
// references decoded and its line ends normalised (CR LF and lone CR
// become LF, as XML requires). It returns false at an invalid reference,
// which the scanner has refused before it calls it.
func appendDecoded(dst, b []byte) ([]byte, bool) {
	for len(b) > 0 {
		i := bytes.IndexAny(b, "&\r")
		if i < 0 {
			return append(dst, b...), true
		}
		dst = append(dst, b[:i]...)
		b = b[i:]
		if b[0] == '\r' {
			dst = append(dst, '\n')
			b = b[1:]
			if len(b) > 0 && b[0] == '\n' {
				b = b[1:]
			}
			continue
		}
		r, n, ok := decodeRef(b)
		if !ok {
			return dst, false
		}
		dst = utf8.AppendRune(dst, r)
		b = b[n:]
	}
	return dst, true
}

// appendNewlines appends b to dst with CR LF and lone CR turned into LF.
func appendNewlines(dst, b []byte) []byte {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\r')
		if i < 0 {
			return append(dst, b...)
		}
		dst = append(dst, b[:i]...)
		dst = append(dst, '\n')
		b = b[i+1:]
		if len(b) > 0 && b[0] == '\n' {
			b = b[1:]
		}
	}
	return dst
}

// checkChars refuses a document that is not valid UTF-8 or holds a
// character XML forbids (control characters but tab, LF and CR, and
// U+FFFE, U+FFFF). Printable ASCII, most of a workout file, is checked
// eight bytes at a time.
func (s *Scanner) checkChars() error {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	data := s.data
	i := s.pos
	for i < len(data) {
		if i+8 <= len(data) {
			w := binary.LittleEndian.Uint64(data[i:])
			// No byte has its high bit set, and none is below 0x20: w-0x20
			// in each byte borrows (sets the high bit) only for those.
			if (w|(w-0x20*ones))&highs == 0 {
				i += 8
				continue
			}
		}
		c := data[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return s.fail(i, "the character U+%04X is not allowed in XML", c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			return s.fail(i, "invalid UTF-8 (byte 0x%02X): the file is not UTF-8 and declares no other encoding", c)
		}
		if r == 0xFFFE || r == 0xFFFF {
			return s.fail(i, "the character %U is not allowed in XML", r)
		}
		i += n
	}
	return nil
}
