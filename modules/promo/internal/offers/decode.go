package offers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"

	"github.com/athlos/athlos/internal/kit/fielderr"
	"github.com/athlos/athlos/modules/promo/api"
)

// TargetingRules are the targeting keys an offer may use (api.Targeting).
var TargetingRules = []string{"countries", "languages", "sports", "age", "sessions_per_week", "new_users", "gear", "challenges"}

// HealthRefusal is the reason a targeting rule naming health data is
// refused with.
const HealthRefusal = "health-derived targeting is refused: heart rate, weight, BMI, training load, fitness, fatigue, " +
	"HR zones, resting HR, VO2max, FTP, sleep and anything computed from them are health data, and the Digital " +
	"Services Act, Art. 26(3), forbids presenting ads based on profiling with special categories of personal data " +
	"(GDPR Art. 9)"

// HealthError is the error of a targeting rule that names health data.
type HealthError struct {
	// Field is the rule's path, e.g. targeting.heart_rate.
	Field string
}

func (e *HealthError) Error() string { return e.Field + ": " + HealthRefusal }

// healthWords are the (lower case, letters and digits only) words that
// make a targeting key health-derived wherever they appear in it.
var healthWords = []string{
	"heart", "pulse", "weight", "bmi", "bodymass", "bodyfat", "fatpercent", "trainingload", "load", "fitness",
	"fatigue", "trimp", "vo2", "ftp", "threshold", "sleep", "hrv", "restinghr", "maxhr", "hrmax", "hrzone",
	"bloodpressure", "glucose", "stress", "menstrua", "pregnan", "injur", "medical", "health", "disease",
	"calorie", "kcal", "height", "spo2", "oxygen", "lactate", "recovery", "readiness", "cardio", "bpm",
	"respirat", "temperature", "waist", "diet",
}

// healthTokens are words that make a key health-derived when they are a
// whole part of it (separated by _ - . or a change of case): hr_zone,
// maxHR, form, tsb …
var healthTokens = []string{"hr", "form", "tsb", "ctl", "atl", "zone", "zones", "fat", "rhr", "vo2max", "bp", "ef"}

// IsHealthKey reports whether a targeting key names health data (or
// something computed from it).
func IsHealthKey(key string) bool {
	var norm strings.Builder
	for _, r := range strings.ToLower(key) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			norm.WriteRune(r)
		}
	}
	n := norm.String()
	for _, w := range healthWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	if strings.HasPrefix(n, "hr") || strings.HasSuffix(n, "hr") {
		return true
	}
	return slices.ContainsFunc(tokens(key), func(t string) bool { return slices.Contains(healthTokens, t) })
}

// tokens splits a key at separators and case changes, lower case.
func tokens(key string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, strings.ToLower(cur.String()))
			cur.Reset()
		}
	}
	prevLower := false
	for _, r := range key {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
			prevLower = false
			continue
		case unicode.IsUpper(r) && prevLower:
			flush()
		}
		cur.WriteRune(r)
		prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
	}
	flush()
	return out
}

// Decode reads an offer definition as an admin sent it, strictly: unknown
// fields are refused, a targeting key naming health data with a
// HealthError, anything else malformed with a fielderr.Error. It does not
// validate the values (Validate does).
func Decode(raw []byte) (api.OfferDefinition, error) {
	var def api.OfferDefinition
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil || top == nil {
		return def, fielderr.New("", "must be a JSON object")
	}
	if t, ok := top["targeting"]; ok && !bytes.Equal(bytes.TrimSpace(t), []byte("null")) {
		if err := checkTargetingKeys(t); err != nil {
			return def, err
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&def); err != nil {
		return def, decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return def, fielderr.New("", "must hold one JSON object")
	}
	return def, nil
}

// checkTargetingKeys refuses health-derived and unknown targeting keys.
func checkTargetingKeys(raw json.RawMessage) error {
	var rules map[string]json.RawMessage
	if err := json.Unmarshal(raw, &rules); err != nil {
		return fielderr.New("targeting", "must be an object of targeting rules")
	}
	keys := make([]string, 0, len(rules))
	for k := range rules {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if IsHealthKey(k) {
			return &HealthError{Field: "targeting." + k}
		}
	}
	for _, k := range keys {
		if !slices.Contains(TargetingRules, k) {
			return fielderr.New("targeting."+k, "is not a targeting rule; the rules are %s", strings.Join(TargetingRules, ", "))
		}
	}
	return nil
}

// decodeError names the field a JSON decoding error is about.
func decodeError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "(root)"
		}
		return fielderr.New(field, "must be %s, not %s", jsonType(te.Type.Kind().String()), te.Value)
	case errors.As(err, &se):
		return fielderr.New("", "is not valid JSON (at byte %d)", se.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return fielderr.New(name, "is not a field of an offer")
	case strings.Contains(err.Error(), "parsing time"):
		return fielderr.New("", "a time is not RFC 3339: %v", err)
	}
	return fielderr.New("", "%v", fmt.Errorf("malformed: %w", err))
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "int", "int64", "int32", "float64":
		return "a number"
	case "bool":
		return "a boolean"
	case "slice":
		return "an array"
	case "map", "struct", "ptr":
		return "an object"
	}
	return "of another type"
}
