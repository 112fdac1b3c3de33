package auth

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Past QueuePerSlot checks waiting per slot, the next is refused at once,
// and the queue takes checks again once it shortens.
func TestHasherRefusesPastItsQueue(t *testing.T) {
	h := NewHasher(1)
	h.sem <- struct{}{} // the one slot is taken
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range QueuePerSlot {
		wg.Go(func() { _ = h.CheckPassword(ctx, "correct horse battery staple") })
	}
	require.Eventually(t, func() bool { return h.waiting.Load() == QueuePerSlot }, 5*time.Second, time.Millisecond)
	_, err := h.Hash(context.Background(), "correct horse battery staple")
	assert.ErrorIs(t, err, ErrBusy)
	_, err = h.Verify(context.Background(), "x", h.dummy)
	assert.ErrorIs(t, err, ErrBusy)

	cancel() // the waiting checks give up
	wg.Wait()
	assert.Zero(t, h.waiting.Load())
	<-h.sem
	ok, err := h.Verify(context.Background(), "athlos-dummy", h.dummy)
	require.NoError(t, err)
	assert.True(t, ok)
}
