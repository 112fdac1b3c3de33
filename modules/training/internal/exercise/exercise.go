// Package exercise holds the rules of the exercise catalogue and of a
// session's exercises: the muscle groups and equipment an exercise names,
// a user's own exercise, and the bounds of a session's list of exercises
// and sets. The figures of the sets (volume, estimated 1RM) are package
// strength's. It has no SQL, NATS or fx in it.
package exercise

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/athlos/athlos/internal/kit/fielderr"
)

// MuscleGroups are the muscle groups an exercise may work.
func MuscleGroups() []string {
	return []string{"chest", "back", "lower_back", "shoulders", "biceps", "triceps", "forearms", "core", "glutes",
		"quadriceps", "hamstrings", "adductors", "calves", "hip_flexors", "full_body"}
}

// Equipment is what an exercise may be done with.
func Equipment() []string {
	return []string{"barbell", "dumbbell", "kettlebell", "machine", "cable", "bodyweight", "band", "medicine_ball", "other"}
}

// Bounds of the catalogue and of a session's exercises.
const (
	MaxNameRunes    = 100
	MaxMuscleGroups = 6
	// MaxOwn is how many exercises of their own a user may keep.
	MaxOwn = 500
	// MaxPerSession and MaxSetsPerExercise bound a session's list.
	MaxPerSession      = 50
	MaxSetsPerExercise = 100
	MaxNotesRunes      = 1000
	// MaxRestS is the longest rest after a set, an hour.
	MaxRestS = 3600
)

// Exercise is an exercise of the catalogue, or a user's own.
type Exercise struct {
	Name         string
	MuscleGroups []string
	Equipment    string
}

// Validate checks an exercise; the error is a *fielderr.Error naming the
// field (name, muscle_groups[i], equipment).
func (e Exercise) Validate() error {
	name := strings.TrimSpace(e.Name)
	switch {
	case name == "":
		return fielderr.New("name", "is required")
	case utf8.RuneCountInString(name) > MaxNameRunes:
		return fielderr.New("name", "at most %d characters", MaxNameRunes)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return fielderr.New("name", "must not contain control characters")
	case len(e.MuscleGroups) == 0:
		return fielderr.New("muscle_groups", "name at least one")
	case len(e.MuscleGroups) > MaxMuscleGroups:
		return fielderr.New("muscle_groups", "at most %d", MaxMuscleGroups)
	case !slices.Contains(Equipment(), e.Equipment):
		return fielderr.New("equipment", "must be one of %s", strings.Join(Equipment(), ", "))
	}
	for i, m := range e.MuscleGroups {
		if !slices.Contains(MuscleGroups(), m) {
			return fielderr.New("muscle_groups["+strconv.Itoa(i)+"]", "must be one of %s", strings.Join(MuscleGroups(), ", "))
		}
		if slices.Index(e.MuscleGroups, m) < i {
			return fielderr.New("muscle_groups["+strconv.Itoa(i)+"]", "is named twice")
		}
	}
	return nil
}

// Done is one exercise of a session: which (its catalogue id), notes, and
// the rest after each set, seconds (nil: unknown; the sets' other figures
// are strength.Set's and checked there).
type Done struct {
	Notes string
	Rests []*float64
}

// ValidateList checks the bounds of a session's list: how many exercises,
// sets per exercise, notes and rests; the error is a *fielderr.Error
// naming the field (exercises, exercises[i].sets, exercises[i].notes,
// exercises[i].sets[j].rest_s).
func ValidateList(list []Done) error {
	if len(list) > MaxPerSession {
		return fielderr.New("exercises", "at most %d", MaxPerSession)
	}
	for i, d := range list {
		at := "exercises[" + strconv.Itoa(i) + "]"
		switch {
		case len(d.Rests) > MaxSetsPerExercise:
			return fielderr.New(at+".sets", "at most %d", MaxSetsPerExercise)
		case utf8.RuneCountInString(d.Notes) > MaxNotesRunes:
			return fielderr.New(at+".notes", "at most %d characters", MaxNotesRunes)
		}
		for j, r := range d.Rests {
			if r != nil && (math.IsNaN(*r) || *r < 0 || *r > MaxRestS) {
				return fielderr.New(at+".sets["+strconv.Itoa(j)+"].rest_s", "must be between 0 and %d s", MaxRestS)
			}
		}
	}
	return nil
}
