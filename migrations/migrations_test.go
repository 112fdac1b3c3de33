package migrations

import (
	"io/fs"
	"strings"
	"testing"
)

func TestModulesOrder(t *testing.T) {
	got := Modules()
	want := []string{"platform", "client", "gamification", "promo", "social", "training"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("Modules() = %v, want %v", got, want)
	}
	got[0] = "changed"
	if Modules()[0] != Platform {
		t.Fatal("Modules() must return a fresh slice")
	}
}

func TestEveryModuleHasAnnotatedMigrations(t *testing.T) {
	for _, m := range Modules() {
		entries, err := fs.ReadDir(FS, m)
		if err != nil {
			t.Fatalf("module %s: %v", m, err)
		}
		if len(entries) == 0 {
			t.Fatalf("module %s has no migrations", m)
		}
		for _, e := range entries {
			b, err := fs.ReadFile(FS, m+"/"+e.Name())
			if err != nil {
				t.Fatal(err)
			}
			s := string(b)
			if !strings.Contains(s, "-- +goose Up") || !strings.Contains(s, "-- +goose Down") {
				t.Errorf("%s/%s lacks goose Up/Down annotations", m, e.Name())
			}
		}
	}
}

func TestModuleBaseMigrations(t *testing.T) {
	for _, m := range Modules()[1:] {
		b, err := fs.ReadFile(FS, m+"/00001_"+m+"_base.sql")
		if err != nil {
			t.Fatalf("module %s: %v", m, err)
		}
		s := string(b)
		for _, want := range []string{
			"CREATE SCHEMA " + m + ";",
			"CREATE TABLE " + m + ".outbox (",
			"CREATE TABLE " + m + ".processed_messages (",
			"pg_notify('" + m + "_outbox', '')",
			"AFTER INSERT ON " + m + ".outbox",
			"FOR EACH STATEMENT EXECUTE FUNCTION " + m + ".notify_outbox()",
		} {
			if !strings.Contains(s, want) {
				t.Errorf("%s base migration lacks %q", m, want)
			}
		}
	}
}
