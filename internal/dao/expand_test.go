package dao

import (
	"slices"
	"strings"
	"testing"
	"unicode"
)

// Consecutive releases run on one schema: during a SIGHUP upgrade or a rolling update the
// old code serves beside the new on the migrated database, and a rollback returns to the
// old code without undoing any migration. So within a release migrations only add (expand);
// a step that drops or renames a table or column, or changes a column's type, must be
// marked a contract step and ship at least one release after the code stopped using what
// it removes.
func TestMigrationsAreExpandOnly(t *testing.T) {
	t.Parallel()
	for _, m := range migrations {
		var removes []string
		for _, stmt := range append(append([]string{}, m.mysql...), m.sqlite...) {
			if what := removal(stmt); what != "" && !slices.Contains(removes, what) {
				removes = append(removes, what)
			}
		}
		switch {
		case len(removes) > 0 && m.contract == 0:
			t.Errorf("migration %d (release %d) does %s: not expand-only; add columns or tables instead, or mark it a contract step (contract: the release whose code stopped using what it removes)",
				m.version, m.release, strings.Join(removes, ", "))
		case len(removes) > 0 && m.contract >= m.release:
			t.Errorf("migration %d does %s in release %d, but the code stopped using it only in release %d: the contract step must ship at least one release later, so a rollback to the release before finds what it uses",
				m.version, strings.Join(removes, ", "), m.release, m.contract)
		case len(removes) == 0 && m.contract != 0:
			t.Errorf("migration %d is marked a contract step but drops or renames nothing", m.version)
		}
	}
}

// Every migration names its release: from 1, never going back, none past currentRelease.
func TestMigrationsNameTheirRelease(t *testing.T) {
	t.Parallel()
	last := 1
	for _, m := range migrations {
		if m.release < last || m.release > currentRelease {
			t.Errorf("migration %d: release %d, want %d to %d (currentRelease)", m.version, m.release, last, currentRelease)
		}
		last = max(last, m.release)
	}
}

// The check reads each statement's words, not its string literals.
func TestRemovalFindsDropsAndRenames(t *testing.T) {
	t.Parallel()
	tests := []struct{ stmt, want string }{
		{"ALTER TABLE `blog_tag` DROP COLUMN state", "DROP COLUMN"},
		{"ALTER TABLE `blog_tag` DROP state", "DROP STATE"}, // MySQL's COLUMN is optional
		{"alter table blog_tag drop column if exists state", "DROP COLUMN"},
		{"DROP TABLE IF EXISTS blog_tag", "DROP TABLE"},
		{"ALTER TABLE blog_tag RENAME TO blog_label", "RENAME TO"},
		{"RENAME TABLE blog_tag TO blog_label", "RENAME TABLE"},
		{"ALTER TABLE blog_tag RENAME COLUMN name TO title", "RENAME COLUMN"},
		{"ALTER TABLE blog_tag CHANGE name title VARCHAR(100)", "CHANGE NAME"},
		{"ALTER TABLE blog_tag MODIFY COLUMN name VARCHAR(50)", "MODIFY COLUMN"},
		{"ALTER TABLE blog_tag ADD COLUMN note TEXT", ""},
		{"CREATE TABLE IF NOT EXISTS blog_note (id INTEGER)", ""},
		{"DROP INDEX IF EXISTS idx_blog_tag_is_del", ""},
		{"ALTER TABLE `blog_tag` DROP INDEX idx_blog_tag_is_del", ""},
		{"DROP TRIGGER IF EXISTS blog_tag_count_update", ""},
		{"ALTER TABLE blog_tag RENAME INDEX a TO b", ""},
		{"ALTER TABLE blog_tag ALTER COLUMN state DROP DEFAULT", ""},
		{"UPDATE blog_tag SET modified_by = 'DROP TABLE blog_tag'", ""},
		{"UPDATE blog_tag SET name = 'it''s', modified_by = 'rename to'", ""},
	}
	for _, tt := range tests {
		if got := removal(tt.stmt); got != tt.want {
			t.Errorf("removal(%q) = %q, want %q", tt.stmt, got, tt.want)
		}
	}
}

// removal names what stmt drops, renames or retypes ("DROP COLUMN", "RENAME TO", "MODIFY
// COLUMN"), or returns "" for a statement that only adds. Indexes and constraints may go:
// no query needs them to run; so may a trigger, which no release's code calls (migration 6
// replaces one under the same table locks). A type change counts whether it widens or narrows, since
// the words cannot tell: add a column of the new type instead.
func removal(stmt string) string {
	words := sqlWords(stmt)
	next := func(i int) string {
		if i+1 < len(words) {
			return words[i+1]
		}
		return ""
	}
	for i, w := range words {
		switch w {
		case "DROP":
			switch next(i) {
			case "INDEX", "KEY", "DEFAULT", "CONSTRAINT", "CHECK", "FOREIGN", "PRIMARY", "TRIGGER":
				continue
			}
			return "DROP " + next(i)
		case "RENAME":
			if n := next(i); n != "INDEX" && n != "KEY" {
				return "RENAME " + n
			}
		case "CHANGE", "MODIFY":
			return w + " " + next(i)
		}
	}
	return ""
}

// sqlWords splits a statement into upper-case words. String literals ('...') are left
// out; quotes around names (`name`, "name") and punctuation separate words.
func sqlWords(stmt string) []string {
	var words []string
	var word strings.Builder
	flush := func() {
		if word.Len() > 0 {
			words = append(words, word.String())
			word.Reset()
		}
	}
	inString := false
	for _, r := range stmt {
		switch {
		case inString:
			inString = r != '\'' // '' inside a literal ends it and starts another: still inside
		case r == '\'':
			flush()
			inString = true
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_':
			word.WriteRune(unicode.ToUpper(r))
		default:
			flush()
		}
	}
	flush()
	return words
}
