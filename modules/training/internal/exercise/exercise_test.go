package exercise

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/athlos/athlos/internal/kit/fielderr"
)

func field(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var fe *fielderr.Error
	require.ErrorAs(t, err, &fe)
	return fe.Field
}

func TestValidate(t *testing.T) {
	ok := Exercise{Name: "Zercher squat", MuscleGroups: []string{"quadriceps", "core"}, Equipment: "barbell"}
	assert.NoError(t, ok.Validate())
	for want, e := range map[string]Exercise{
		"name":              {Name: "  ", MuscleGroups: []string{"core"}, Equipment: "other"},
		"name ":             {Name: strings.Repeat("x", 101), MuscleGroups: []string{"core"}, Equipment: "other"},
		"name  ":            {Name: "a\tb", MuscleGroups: []string{"core"}, Equipment: "other"},
		"muscle_groups":     {Name: "x", Equipment: "other"},
		"muscle_groups[1]":  {Name: "x", MuscleGroups: []string{"core", "ears"}, Equipment: "other"},
		"muscle_groups[1] ": {Name: "x", MuscleGroups: []string{"core", "core"}, Equipment: "other"},
		"equipment":         {Name: "x", MuscleGroups: []string{"core"}, Equipment: "sofa"},
	} {
		assert.Equal(t, strings.TrimSpace(want), field(t, e.Validate()), want)
	}
}

func TestValidateList(t *testing.T) {
	r := func(v float64) *float64 { return &v }
	assert.NoError(t, ValidateList([]Done{{Rests: []*float64{r(90), nil}}}))
	assert.Equal(t, "exercises", field(t, ValidateList(make([]Done, MaxPerSession+1))))
	assert.Equal(t, "exercises[0].sets", field(t, ValidateList([]Done{{Rests: make([]*float64, MaxSetsPerExercise+1)}})))
	assert.Equal(t, "exercises[1].sets[0].rest_s", field(t, ValidateList([]Done{{}, {Rests: []*float64{r(-1)}}})))
	assert.Equal(t, "exercises[0].notes", field(t, ValidateList([]Done{{Notes: strings.Repeat("n", 1001)}})))
}
