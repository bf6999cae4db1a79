package dao

import (
	"strings"
	"testing"
	"testing/fstest"
)

// The embedded files load: numbered from 1, both dialects, each with a name and a release.
func TestMigrationFilesLoad(t *testing.T) {
	if len(migrations) < 3 {
		t.Fatalf("%d migrations loaded", len(migrations))
	}
	for i, m := range migrations {
		if m.version != i+1 || len(m.mysql) == 0 || len(m.sqlite) == 0 || m.name == "" {
			t.Errorf("migration %d: %+v", i+1, m)
		}
	}
}

// A malformed migration file is refused with its name and the problem.
func TestMigrationFilesAreChecked(t *testing.T) {
	good := "-- name: create t\n-- release: 1\n\nCREATE TABLE t (id INT);\n"
	for _, tt := range []struct {
		name          string
		mysql, sqlite map[string]string
		want          string
	}{
		{"no header", map[string]string{"0001_t.sql": "CREATE TABLE t (id INT);\n"}, map[string]string{"0001_t.sql": good}, "header needs a name"},
		{"no number", map[string]string{"t.sql": good}, map[string]string{"t.sql": good}, "must start with its number"},
		{"unterminated", map[string]string{"0001_t.sql": "-- name: create t\n-- release: 1\n\nCREATE TABLE t (id INT)\n"}, map[string]string{"0001_t.sql": good}, "does not end with ;"},
		{"headers differ", map[string]string{"0001_t.sql": good}, map[string]string{"0001_t.sql": strings.Replace(good, "create t", "create u", 1)}, "headers differ"},
		{"one dialect short", map[string]string{"0001_t.sql": good, "0002_u.sql": good}, map[string]string{"0001_t.sql": good}, "2 for mysql, 1 for sqlite"},
		{"a gap", map[string]string{"0002_t.sql": good}, map[string]string{"0002_t.sql": good}, "number 1"},
		{"unknown header", map[string]string{"0001_t.sql": "-- name: t\n-- release: 1\n-- owner: me\n\nSELECT 1;\n"}, map[string]string{"0001_t.sql": good}, "unknown header"},
	} {
		fsys := fstest.MapFS{}
		for dialect, files := range map[string]map[string]string{"mysql": tt.mysql, "sqlite": tt.sqlite} {
			for name, text := range files {
				fsys["migrations/"+dialect+"/"+name] = &fstest.MapFile{Data: []byte(text)}
			}
		}
		if _, err := loadMigrations(fsys); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error saying %q", tt.name, err, tt.want)
		}
	}
}

// A trigger's body holds ";": between "-- statement begin" and "-- statement end" the lines
// are one statement.
func TestMigrationStatementBlock(t *testing.T) {
	text := "-- name: t\n-- release: 1\n\nCREATE TABLE t (id INT);\n\n-- statement begin\n" +
		"CREATE TRIGGER t_ai AFTER INSERT ON t\nBEGIN\n  INSERT INTO u VALUES (1);\n  -- a comment\n  INSERT INTO u VALUES (2);\nEND;\n" +
		"-- statement end\n\nDROP INDEX IF EXISTS i;\n"
	m, err := parseMigration("0001_t.sql", text)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"CREATE TABLE t (id INT)",
		"CREATE TRIGGER t_ai AFTER INSERT ON t\nBEGIN\n  INSERT INTO u VALUES (1);\n  INSERT INTO u VALUES (2);\nEND",
		"DROP INDEX IF EXISTS i",
	}
	if strings.Join(m.sqlite, "|") != strings.Join(want, "|") {
		t.Errorf("statements %q, want %q", m.sqlite, want)
	}
	for _, bad := range []string{
		"-- name: t\n-- release: 1\n\n-- statement begin\nCREATE TRIGGER x;\n",
		"-- name: t\n-- release: 1\n\nSELECT 1;\n-- statement end\n",
		"-- name: t\n-- release: 1\n\nSELECT 1\n-- statement begin\nSELECT 2;\n-- statement end\n",
	} {
		if _, err := parseMigration("0001_t.sql", bad); err == nil {
			t.Errorf("parseMigration(%q) = nil error, want one", bad)
		}
	}
}
