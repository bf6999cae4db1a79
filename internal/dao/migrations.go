package dao

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// currentRelease numbers the release being made, counted from the first with versioned
// migrations (release 1 ended at the commit in .ci/previous-release). A migration added now
// carries it; raise it by one when a release ships, and record that release's commit in
// .ci/previous-release.
const currentRelease = 2

// The schema's history is migrations/<dialect>/NNNN_name.sql, one file per migration and
// dialect (mysql, sqlite), numbered from 0001. Append; never edit one that has shipped.
// Each file starts with a header of "-- key: value" lines (name, release, and when set,
// contract and report; see migration) and holds statements ending with ";" at the end of a
// line; other "--" lines are comments. A statement with ";" inside (a trigger's body) goes
// between the lines "-- statement begin" and "-- statement end", as goose marks them. Both
// dialects have the same numbers and headers.
//
//go:embed migrations
var migrationFiles embed.FS

// migrations is the schema's history, oldest first, read from migrationFiles. Within a
// release they only add; a drop or rename is a contract step (see migration.contract).
var migrations = mustLoadMigrations(migrationFiles)

func mustLoadMigrations(fsys fs.FS) []migration {
	list, err := loadMigrations(fsys)
	if err != nil {
		panic(err) // the files are embedded: a bad one fails every test at once
	}
	return list
}

// loadMigrations reads both dialects' files and pairs them by number.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	mysql, err := loadDialect(fsys, "mysql")
	if err != nil {
		return nil, err
	}
	sqlite, err := loadDialect(fsys, "sqlite")
	if err != nil {
		return nil, err
	}
	if len(mysql) != len(sqlite) {
		return nil, fmt.Errorf("migrations: %d for mysql, %d for sqlite", len(mysql), len(sqlite))
	}
	for i := range mysql {
		m, s := mysql[i], sqlite[i]
		if m.version != i+1 || s.version != i+1 {
			return nil, fmt.Errorf("migrations: number %d is %d for mysql and %d for sqlite", i+1, m.version, s.version)
		}
		if m.name != s.name || m.release != s.release || m.contract != s.contract || m.report != s.report {
			return nil, fmt.Errorf("migration %d: the mysql and sqlite headers differ", m.version)
		}
		mysql[i].sqlite = s.sqlite
	}
	return mysql, nil
}

// loadDialect reads migrations/<dialect>/*.sql in file-name order.
func loadDialect(fsys fs.FS, dialect string) ([]migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var list []migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		m, err := parseMigration(e.Name(), string(b))
		if err != nil {
			return nil, fmt.Errorf("%s/%s: %w", dir, e.Name(), err)
		}
		if dialect == "mysql" {
			m.mysql, m.sqlite = m.sqlite, nil
		}
		list = append(list, m)
	}
	return list, nil
}

// parseMigration reads one file: its number from the name, its header, its statements
// (into m.sqlite; the caller moves them for mysql).
func parseMigration(name, text string) (migration, error) {
	var m migration
	num, _, _ := strings.Cut(name, "_")
	v, err := strconv.Atoi(num)
	if err != nil || v < 1 {
		return m, fmt.Errorf("the name must start with its number, like 0001_")
	}
	m.version = v
	var stmt strings.Builder
	header, block := true, false
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if key, val, ok := strings.Cut(strings.TrimPrefix(trimmed, "-- "), ": "); header && strings.HasPrefix(trimmed, "-- ") && ok {
			switch key {
			case "name":
				m.name = val
			case "release":
				m.release, err = strconv.Atoi(val)
			case "contract":
				m.contract, err = strconv.Atoi(val)
			case "report":
				m.report = val
			default:
				err = fmt.Errorf("unknown header %q", key)
			}
			if err != nil {
				return m, err
			}
			continue
		}
		header = false
		switch {
		case trimmed == "-- statement begin" && !block && stmt.Len() == 0:
			block = true
			continue
		case trimmed == "-- statement end" && block && stmt.Len() > 0:
			block = false
			m.sqlite = append(m.sqlite, strings.TrimSuffix(strings.TrimSpace(stmt.String()), ";"))
			stmt.Reset()
			continue
		case trimmed == "-- statement begin" || trimmed == "-- statement end":
			return m, fmt.Errorf("%q out of place", trimmed)
		case trimmed == "" || strings.HasPrefix(trimmed, "--"):
			continue
		default:
			stmt.WriteString(line)
			stmt.WriteString("\n")
		}
		if strings.HasSuffix(trimmed, ";") && !block {
			m.sqlite = append(m.sqlite, strings.TrimSuffix(strings.TrimSpace(stmt.String()), ";"))
			stmt.Reset()
		}
	}
	switch {
	case block:
		return m, fmt.Errorf(`"-- statement begin" without its end`)
	case strings.TrimSpace(stmt.String()) != "":
		return m, fmt.Errorf("a statement does not end with ;")
	case m.name == "" || m.release == 0:
		return m, fmt.Errorf("the header needs a name and a release")
	case len(m.sqlite) == 0:
		return m, fmt.Errorf("no statements")
	}
	return m, nil
}
