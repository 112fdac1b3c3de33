package groupchat_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/apptest"
	"github.com/athlos/athlos/internal/loadgen/groupchat"
)

// A run against a real Athlos, reduced from the 1,000 members and
// 200 online: every message is answered and reaches every online member
// (the figures are measured with the command, not here).
func TestRun(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, "client", "social")
	var progress strings.Builder
	rep, err := groupchat.Run(context.Background(), groupchat.Config{BaseURL: a.BaseURL, Members: 120, Online: 40,
		Messages: 60, Rate: 40, Progress: &progress})
	require.NoError(t, err, progress.String())
	assert.Equal(t, 60, rep.Sent)
	assert.Equal(t, 60, rep.Answered)
	assert.Zero(t, rep.Refused)
	assert.Equal(t, uint64(60*40), rep.Delivered)
	assert.Zero(t, rep.Missing)
	assert.Zero(t, rep.PermissionErrors)
	assert.Equal(t, uint64(60), rep.Last.Count)
	var out strings.Builder
	require.NoError(t, rep.WriteText(&out))
	assert.Contains(t, out.String(), "send → last member")
}
