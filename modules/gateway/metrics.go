package gateway

import (
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// httpMetrics holds the front's request metrics. The labelled children are
// resolved once per (method, route, status) and cached in a copy-on-write
// map, so observing a request takes no lock and allocates nothing.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec

	mu     sync.Mutex
	series atomic.Pointer[map[seriesKey]*series]
}

type seriesKey struct {
	method, route string
	status        int
}

type series struct {
	count    prometheus.Counter
	duration prometheus.Observer
}

func newHTTPMetrics(reg prometheus.Registerer) (*httpMetrics, error) {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "athlos_http_requests_total",
		Help: "HTTP requests answered by the front, by method, route template and status.",
	}, []string{"method", "route", "status"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "athlos_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by method and route template.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"method", "route"})
	var err error
	if requests, err = registerOrExisting(reg, requests); err != nil {
		return nil, err
	}
	if duration, err = registerOrExisting(reg, duration); err != nil {
		return nil, err
	}
	m := &httpMetrics{requests: requests, duration: duration}
	m.series.Store(&map[seriesKey]*series{})
	return m, nil
}

// registerOrExisting registers c, or returns the identical collector that is
// already registered (two fronts on one registry, as in tests).
func registerOrExisting[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}

func (m *httpMetrics) observe(method, route string, status int, elapsed time.Duration) {
	k := seriesKey{method: method, route: route, status: status}
	s := (*m.series.Load())[k]
	if s == nil {
		s = m.add(k)
	}
	s.count.Inc()
	s.duration.Observe(elapsed.Seconds())
}

func (m *httpMetrics) add(k seriesKey) *series {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.series.Load()
	if s, ok := old[k]; ok {
		return s
	}
	s := &series{
		count:    m.requests.WithLabelValues(k.method, k.route, strconv.Itoa(k.status)),
		duration: m.duration.WithLabelValues(k.method, k.route),
	}
	next := make(map[seriesKey]*series, len(old)+1)
	for key, v := range old {
		next[key] = v
	}
	next[k] = s
	m.series.Store(&next)
	return s
}
