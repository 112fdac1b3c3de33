package gateway

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gofiber/fiber/v2"
)

// routeUnmatched is the route label of a request that matched no route.
const routeUnmatched = "unmatched"

// routeOf returns the route template of the request, e.g.
// "/v1/sessions/{id}", or routeUnmatched. It never returns the raw path.
// self is the middleware's own route, which stays the context's route when
// no route matched.
func (f *Front) routeOf(c *fiber.Ctx, self *fiber.Route) string {
	r := c.Route()
	if r == nil || r == self {
		return routeUnmatched
	}
	return f.routes.template(r.Path)
}

// routeTemplates maps fiber route paths ("/v1/sessions/:id") to the OpenAPI
// templates huma registered them from ("/v1/sessions/{id}"). Reads take no
// lock and allocate nothing; a path is converted once, on first use.
type routeTemplates struct {
	m  atomic.Pointer[map[string]string]
	mu sync.Mutex
}

func (t *routeTemplates) template(path string) string {
	if strings.IndexByte(path, ':') < 0 {
		return path
	}
	if m := t.m.Load(); m != nil {
		if s, ok := (*m)[path]; ok {
			return s
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.m.Load()
	if old != nil {
		if s, ok := (*old)[path]; ok {
			return s
		}
	}
	next := make(map[string]string, 1+lenMap(old))
	if old != nil {
		for k, v := range *old {
			next[k] = v
		}
	}
	s := fiberToTemplate(path)
	next[strings.Clone(path)] = s
	t.m.Store(&next)
	return s
}

func lenMap(m *map[string]string) int {
	if m == nil {
		return 0
	}
	return len(*m)
}

// fiberToTemplate turns fiber parameters (":id", optional ":id?") into
// OpenAPI ones ("{id}"): the inverse of what humafiber does.
func fiberToTemplate(path string) string {
	var b strings.Builder
	b.Grow(len(path) + 4)
	for i := 0; i < len(path); i++ {
		if path[i] != ':' {
			b.WriteByte(path[i])
			continue
		}
		j := i + 1
		for j < len(path) && isParamChar(path[j]) {
			j++
		}
		b.WriteByte('{')
		b.WriteString(path[i+1 : j])
		b.WriteByte('}')
		if j < len(path) && path[j] == '?' {
			j++
		}
		i = j - 1
	}
	return b.String()
}

func isParamChar(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
