package importer

import (
	"bytes"
	"crypto/sha256"
	"io"
)

// Formats Read knows.
const (
	FormatGPX = "gpx"
	FormatTCX = "tcx"
	FormatFIT = "fit"
)

// File is a workout file read by Read.
type File struct {
	Activity
	// Format is FormatGPX, FormatTCX or FormatFIT.
	Format string
	// SHA256 is the digest of the (uncompressed) content: the same
	// workout file, compressed or not, has the same one.
	SHA256 [32]byte
	// Skipped counts records without a time, or with nothing but a time
	// (no position, no value), which a session cannot use.
	Skipped int
}

// Read reads a workout file of any known format, plain or gzipped, telling
// the format from the content (not the name): FIT by its header, GPX and
// TCX by their root element. A file it cannot use is refused with a
// *FileError saying why.
func Read(data []byte) (File, error) {
	r, err := Decompress(bytes.NewReader(data))
	if err != nil {
		return File{}, err
	}
	content, err := io.ReadAll(r)
	if err != nil {
		return File{}, refuse("the compressed file is damaged: %v", err)
	}
	if len(content) > MaxFileBytes {
		return File{}, refuse("the file is larger than %d MB uncompressed", MaxFileBytes>>20)
	}
	f := File{SHA256: sha256.Sum256(content)}
	switch f.Format = Sniff(content); f.Format {
	case FormatFIT:
		f.Activity, f.Skipped, err = ReadFIT(bytes.NewReader(content))
	case FormatTCX:
		f.Activity, f.Skipped, err = ReadTCX(bytes.NewReader(content))
	case FormatGPX:
		f.Activity, err = ReadGPX(bytes.NewReader(content))
		f.Skipped = f.Untimed
	default:
		return File{}, refuse("not a GPX, TCX or FIT file")
	}
	if err != nil {
		return File{}, err
	}
	if len(f.Points) == 0 {
		return File{}, refuse("the file holds no timed point with a position or a value")
	}
	return f, nil
}

// Sniff tells a workout file's format from its first bytes ("" when it is
// none of them).
func Sniff(content []byte) string {
	if len(content) >= 12 && string(content[8:12]) == ".FIT" {
		return FormatFIT
	}
	head := content[:min(len(content), 4096)]
	switch {
	case bytes.Contains(head, []byte("<TrainingCenterDatabase")):
		return FormatTCX
	case bytes.Contains(head, []byte("<gpx")):
		return FormatGPX
	}
	return ""
}
