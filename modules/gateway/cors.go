package gateway

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/cors"
)

// CORS: what a browser client may send and read. Tokens travel in the
// Authorization header, never in cookies, so credentials stay off (and an
// allowed origin "*" gives no one a way to act with another's cookies).
const (
	corsAllowMethods = "GET,POST,PUT,PATCH,DELETE"
	// corsAllowHeaders are the request headers of the API beyond the
	// CORS-safelisted ones.
	corsAllowHeaders = "Authorization,Content-Type,Idempotency-Key,If-None-Match,X-Request-ID"
	// corsExposeHeaders are the response headers a script may read
	// besides the CORS-safelisted ones.
	corsExposeHeaders = "ETag,Location,Retry-After,RateLimit,RateLimit-Policy,X-Request-ID,WWW-Authenticate,Content-Disposition"
	// corsMaxAge is how long a browser may keep a preflight's answer, in
	// seconds (browsers cap it: Chromium at 2 hours).
	corsMaxAge = 3600
)

// CORSOrigins are the origins whose scripts may call the API from a
// browser: "*" for any, or origins such as "https://app.example.com",
// "http://localhost:5173" or "https://*.example.com" (any subdomain).
// None means no CORS: a browser refuses a cross-origin answer.
type CORSOrigins []string

// ParseCORSOrigins checks and normalises a list of origins (empty entries
// are ignored): each is "*" alone, or a scheme (http or https) with a host
// and an optional port, and nothing else: no path, query or user.
func ParseCORSOrigins(list []string) (CORSOrigins, error) {
	var out CORSOrigins
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if s == "*" {
			out = append(out, s)
			continue
		}
		u, err := url.Parse(strings.Replace(s, "://*.", "://wildcard.", 1))
		if err != nil {
			return nil, fmt.Errorf("CORS origin %q: %w", s, err)
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.User != nil ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(u.Host, ":") {
			return nil, fmt.Errorf("CORS origin %q: want scheme://host[:port], e.g. https://app.example.com", s)
		}
		if port := u.Port(); port != "" {
			if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
				return nil, fmt.Errorf("CORS origin %q: bad port", s)
			}
		}
		out = append(out, strings.ToLower(strings.TrimSuffix(s, "/")))
	}
	if len(out) > 1 {
		for _, o := range out {
			if o == "*" {
				return nil, fmt.Errorf("CORS origin \"*\" allows every origin: give it alone")
			}
		}
	}
	return out, nil
}

// newCORS returns the CORS handler of the front, or nil without origins.
// It answers every preflight (OPTIONS with Access-Control-Request-Method)
// itself, for any path, with 204 and the allowed methods and headers; on
// other requests it adds the allowed origin, the exposed headers and
// Vary: Origin, and passes them on. A disallowed origin gets no
// Access-Control-Allow-Origin, so the browser keeps the answer from the
// script.
func newCORS(origins CORSOrigins) fiber.Handler {
	if len(origins) == 0 {
		return nil
	}
	return cors.New(cors.Config{
		AllowOrigins:     strings.Join(origins, ","),
		AllowMethods:     corsAllowMethods,
		AllowHeaders:     corsAllowHeaders,
		ExposeHeaders:    corsExposeHeaders,
		AllowCredentials: false,
		MaxAge:           corsMaxAge,
	})
}
