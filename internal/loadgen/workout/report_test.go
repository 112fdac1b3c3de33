package workout

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/loadgen"
)

func TestReportText(t *testing.T) {
	var h loadgen.Histogram
	for i := range 100 {
		h.Record(time.Duration(i+1) * time.Millisecond)
	}
	var errs errorSet
	errs.add(ErrPermission, errors.New(`permissions violation for "live.session.x"`))
	errs.add(ErrPermission, errors.New("second"))
	var all errorSet
	all.merge(&errs)
	rep := Report{RunID: "r1", Athletes: 2, Ready: 2, Rate: 1, PointsPerMsg: 5, DurationS: 10,
		PointsAccepted: 100, PointsPersisted: 98, SessionsFinished: 1, SessionsCounted: 2,
		Ack: latencyStats(&h), Errors: all.counts, FirstErrors: all.first}
	var b strings.Builder
	require.NoError(t, rep.WriteText(&b))
	out := b.String()
	assert.Contains(t, out, "98 points stored in 2 sessions (1 finished)")
	assert.Contains(t, out, "(-2 against accepted)")
	assert.Regexp(t, `publish → PubAck\s+100\s+5\d\.\dms\s+[89]\d\.\dms\s+99\.\dms\s+100ms`, out)
	assert.Regexp(t, `publish → watcher²\s+0\s+-`, out)
	assert.Regexp(t, `permission\s+2  first: permissions violation for "live.session.x"\n`, out)

	data, err := json.Marshal(rep)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"p99_ms":99.`)
}
