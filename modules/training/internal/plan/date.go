package plan

import (
	"fmt"
	"time"
)

// Date is a calendar day in the user's time zone (no time of day, no zone):
// plans are laid on days, and a day is the same day whatever the clocks do
// (a daylight-saving change makes a day 23 or 25 hours long, not a
// different day). The zero Date is "no date".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf is the day on which t falls in loc (UTC when loc is nil).
func DateOf(t time.Time, loc *time.Location) Date {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// ParseDate reads a date written YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("parse date %q: %w", s, err)
	}
	return DateOf(t, time.UTC), nil
}

// utc is the day's midnight in UTC: calendar arithmetic only.
func (d Date) utc() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// String is the date as YYYY-MM-DD.
func (d Date) String() string { return d.utc().Format(time.DateOnly) }

// AddDays is the date n days later (earlier when n < 0).
func (d Date) AddDays(n int) Date { return DateOf(d.utc().AddDate(0, 0, n), time.UTC) }

// DaysSince is the number of days from e to d (negative when d is before e).
func (d Date) DaysSince(e Date) int { return int(d.utc().Sub(e.utc()).Hours() / 24) }

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.DaysSince(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.DaysSince(e) > 0 }

// Weekday is the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.utc().Weekday() }

// Monday is the first day of d's ISO week (ISO 8601: weeks start on Monday).
func (d Date) Monday() Date { return d.AddDays(-isoDay(d.Weekday())) }

// ISOWeek is d's ISO 8601 year and week number.
func (d Date) ISOWeek() (year, week int) { return d.utc().ISOWeek() }

// In is the start of day d in loc: midnight, or the first instant of the day
// when a daylight-saving change skips midnight.
func (d Date) In(loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	t := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
	if DateOf(t, loc) != d { // midnight did not exist (a zone that springs forward at 00:00)
		t = time.Date(d.Year, d.Month, d.Day, 1, 0, 0, 0, loc)
	}
	return t
}

// isoDay is w's place in an ISO week: Monday 0 … Sunday 6.
func isoDay(w time.Weekday) int { return (int(w) + 6) % 7 }
