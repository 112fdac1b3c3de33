package session

import "unicode"

// ValidTitle tells a title a user may give: no control characters (a
// title is one line of text).
func ValidTitle(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// CleanTitle drops the control characters of a title taken from a file.
func CleanTitle(s string) string {
	out := []rune{}
	for _, r := range s {
		if !unicode.IsControl(r) {
			out = append(out, r)
		}
	}
	return string(out)
}
