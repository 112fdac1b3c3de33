package gateway

import (
	"fmt"
	"net/netip"
	"strings"
)

// TrustedProxies are the addresses of reverse proxies in front of the
// front (a TLS terminator, a load balancer), whose X-Forwarded-For and
// Forwarded headers say who the client is. Without them every client
// behind a proxy has the proxy's address, and the throttling of logins and
// registrations per address would treat them all as one.
type TrustedProxies []netip.Prefix

// ParseTrustedProxies reads a list of addresses and CIDR prefixes
// ("10.0.0.0/8", "127.0.0.1", "::1", or "loopback" for both loopbacks).
func ParseTrustedProxies(list []string) (TrustedProxies, error) {
	var out TrustedProxies
	for _, s := range list {
		s = strings.TrimSpace(s)
		switch {
		case s == "":
			continue
		case s == "loopback":
			out = append(out, netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"))
		case strings.Contains(s, "/"):
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: %w", s, err)
			}
			out = append(out, p.Masked())
		default:
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: %w", s, err)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		}
	}
	return out, nil
}

func (t TrustedProxies) trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range t {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientIP is the client's address: the peer's, unless the peer is a
// trusted proxy; then the nearest address in the forwarding headers that is
// not a trusted proxy, read from the right (the left part is whatever the
// client sent, and a client can put anything there). forwarded are the
// Forwarded headers (RFC 7239), used when present; xff the X-Forwarded-For
// ones.
func (t TrustedProxies) clientIP(peer string, forwarded, xff []string) string {
	p, err := netip.ParseAddr(peer)
	if err != nil || len(t) == 0 || !t.trusts(p) {
		return peer
	}
	var hops []string
	if len(forwarded) > 0 {
		for _, h := range forwarded {
			for _, elem := range strings.Split(h, ",") {
				for _, pair := range strings.Split(elem, ";") {
					k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
					if ok && strings.EqualFold(k, "for") {
						hops = append(hops, forwardedFor(v))
					}
				}
			}
		}
	} else {
		for _, h := range xff {
			for _, a := range strings.Split(h, ",") {
				hops = append(hops, strings.TrimSpace(a))
			}
		}
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			return peer // an unreadable hop: trust nothing before it
		}
		if !t.trusts(a) {
			return a.Unmap().String()
		}
	}
	return peer
}

// forwardedFor reads a Forwarded for= value: an address, quoted, with
// brackets and a port for IPv6 ("[2001:db8::1]:4711").
func forwardedFor(v string) string {
	v = strings.Trim(v, `"`)
	if strings.HasPrefix(v, "[") {
		if i := strings.IndexByte(v, ']'); i > 0 {
			return v[1:i]
		}
	}
	if host, _, ok := strings.Cut(v, ":"); ok && strings.Count(v, ":") == 1 {
		return host
	}
	return v
}
