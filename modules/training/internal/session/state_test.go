package session

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStateMachine(t *testing.T) {
	legal := map[[2]string]string{
		{Active, Pause}: Paused, {Paused, Resume}: Active,
		{Active, Finish}: Finished, {Paused, Finish}: Finished,
		{Active, Discard}: Discarded, {Paused, Discard}: Discarded,
	}
	for _, from := range []string{Active, Paused, Finished, Discarded} {
		for _, action := range []string{Pause, Resume, Finish, Discard} {
			to, err := Next(from, action)
			if want, ok := legal[[2]string{from, action}]; ok {
				require.NoError(t, err, "%s %s", from, action)
				assert.Equal(t, want, to)
				continue
			}
			var ill *IllegalTransition
			require.ErrorAs(t, err, &ill, "%s %s must be refused", from, action)
			assert.Equal(t, from, ill.From)
		}
	}
	assert.True(t, Open(Active))
	assert.True(t, Open(Paused))
	assert.False(t, Open(Finished))
	assert.False(t, Open(Discarded))
}
