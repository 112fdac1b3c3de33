// Package plan builds individual, periodised training plans and adapts them
// to what the user actually does. It is plain Go (the standard library and
// internal/kit): the service stores plans, reads sessions and answers the
// API; this package decides.
//
//   - Build lays out a plan for a goal (a race on a date with an optional
//     target time, a weekly volume, or general fitness), the user's health
//     (resting heart rate, limitations, how they feel) and schedule
//     (available days, most minutes a day, long-session day), from the
//     athlete's current state (VDOT, heart-rate zones, recent weekly volume,
//     longest recent session: all optional inputs computed by the caller).
//     Weeks are ISO weeks (Monday first) of calendar days in the user's zone.
//   - An unsafe goal is an *InfeasibleError: why (its key says what fixes
//     it: the target time, time, the schedule, both, or only a smaller
//     goal) and options that work: a later date, a shorter race, a slower
//     target, more weeks, a lower weekly volume, more minutes or days, or
//     several of them together when no single one does (infeasible.go).
//     Every option is checked with the test the request failed (the target
//     time and the build-up), so the plan it gives keeps every safety rule;
//     invalid input is a *fielderr.Error naming the field.
//   - Match pairs finished sessions with planned workouts and gives each
//     week's adherence; Adapt reshapes the remaining weeks after missed
//     workouts or a load spike, Reschedule re-plans from today for a new
//     schedule; each change comes with an Explanation (a message key and
//     its parameters).
//
// # Safety rules and their sources
//
// Every plan keeps these rules (rules.go; the tests check every plan they
// build against all of them with a checker written apart from the
// generator, safety_test.go):
//
//   - No session of the plan's sport longer than 1.10 × the longest of the
//     30 days before it (Garmin-RUNSAFE: Frandsen et al. 2025, Br J Sports
//     Med; injury rate ratio 1.64 for a run 10–30 % longer than the longest
//     of the previous 30 days, 2.28 above +100 %).
//   - No week above 1.10 × the largest of the four weeks before it (Nielsen
//     et al. 2014, J Orthop Sports Phys Ther 44(10):739–747: novice runners
//     progressing by more than 30 % over two weeks had more distance-related
//     injuries than those below 10 %; a conservative guard, since
//     Garmin-RUNSAFE found no signal in weekly ratios).
//   - A lighter week (75 % of the week before) after every three loading
//     weeks, every two for a user with a limitation or who feels tired or
//     sore (3:1 and 2:1 loading, Bompa & Haff, "Periodization", 2009).
//   - Per session, after Daniels' Running Formula (3rd ed., 2014, ch. 4):
//     threshold work ≤ 10 % of the week's volume, interval work ≤ 8 %, the
//     long session ≤ 25 % of the week (up to 30 % for weeks under five
//     hours, at most 90 minutes then) and ≤ 150 minutes.
//   - Races: base, build, peak and taper phases sized by the race distance
//     (Daniels' four phases); a taper of about two weeks cutting volume by
//     40–60 % while keeping intensity and frequency (Bosquet et al. 2007,
//     Med Sci Sports Exerc 39(8):1358–1365, meta-analysis), no hard work in
//     the two days before the race.
//   - A target time needing more than one VDOT point per four weeks of
//     training is out of reach (Daniels: raise VDOT by about one point after
//     four to six weeks).
//   - Workouts last at least 20 minutes (ACSM's Guidelines, 11th ed.: 20–60
//     minutes of continuous aerobic exercise) and fit the day's maximum.
//   - General fitness: 150–300 minutes a week and strength on two days
//     (WHO 2020 guidelines, Bull et al. 2020, Br J Sports Med).
//
// Paces come from the athlete's VDOT with the Daniels–Gilbert equations
// (daniels.go: a small copy to be unified with the analytics' VDOT model);
// heart rates from the athlete's zones, else the heart-rate reserve
// (Karvonen; Swain & Leutholtz 1997), else Daniels' fractions of HRmax.
package plan
