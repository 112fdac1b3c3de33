package pgmanaged

import "strconv"

// Tuned are the settings a managed server starts with, sized to a machine
// with mem bytes of memory that it shares with Athlos (whose processes
// need memory of their own: its in-memory leaderboards, NATS, caches) and
// whose disk is an SSD. PostgreSQL's own defaults suit a machine of the
// 1990s (128 MB of shared buffers, a checkpoint at every GB of WAL):
// under the steady writes of live telemetry and gamification, they make
// the server read pages back from the OS cache and write each page whole
// to the WAL again after every checkpoint. Settings a caller passes
// (Config.Settings) override these.
func Tuned(mem uint64) map[string]string {
	const mb = 1 << 20
	clamp := func(v, lo, hi uint64) uint64 { return max(lo, min(v, hi)) }
	set := map[string]string{
		// Fewer checkpoints: fewer pages written twice (full-page writes).
		"max_wal_size":       "4GB",
		"min_wal_size":       "512MB",
		"checkpoint_timeout": "15min",
		// An SSD: random reads cost little more than sequential ones.
		"random_page_cost":         "1.1",
		"effective_io_concurrency": "200",
	}
	if mem == 0 {
		return set // unknown: PostgreSQL's defaults for memory
	}
	set["shared_buffers"] = mbSetting(clamp(mem/8, 128*mb, 8<<30) / mb)
	set["effective_cache_size"] = mbSetting(clamp(mem/2, 512*mb, 64<<30) / mb)
	set["maintenance_work_mem"] = mbSetting(clamp(mem/32, 64*mb, 1<<30) / mb)
	return set
}

func mbSetting(mb uint64) string { return strconv.FormatUint(mb, 10) + "MB" }
