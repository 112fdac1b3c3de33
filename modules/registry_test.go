package modules_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/athlos/athlos/migrations"
	"github.com/athlos/athlos/modules"
)

// The registry is the one list of modules: every module that owns data
// has its migrations folder, and every folder belongs to such a module.
func TestRegistryMatchesTheMigrations(t *testing.T) {
	folders := migrations.Modules()
	assert.Equal(t, migrations.Platform, folders[0])
	data := modules.DataModules()
	slices.Sort(data)
	assert.Equal(t, data, folders[1:])
	assert.Equal(t, "gateway", modules.Names()[len(modules.Names())-1], "the front starts last")
}
