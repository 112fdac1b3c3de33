// Package sport names the sports and the visibility levels that every
// module uses: sessions and plans (training), gear defaults (client),
// groups and challenges (social, gamification), targeting (promo). The
// API document lists the same values in its enums (a test checks them).
// It depends on the standard library only.
package sport

import "slices"

// Sports, in the order the app shows them.
var sports = []string{"run", "trail_run", "walk", "hike", "ride", "mountain_bike", "swim", "row", "ski", "strength", "yoga", "other"}

// All returns the sports (a new slice each time).
func All() []string { return slices.Clone(sports) }

// Valid reports whether s is one of the sports.
func Valid(s string) bool { return slices.Contains(sports, s) }

// Index is s's place in All (-1 when it is none): the order sports are
// kept in.
func Index(s string) int { return slices.Index(sports, s) }

// Visibility levels of what a user records: only the owner, the owner's
// followers (and members of the owner's groups), or anyone.
const (
	Private   = "private"
	Followers = "followers"
	Public    = "public"
)

// Visibilities returns the visibility levels, narrowest first.
func Visibilities() []string { return []string{Private, Followers, Public} }

// ValidVisibility reports whether v is a visibility level.
func ValidVisibility(v string) bool { return slices.Contains(Visibilities(), v) }
