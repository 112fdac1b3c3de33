package pgmanaged

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTunedSettingsFollowTheMachinesMemory(t *testing.T) {
	const gb = 1 << 30
	small := Tuned(1 * gb)
	assert.Equal(t, "128MB", small["shared_buffers"], "never below PostgreSQL's default")
	assert.Equal(t, "512MB", small["effective_cache_size"])
	assert.Equal(t, "64MB", small["maintenance_work_mem"])

	here := Tuned(24 * gb)
	assert.Equal(t, "3072MB", here["shared_buffers"], "an eighth: Athlos needs memory of its own")
	assert.Equal(t, "12288MB", here["effective_cache_size"])
	assert.Equal(t, "768MB", here["maintenance_work_mem"])
	assert.Equal(t, "15min", here["checkpoint_timeout"])

	big := Tuned(512 * gb)
	assert.Equal(t, "8192MB", big["shared_buffers"])
	assert.Equal(t, "1024MB", big["maintenance_work_mem"])

	unknown := Tuned(0)
	assert.NotContains(t, unknown, "shared_buffers", "PostgreSQL's defaults when the memory is unknown")
	assert.Equal(t, "4GB", unknown["max_wal_size"])
}
