package fitness

import (
	"fmt"
	"time"
)

// Date is a calendar day, with no time zone: a day of the athlete's
// calendar. Its zero value is not a valid day.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf is the calendar day of t in loc (the athlete's IANA time zone).
func DateOf(t time.Time, loc *time.Location) Date {
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

// utc is d's midnight in UTC, where every day lasts 24 hours.
func (d Date) utc() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// AddDays is the date n days after d (before it when n < 0).
func (d Date) AddDays(n int) Date { return DateOf(d.utc().AddDate(0, 0, n), time.UTC) }

// DaysSince is the number of calendar days from e to d (negative when d is
// before e), whatever the daylight-saving changes in between.
func (d Date) DaysSince(e Date) int { return int(d.utc().Sub(e.utc()).Hours() / 24) }

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.DaysSince(e) < 0 }

// Start is the instant d begins in loc (the first instant of the day when
// a daylight-saving change skips midnight).
func (d Date) Start(loc *time.Location) time.Time {
	t := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
	if DateOf(t, loc) != d { // midnight skipped and normalised to the previous day
		t = t.Add(time.Hour)
	}
	return t
}

// Weekday is d's day of the week.
func (d Date) Weekday() time.Weekday { return d.utc().Weekday() }

// String writes d as YYYY-MM-DD.
func (d Date) String() string { return string(d.AppendText(make([]byte, 0, 10))) }

// AppendText appends d as YYYY-MM-DD (years 0 to 9999) to b: a long series
// writes thousands of dates, and fmt costs ten times as much.
func (d Date) AppendText(b []byte) []byte {
	y, m, day := d.Year, int(d.Month), d.Day
	return append(b, byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+day/10), byte('0'+day%10))
}

// MarshalText writes d as YYYY-MM-DD (so JSON has it as a string).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a date written YYYY-MM-DD.
func (d *Date) UnmarshalText(b []byte) error {
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// TimedLoad is one session's load at the instant it started.
type TimedLoad struct {
	At   time.Time
	Load float64
}

// Bucket adds loads into the calendar days of loc from first to last
// (inclusive): element i is the sum of the loads whose start falls on day
// first+i in loc. Loads outside the range are left out; days without a
// load are 0. A session belongs to the day it started on, wherever it
// ends; days are calendar days, so a 23- or 25-hour day of a
// daylight-saving change is one day.
func Bucket(loads []TimedLoad, loc *time.Location, first, last Date) []float64 {
	n := last.DaysSince(first) + 1
	if n <= 0 {
		return nil
	}
	days := make([]float64, n)
	start := first.utc()
	for _, l := range loads {
		y, m, d := l.At.In(loc).Date()
		i := int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(start) / (24 * time.Hour))
		if i >= 0 && i < n { // both are UTC midnights: whole days
			days[i] += l.Load
		}
	}
	return days
}
