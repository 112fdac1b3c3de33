package throttle

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestAccountIPLockGrowsAndIsCapped(t *testing.T) {
	now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	var s State
	for i := 0; i < 4; i++ {
		s = AccountIP.Fail(s, now)
		assert.Zero(t, s.Locked(now), "failure %d locks nothing yet", i+1)
	}
	s = AccountIP.Fail(s, now)
	assert.Equal(t, time.Minute, s.Locked(now), "the fifth failure locks for a minute")
	s = AccountIP.Fail(s, now)
	assert.Equal(t, 2*time.Minute, s.Locked(now))
	for i := 0; i < 10; i++ {
		s = AccountIP.Fail(s, now)
	}
	assert.Equal(t, 15*time.Minute, s.Locked(now), "never more than 15 minutes")
	assert.Zero(t, s.Locked(now.Add(15*time.Minute)))
}

func TestWindowSlides(t *testing.T) {
	now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	var s State
	for i := 0; i < 4; i++ {
		s = AccountIP.Fail(s, now)
	}
	later := now.Add(16 * time.Minute)
	s = AccountIP.Fail(s, later)
	assert.Equal(t, 1, s.Failures, "old failures leave the window")
	assert.Zero(t, s.Locked(later))
}

func TestStrangersCannotLockAnAccountForLong(t *testing.T) {
	now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	var s State
	for i := 0; i < 1000; i++ {
		s = Account.Fail(s, now)
	}
	assert.Equal(t, 5*time.Minute, s.Locked(now))
}

func TestKeys(t *testing.T) {
	k := Keys("ana@example.com", "192.0.2.1")
	assert.Equal(t, []string{"acct-ip:ana@example.com|192.0.2.1", "ip:192.0.2.1", "acct:ana@example.com"},
		[]string{k[0].Name, k[1].Name, k[2].Name})
}
