package platform_test

import (
	"context"
	"log/slog"
	"net/url"
	"sort"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/athlos/athlos/platform"
	"github.com/athlos/athlos/storage/pgtest"
)

// The pool metrics have one series per pool, labelled with the modules
// that share it and its database without credentials; modules sharing a
// pool used to make a copy of it each (five copies summed to 50 of 10).
func TestPoolMetricsHaveOneSeriesPerPool(t *testing.T) {
	t.Parallel()
	shared, own := pgtest.NewDB(t), pgtest.NewDB(t)
	cfg := &platform.Config{Catalogue: catalogue, Version: "test", DataDir: t.TempDir(), Modules: []string{"client", "training", "social"},
		DB: platform.DBConfig{URL: shared, ModuleURLs: map[string]string{"social": own}, MaxConns: 7}}
	require.NoError(t, cfg.Validate())
	var reg *prometheus.Registry
	app := platform.NewApp(context.Background(), cfg, slog.New(slog.DiscardHandler),
		fx.Options(fx.Invoke(func(*platform.Databases) {}), fx.Populate(&reg)))
	require.NoError(t, platform.StartError(app.Err()))
	require.NoError(t, app.Start(t.Context()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = app.Stop(ctx)
	})

	families, err := reg.Gather()
	require.NoError(t, err)
	var series []string
	for _, f := range families {
		if f.GetName() != "athlos_db_pool_max_connections" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			assert.Equal(t, 7.0, m.GetGauge().GetValue())
			assert.NotContains(t, labels["database"], "@", "no credentials")
			series = append(series, labels["pool"]+" "+labels["database"])
		}
	}
	sort.Strings(series)
	assert.Equal(t, []string{"client,training " + dbLabel(t, shared), "social " + dbLabel(t, own)}, series)
}

// dbLabel is the database label expected for a URL: host:port/name.
func dbLabel(t *testing.T, raw string) string {
	u, err := url.Parse(raw)
	require.NoError(t, err)
	host, port := u.Hostname(), u.Port()
	if q := u.Query().Get("host"); q != "" {
		host = q
	}
	if q := u.Query().Get("port"); q != "" {
		port = q
	}
	if port == "" {
		port = "5432"
	}
	return host + ":" + port + u.Path
}
