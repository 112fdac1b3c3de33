package gateway

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// Compression of answers (Content-Encoding), for phones that pay for
// every byte. Levels and sizes were chosen by measurement
// (docs/benchmarks.md, "Compressed answers").
const (
	// MinCompressBytes: a smaller body goes as it is. Below it the saving
	// is a few hundred bytes at most, less than the answer's headers,
	// and not worth the CPU.
	MinCompressBytes = 1024
	// gzipLevel is gzip's (klauspost/compress, through fasthttp) level: 5
	// makes lists and GPX about 10 % smaller than 1 for a little more
	// time, and 6 and above cost twice as much or more for a few percent.
	// Brotli is not offered: at the cost of gzip 5 (its level 1) it gives
	// the same sizes, and its smaller answers (levels 4 and up) cost 4 to
	// 9 times as much.
	gzipLevel = 5
	// LargeBody is the size from which gzip's level 1 is used: it
	// compresses in half the time, to the same size for a route and 11–14 %
	// more for a GPX or a three-year fitness series (220 KB: 1.2 ms at 5,
	// 0.77 ms at 1, which brought that answer's p99 under the 10 ms the
	// analytics aim at).
	LargeBody      = 128 << 10
	largeGzipLevel = 1
)

// encodingGzip is the one content coding the front produces.
const encodingGzip = "gzip"

// compress encodes the answer's body with gzip when the client accepts it
// (Accept-Encoding, with q-values) and the body is worth it:
// text (JSON, problem+json, GeoJSON, GPX, XML, text/*), at least
// MinCompressBytes, not already encoded and not streamed. Every answer of
// a type it would compress carries Vary: Accept-Encoding, compressed or
// not, so that a cache never serves one client's coding to another.
func compress(c *fiber.Ctx) {
	resp := c.Response()
	if !compressible(resp.Header.ContentType()) {
		return
	}
	c.Vary(fiber.HeaderAcceptEncoding)
	if len(resp.Header.ContentEncoding()) > 0 || resp.IsBodyStream() || c.Method() == fiber.MethodHead {
		return
	}
	switch resp.StatusCode() {
	case fiber.StatusNoContent, fiber.StatusNotModified:
		return
	}
	body := resp.Body()
	if len(body) < MinCompressBytes {
		return
	}
	if !acceptsGzip(c.Request().Header.Peek(fiber.HeaderAcceptEncoding)) {
		return
	}
	level := gzipLevel
	if len(body) >= LargeBody {
		level = largeGzipLevel
	}
	out := fasthttp.AppendGzipBytesLevel(nil, body, level)
	if len(out) >= len(body) {
		return // incompressible after all
	}
	resp.SetBodyRaw(out)
	resp.Header.SetContentEncoding(encodingGzip)
}

// compressible reports whether a content type is text worth compressing:
// text/*, JSON and XML (also +json and +xml types such as problem+json,
// geo+json and gpx+xml). Images, archives and octet streams are already
// compressed or unknown.
func compressible(contentType []byte) bool {
	ct := contentType
	if i := bytes.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = bytes.ToLower(bytes.TrimSpace(ct))
	switch {
	case bytes.HasPrefix(ct, []byte("text/")):
		return true
	case !bytes.HasPrefix(ct, []byte("application/")):
		return false
	}
	sub := ct[len("application/"):]
	return bytes.Equal(sub, []byte("json")) || bytes.Equal(sub, []byte("xml")) || bytes.Equal(sub, []byte("yaml")) ||
		bytes.HasSuffix(sub, []byte("+json")) || bytes.HasSuffix(sub, []byte("+xml"))
}

// acceptsGzip reports whether an Accept-Encoding header (RFC 9110,
// 12.5.3) accepts gzip: named (or as x-gzip) with a q-value above 0, or
// covered by "*" with one. A malformed q-value counts as 0.
func acceptsGzip(header []byte) bool {
	if len(header) == 0 {
		return false
	}
	gzip, star := -1.0, -1.0
	for _, part := range strings.Split(string(header), ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		weight := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
				continue
			}
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || f < 0 || f > 1 {
				f = 0
			}
			weight = f
		}
		switch name {
		case "gzip", "x-gzip":
			gzip = max(gzip, weight)
		case "*":
			star = weight
		}
	}
	if gzip >= 0 {
		return gzip > 0
	}
	return star > 0
}
