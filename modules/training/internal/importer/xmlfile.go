package importer

import (
	"bytes"
	"io"
	"io/fs"
	"strings"

	"golang.org/x/text/encoding/charmap"

	"github.com/athlos/athlos/modules/training/internal/xmlscan"
)

// openXML reads a whole workout file (plain or gzipped, bounded by
// MaxFileBytes) and returns a scanner over it, transcoded to UTF-8 first
// when its XML declaration names another encoding that workout files use.
func openXML(r io.Reader) (*xmlscan.Scanner, error) {
	hint := sizeHint(r)
	r, err := Decompress(r)
	if err != nil {
		return nil, err
	}
	data, err := readAll(r, hint)
	if err != nil {
		return nil, refuse("cannot read the file: %v", err)
	}
	if len(data) > MaxFileBytes {
		return nil, refuse("the file is larger than %d MB", MaxFileBytes>>20)
	}
	if bytes.HasPrefix(data, []byte{0xFE, 0xFF}) || bytes.HasPrefix(data, []byte{0xFF, 0xFE}) {
		return nil, refuse("the file is UTF-16, which is not supported: save it as UTF-8")
	}
	enc, err := declaredEncoding(data)
	if err != nil {
		return nil, err
	}
	switch strings.ToLower(enc) {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
	case "iso-8859-1", "latin1", "latin-1":
		data, err = charmap.ISO8859_1.NewDecoder().Bytes(data)
	case "windows-1252", "cp1252":
		data, err = charmap.Windows1252.NewDecoder().Bytes(data)
	default:
		return nil, refuse("the file declares the encoding %q, which is not supported (UTF-8, ISO-8859-1 and Windows-1252 are)", enc)
	}
	if err != nil {
		return nil, refuse("cannot read the file as %s: %v", enc, err)
	}
	return xmlscan.New(data), nil
}

// sizeHint is the size of what r holds when it says so (bytes.Reader,
// os.File, multipart.File...), 0 when it does not.
func sizeHint(r io.Reader) int {
	var n int64
	switch r := r.(type) {
	case interface{ Len() int }:
		n = int64(r.Len())
	case interface{ Size() int64 }:
		n = r.Size()
	case interface{ Stat() (fs.FileInfo, error) }:
		if fi, err := r.Stat(); err == nil && fi.Mode().IsRegular() {
			n = fi.Size()
		}
	}
	return int(min(max(n, 0), MaxFileBytes))
}

// readAll is io.ReadAll starting with room for hint bytes, so that a large
// file of known size is read into one buffer rather than copied from
// buffer to growing buffer.
func readAll(r io.Reader, hint int) ([]byte, error) {
	if hint <= 0 {
		return io.ReadAll(r)
	}
	b := make([]byte, 0, hint+1) // +1: room for the read that sees the end
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // a gzipped file, larger than its hint
		}
	}
}

// declaredEncoding returns the encoding the XML declaration at the start of
// data names, "" when there is none.
func declaredEncoding(data []byte) (string, error) {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF")) // a byte order mark
	data = bytes.TrimLeft(data, " \t\r\n")
	if !bytes.HasPrefix(data, []byte("<?xml")) || len(data) < 6 || !strings.ContainsRune(" \t\r\n", rune(data[5])) {
		return "", nil
	}
	end := bytes.Index(data, []byte("?>"))
	if end < 0 {
		return "", nil // the scanner says the file is truncated
	}
	decl := data[len("<?xml"):end]
	for {
		decl = bytes.TrimLeft(decl, " \t\r\n")
		if len(decl) == 0 {
			return "", nil
		}
		eq := bytes.IndexByte(decl, '=')
		if eq <= 0 {
			return "", refuse("not well-formed XML at line 1: a malformed XML declaration")
		}
		name := string(bytes.TrimRight(decl[:eq], " \t\r\n"))
		decl = bytes.TrimLeft(decl[eq+1:], " \t\r\n")
		if len(decl) == 0 || decl[0] != '"' && decl[0] != '\'' {
			return "", refuse("not well-formed XML at line 1: the %s of the XML declaration is not quoted", name)
		}
		q := bytes.IndexByte(decl[1:], decl[0])
		if q < 0 {
			return "", refuse("not well-formed XML at line 1: a malformed XML declaration")
		}
		if name == "encoding" {
			return string(decl[1 : 1+q]), nil
		}
		decl = decl[q+2:]
	}
}

// xmlRefusal turns the scanner's error into the reason a file is refused.
func xmlRefusal(err error) error {
	se, ok := err.(*xmlscan.SyntaxError)
	switch {
	case !ok:
		return refuse("cannot read the file: %v", err)
	case se.Truncated:
		return refuse("the file is truncated at line %d: %s", se.Line, se.Msg)
	}
	return refuse("not well-formed XML at line %d: %s", se.Line, se.Msg)
}
