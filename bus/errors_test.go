package bus_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/bus"
)

// A database that is down, restarting, recovering or full is "try again"
// (503 with Retry-After at the front), not an internal error (500).
func TestDatabaseOutagesAreUnavailable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, connErr := pgx.Connect(ctx, "postgres://athlos@127.0.0.1:1/athlos?sslmode=disable&connect_timeout=2")
	require.Error(t, connErr)
	for name, err := range map[string]error{
		"connection refused": fmt.Errorf("store: read session: %w", connErr),
		"crash shutdown":     &pgconn.PgError{Code: "57P02", Message: "terminating connection because of crash of another server process"},
		"recovering":         &pgconn.PgError{Code: "57P03", Message: "the database system is in recovery mode"},
		"admin shutdown":     &pgconn.PgError{Code: "57P01"},
		"connection failure": &pgconn.PgError{Code: "08006"},
		"disk full":          fmt.Errorf("store: %w", &pgconn.PgError{Code: "53100", Message: "could not extend file"}),
	} {
		e := bus.AsError(err)
		assert.Equal(t, bus.CodeUnavailable, e.Code, name)
		assert.Positive(t, e.RetryAfter, name)
		assert.NotContains(t, e.Message, "127.0.0.1", name)
	}
	for name, err := range map[string]error{
		"unique violation": &pgconn.PgError{Code: "23505"},
		"syntax error":     &pgconn.PgError{Code: "42601"},
		"plain":            fmt.Errorf("boom"),
	} {
		assert.Equal(t, bus.CodeInternal, bus.AsError(err).Code, name)
	}
}
