package ingress

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/athlos/athlos/modules/training/internal/service"
)

// ingestMetrics count what the telemetry ingest of this process did.
type ingestMetrics struct {
	batches  prometheus.Histogram
	duration prometheus.Histogram
	accepted prometheus.Counter
	stored   prometheus.Counter
	dropped  *prometheus.CounterVec
	refused  prometheus.Counter
}

func newIngestMetrics(reg prometheus.Registerer) (*ingestMetrics, error) {
	m := &ingestMetrics{
		batches: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "athlos_training_ingest_batch_messages",
			Help: "Telemetry messages per ingest batch (one transaction).", Buckets: prometheus.ExponentialBuckets(1, 2, 10)}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "athlos_training_ingest_batch_seconds",
			Help: "Time to store one ingest batch, to its commit.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		accepted: prometheus.NewCounter(prometheus.CounterOpts{Name: "athlos_training_points_accepted_total",
			Help: "Telemetry points that passed the rules (sent again or not)."}),
		stored: prometheus.NewCounter(prometheus.CounterOpts{Name: "athlos_training_points_stored_total",
			Help: "Telemetry points newly stored."}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "athlos_training_points_dropped_total",
			Help: "Impossible telemetry points dropped, by reason."}, []string{"reason"}),
		refused: prometheus.NewCounter(prometheus.CounterOpts{Name: "athlos_training_messages_refused_total",
			Help: "Telemetry messages refused for good (malformed, another user's or a closed session)."}),
	}
	for _, c := range []prometheus.Collector{m.batches, m.duration, m.accepted, m.stored, m.dropped, m.refused} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// observe records one batch of n messages, of which refused were refused,
// that took d.
func (m *ingestMetrics) observe(n, refused int, res service.Ingested, d time.Duration) {
	m.batches.Observe(float64(n))
	m.duration.Observe(d.Seconds())
	m.stored.Add(float64(res.Stored))
	m.refused.Add(float64(refused))
	for _, r := range res.Results {
		m.accepted.Add(float64(r.Accepted))
		for reason, k := range r.Dropped {
			m.dropped.WithLabelValues(reason).Add(float64(k))
		}
	}
}
