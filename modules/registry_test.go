package modules_test

import (
	"log/slog"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/athlos/athlos/bus"
	"github.com/athlos/athlos/migrations"
	"github.com/athlos/athlos/modules"
	socialapi "github.com/athlos/athlos/modules/social/api"
	trainingapi "github.com/athlos/athlos/modules/training/api"
	"github.com/athlos/athlos/platform"
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

// Every combination of modules the command line accepts (--modules, any
// non-empty subset) makes an app with every dependency it needs.
func TestEveryModuleCombinationWires(t *testing.T) {
	names := modules.Names()
	log := slog.New(slog.DiscardHandler)
	for set := 1; set < 1<<len(names); set++ {
		var run []string
		for i, n := range names {
			if set&(1<<i) != 0 {
				run = append(run, n)
			}
		}
		cfg := &platform.Config{Catalogue: modules.Catalogue(), Modules: run, DataDir: t.TempDir()}
		require.NoError(t, cfg.Validate())
		opts, err := modules.Options(run, modules.DefaultConfigs())
		require.NoError(t, err)
		assert.NoError(t, platform.ValidateApp(cfg, log, opts), "modules %v", run)
	}
	_, err := modules.Options([]string{"nope"}, modules.DefaultConfigs())
	assert.Error(t, err)
	// It does see a dependency nobody provides.
	type missing struct{}
	cfg := &platform.Config{Catalogue: modules.Catalogue(), DataDir: t.TempDir()}
	require.NoError(t, cfg.Validate())
	assert.Error(t, platform.ValidateApp(cfg, log, fx.Invoke(func(*missing) {})))
}

// The streams and the app account (bus) and the modules that own what
// travels on them (their api packages, standard library only) name the
// same subject prefixes.
func TestStreamPrefixesAgreeWithTheirOwners(t *testing.T) {
	assert.Equal(t, bus.SubjectTelemetry, trainingapi.SubjectTelemetry)
	assert.Equal(t, bus.SubjectLiveSession, trainingapi.SubjectLiveSession)
	assert.Equal(t, bus.SubjectLiveWatch, trainingapi.SubjectLiveWatch)
	assert.Equal(t, bus.SubjectNotify, socialapi.SubjectNotify)
}
