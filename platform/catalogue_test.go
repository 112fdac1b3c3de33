package platform_test

import "github.com/athlos/athlos/platform"

// catalogue stands in for the registry (package modules, which imports
// this one): the modules the tests' configurations know.
var catalogue = []platform.ModuleInfo{
	{Name: "client", OwnsData: true}, {Name: "training", OwnsData: true}, {Name: "social", OwnsData: true},
	{Name: "gamification", OwnsData: true}, {Name: "promo", OwnsData: true}, {Name: platform.Gateway},
}
