// Package fielderr is the error the modules' domain rules return for an
// invalid input field: which field (a path such as "components[2].type")
// and why. Services turn it into a bus invalid error naming the field. It
// depends on the standard library only.
package fielderr

import "fmt"

// Error names an invalid field and why.
type Error struct {
	Field  string
	Reason string
}

func (e *Error) Error() string { return e.Field + ": " + e.Reason }

// New returns the error of field, its reason formatted.
func New(field, format string, args ...any) *Error {
	return &Error{Field: field, Reason: fmt.Sprintf(format, args...)}
}
