package plancal

import (
	"bytes"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/modules/training/internal/plan"
)

func halfPlan(t *testing.T) plan.Plan {
	loc, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	race, _ := plan.ParseDate("2026-06-14")
	today, _ := plan.ParseDate("2026-03-02")
	req := plan.Request{Sport: "run", Goal: plan.Goal{Kind: plan.GoalRace, Distance: plan.RaceHalf, Date: race},
		Schedule: plan.Schedule{Days: []time.Weekday{time.Tuesday, time.Wednesday, time.Thursday, time.Saturday, time.Sunday}, MaxMinutes: 120}}
	p, err := plan.Build(req, plan.Athlete{VDOT: 45, WeeklyMinutes: 200, LongestMinutes: 75, MaxHR: 190, RestingHR: 50}, today, loc)
	require.NoError(t, err)
	return p
}

// TestWriteParsesInAnotherLibrary writes a plan and reads it back with
// emersion/go-ical (a parser apart from the writer): every workout is an
// all-day event on its day, with a unique UID and a DTSTAMP, and the text
// survives escaping and folding.
func TestWriteParsesInAnotherLibrary(t *testing.T) {
	p := halfPlan(t)
	stamp := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, p, "plan-42", stamp))
	raw := buf.String()

	// RFC 5545 §3.1: lines end with CRLF and are at most 75 octets.
	require.True(t, strings.HasSuffix(raw, "END:VCALENDAR\r\n"))
	assert.NotContains(t, strings.ReplaceAll(raw, "\r\n", ""), "\n", "bare LF")
	folded := 0
	for _, line := range strings.Split(strings.TrimSuffix(raw, "\r\n"), "\r\n") {
		assert.LessOrEqual(t, len(line), 75, line)
		if strings.HasPrefix(line, " ") {
			folded++
		}
	}
	assert.Positive(t, folded, "some long descriptions are folded")

	cal, err := goical.NewDecoder(strings.NewReader(raw)).Decode()
	require.NoError(t, err)
	assert.Equal(t, "2.0", cal.Props.Get(goical.PropVersion).Value)
	assert.NotEmpty(t, cal.Props.Get(goical.PropProductID).Value)

	var want []plan.Workout
	for _, x := range p.Workouts() {
		if x.Kind != plan.KindRest {
			want = append(want, x)
		}
	}
	events := cal.Events()
	require.Len(t, events, len(want))
	uids := map[string]bool{}
	for i, e := range events {
		x := want[i]
		uid, err := e.Props.Text(goical.PropUID)
		require.NoError(t, err)
		assert.Equal(t, "plan-42/"+x.ID+"@athlos", uid)
		assert.False(t, uids[uid], "UID %s twice", uid)
		uids[uid] = true

		ds, err := e.Props.DateTime(goical.PropDateTimeStamp, time.UTC)
		require.NoError(t, err)
		assert.True(t, ds.Equal(stamp))

		start := e.Props.Get(goical.PropDateTimeStart)
		require.NotNil(t, start)
		assert.Equal(t, goical.ValueDate, start.ValueType(), x.ID)
		assert.Equal(t, strings.ReplaceAll(x.Date.String(), "-", ""), start.Value)
		end := e.Props.Get(goical.PropDateTimeEnd)
		assert.Equal(t, strings.ReplaceAll(x.Date.AddDays(1).String(), "-", ""), end.Value)

		sum, err := e.Props.Text(goical.PropSummary)
		require.NoError(t, err)
		assert.Equal(t, summary(x), sum)
		desc, err := e.Props.Text(goical.PropDescription)
		require.NoError(t, err)
		assert.Equal(t, description(x), desc)
		cat, err := e.Props.Text(goical.PropCategories)
		require.NoError(t, err)
		assert.Equal(t, string(x.Kind), cat)
	}
	// The race's summary has a comma (escaped as "\,"), and the descriptions
	// have non-ASCII text and newlines: they came back as written above.
	assert.Contains(t, raw, `\,`)
	assert.Contains(t, raw, `\n`)
	assert.Equal(t, plan.KindRace, want[len(want)-1].Kind)

	// The other library also accepts it as valid to write again (it checks
	// the required and single properties of RFC 5545).
	require.NoError(t, goical.NewEncoder(&bytes.Buffer{}).Encode(cal))
}
