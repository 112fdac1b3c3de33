// Package session holds the life of a workout session: its states and the
// transitions between them. It has no SQL, NATS or fx in it.
package session

import "fmt"

// States of a session.
const (
	Active    = "active"
	Paused    = "paused"
	Finished  = "finished"
	Discarded = "discarded"
)

// Actions on a session.
const (
	Pause   = "pause"
	Resume  = "resume"
	Finish  = "finish"
	Discard = "discard"
)

// transitions: from state, by action, to state. Active ⇄ paused →
// finished | discarded; finished and discarded are final.
var transitions = map[string]map[string]string{
	Active: {Pause: Paused, Finish: Finished, Discard: Discarded},
	Paused: {Resume: Active, Finish: Finished, Discard: Discarded},
}

// IllegalTransition is the error of an action a state does not allow.
type IllegalTransition struct {
	From, Action string
}

func (e *IllegalTransition) Error() string {
	return fmt.Sprintf("a %s session cannot %s", e.From, e.Action)
}

// Next returns the state after action, or *IllegalTransition.
func Next(from, action string) (string, error) {
	to, ok := transitions[from][action]
	if !ok {
		return "", &IllegalTransition{From: from, Action: action}
	}
	return to, nil
}

// Open reports whether a session still takes points (active or paused).
func Open(state string) bool { return state == Active || state == Paused }
