package platform

import (
	"context"
	"errors"
	"net"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/athlos/athlos/bus"
)

// busCollector exposes the NATS connection's counters and, per JetStream
// stream and consumer, messages, bytes and consumer lag. It reads them on
// scrape, bounded by a short timeout.
type busCollector struct {
	conn *bus.Conn

	inMsgs, outMsgs, inBytes, outBytes, reconnects *prometheus.Desc
	connected                                      *prometheus.Desc
	streamMsgs, streamBytes                        *prometheus.Desc
	consumerPending, consumerAckPending            *prometheus.Desc
	consumerRedelivered                            *prometheus.Desc
}

func newBusCollector(conn *bus.Conn) *busCollector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
	}
	return &busCollector{
		conn:                conn,
		inMsgs:              d("athlos_nats_in_msgs_total", "Messages received by this process's NATS connection."),
		outMsgs:             d("athlos_nats_out_msgs_total", "Messages sent by this process's NATS connection."),
		inBytes:             d("athlos_nats_in_bytes_total", "Bytes received by this process's NATS connection."),
		outBytes:            d("athlos_nats_out_bytes_total", "Bytes sent by this process's NATS connection."),
		reconnects:          d("athlos_nats_reconnects_total", "Reconnects of this process's NATS connection."),
		connected:           d("athlos_nats_connected", "1 when the NATS connection is up."),
		streamMsgs:          d("athlos_jetstream_stream_messages", "Messages kept by a JetStream stream.", "stream"),
		streamBytes:         d("athlos_jetstream_stream_bytes", "Bytes kept by a JetStream stream.", "stream"),
		consumerPending:     d("athlos_jetstream_consumer_pending", "Messages not yet delivered to a durable consumer (its lag).", "stream", "consumer"),
		consumerAckPending:  d("athlos_jetstream_consumer_ack_pending", "Messages delivered to a consumer and not yet acknowledged.", "stream", "consumer"),
		consumerRedelivered: d("athlos_jetstream_consumer_redelivered", "Messages being redelivered to a consumer.", "stream", "consumer"),
	}
}

func (c *busCollector) Describe(ch chan<- *prometheus.Desc) { prometheus.DescribeByCollect(c, ch) }

func (c *busCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.conn.NC.Stats()
	counter := func(d *prometheus.Desc, v uint64, l ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), l...)
	}
	gauge := func(d *prometheus.Desc, v float64, l ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, l...)
	}
	counter(c.inMsgs, s.InMsgs)
	counter(c.outMsgs, s.OutMsgs)
	counter(c.inBytes, s.InBytes)
	counter(c.outBytes, s.OutBytes)
	counter(c.reconnects, s.Reconnects)
	up := 0.0
	if c.conn.NC.IsConnected() {
		up = 1
	}
	gauge(c.connected, up)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	streams := c.conn.JS.ListStreams(ctx)
	for info := range streams.Info() {
		name := info.Config.Name
		gauge(c.streamMsgs, float64(info.State.Msgs), name)
		gauge(c.streamBytes, float64(info.State.Bytes), name)
		stream, err := c.conn.JS.Stream(ctx, name)
		if err != nil {
			continue
		}
		consumers := stream.ListConsumers(ctx)
		for ci := range consumers.Info() {
			gauge(c.consumerPending, float64(ci.NumPending), name, ci.Name)
			gauge(c.consumerAckPending, float64(ci.NumAckPending), name, ci.Name)
			gauge(c.consumerRedelivered, float64(ci.NumRedelivered), name, ci.Name)
		}
	}
}

// labelledPool is a database pool with the labels of its series: the
// modules that share it, and its database without credentials.
type labelledPool struct {
	pool              *pgxpool.Pool
	modules, database string
}

// poolCollector exposes pgxpool statistics, one series per pool (modules
// with the same database URL share one).
type poolCollector struct {
	pools                               []labelledPool
	total, idle, acquired, max, waiting *prometheus.Desc
	acquires, waitSeconds               *prometheus.Desc
}

func newPoolCollector(pools []labelledPool) *poolCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, []string{"pool", "database"}, nil)
	}
	return &poolCollector{
		pools:       pools,
		total:       d("athlos_db_pool_connections", "Open connections of a database pool (pool: the modules sharing it)."),
		idle:        d("athlos_db_pool_idle_connections", "Idle connections of a database pool."),
		acquired:    d("athlos_db_pool_acquired_connections", "Connections in use in a database pool."),
		max:         d("athlos_db_pool_max_connections", "Size limit of a database pool."),
		waiting:     d("athlos_db_pool_empty_acquires_total", "Acquires that had to wait for a connection."),
		acquires:    d("athlos_db_pool_acquires_total", "Connections acquired from a database pool."),
		waitSeconds: d("athlos_db_pool_acquire_wait_seconds_total", "Time spent waiting for a connection."),
	}
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) { prometheus.DescribeByCollect(c, ch) }

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	for _, p := range c.pools {
		s := p.pool.Stat()
		g := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, p.modules, p.database)
		}
		k := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, p.modules, p.database)
		}
		g(c.total, float64(s.TotalConns()))
		g(c.idle, float64(s.IdleConns()))
		g(c.acquired, float64(s.AcquiredConns()))
		g(c.max, float64(s.MaxConns()))
		k(c.waiting, float64(s.EmptyAcquireCount()))
		k(c.acquires, float64(s.AcquireCount()))
		k(c.waitSeconds, s.AcquireDuration().Seconds())
	}
}

// databaseLabel names a pool's database without credentials:
// host:port/database, the host being the socket directory for a unix
// socket ("managed" for the managed PostgreSQL's socket).
func databaseLabel(cfg *pgxpool.Config, managed bool) string {
	c := cfg.ConnConfig
	host := c.Host
	if managed {
		host = "managed"
	}
	return net.JoinHostPort(host, strconv.Itoa(int(c.Port))) + "/" + c.Database
}

// registerDiskMetrics exposes the free-disk watch.
func registerDiskMetrics(reg *prometheus.Registry, g *bus.DiskGuard) error {
	return errors.Join(
		reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "athlos_disk_free_bytes",
			Help: "Free space of the data dir's file system (the fullest watched)."}, func() float64 {
			free, _ := g.Free()
			return float64(free)
		})),
		reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "athlos_disk_min_free_bytes",
			Help: "Free space below which JetStream refuses new messages."}, func() float64 {
			_, threshold := g.Free()
			return float64(threshold)
		})),
		reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "athlos_disk_low",
			Help: "1 while free disk is below the minimum and JetStream refuses new messages."}, func() float64 {
			if g.Low() {
				return 1
			}
			return 0
		})),
	)
}
