package budget_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/athlos/athlos/internal/budget"
)

func TestBudgetsPerUser(t *testing.T) {
	b := budget.New(budget.Limits{Messages: 10, MessageBurst: 20, Items: 100, ItemBurst: 1000})
	now := time.Now()
	for i := range 20 {
		ok, _ := b.TakeMessage("ana", now)
		assert.True(t, ok, "message %d of the burst", i)
	}
	ok, wait := b.TakeMessage("ana", now)
	assert.False(t, ok, "past the burst")
	assert.InDelta(t, 100*time.Millisecond, wait, float64(5*time.Millisecond), "one message every 100 ms")
	ok, _ = b.TakeMessage("bob", now)
	assert.True(t, ok, "another user has a budget of its own")
	ok, _ = b.TakeMessage("ana", now.Add(100*time.Millisecond))
	assert.True(t, ok, "refilled")

	ok, _ = b.TakeItems("ana", 1000, now)
	assert.True(t, ok)
	ok, wait = b.TakeItems("ana", 50, now)
	assert.False(t, ok)
	assert.InDelta(t, 500*time.Millisecond, wait, float64(5*time.Millisecond))
	ok, _ = b.TakeItems("bob", 1001, now)
	assert.False(t, ok, "never more than the burst at once")
}

func TestIdleUsersAreForgotten(t *testing.T) {
	b := budget.New(budget.Limits{Messages: 10, MessageBurst: 20, Items: 100, ItemBurst: 1000})
	now := time.Now()
	for i := range 1000 {
		b.TakeMessage(fmt.Sprint(i), now)
	}
	assert.Equal(t, 1000, b.Len())
	b.TakeMessage("late", now.Add(2*time.Minute))
	b.TakeMessage("later", now.Add(150*time.Second))
	assert.Equal(t, 2, b.Len(), "users whose buckets are full again are forgotten")
}
