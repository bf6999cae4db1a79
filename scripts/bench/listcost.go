package main

import (
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The list-cost curve is measured on one database per size: blog_tag and blog_article
// hold that many rows, every article linked to one of the first ten tags, so a tag's
// articles (a tenth of them) grow with the table too. The even articles of tags 2 to 10
// are disabled (45% of all), and the last 5 of tag 1: a tag's few in a state among many
// of each, which no index served before the article's state was copied to its link.
// Tag 2's articles are all even, so none is enabled.
var listCostSizes = []int{1_000, 100_000, 1_000_000}

// listCostConns is wrk's connections for the curve: eight, as the figures in issue 12 that
// the curve answers were taken with.
const listCostConns = 8

// costTarget is one list request measured at every size; path gets the size.
type costTarget struct {
	list, page string
	path       func(n int) string
	// reference rows are printed for comparison and are not held to the 2x target.
	reference bool
}

// deep is the id a deep page continues after: half-way into the table. (Nine tenths in,
// MariaDB read the tags by their primary key and hid that its plan by (is_del, state)
// walked every entry before the id.)
func deep(n int) int { return n / 2 }

var costTargets = []costTarget{
	{"GET /api/v1/tags", "page 1", func(int) string { return "/api/v1/tags?page_size=10" }, false},
	{"GET /api/v1/tags", "deep: after_id", func(n int) string { return fmt.Sprintf("/api/v1/tags?page_size=10&after_id=%d", deep(n)) }, false},
	{"GET /api/v1/articles", "page 1", func(int) string { return "/api/v1/articles?page_size=10" }, false},
	{"GET /api/v1/articles", "deep: after_id", func(n int) string { return fmt.Sprintf("/api/v1/articles?page_size=10&after_id=%d", deep(n)) }, false},
	{"GET /api/v1/articles?tag_id=7", "page 1", func(int) string { return "/api/v1/articles?tag_id=7&page_size=10" }, false},
	{"GET /api/v1/articles?tag_id=7", "deep: after_id", func(n int) string {
		return fmt.Sprintf("/api/v1/articles?tag_id=7&page_size=10&after_id=%d", deep(n))
	}, false},
	{"GET /api/v1/articles?tag_id=1&state=0", "page 1: its 5 disabled", func(int) string { return "/api/v1/articles?tag_id=1&state=0&page_size=10" }, false},
	{"GET /api/v1/articles?tag_id=2&state=1", "page 1: none enabled", func(int) string { return "/api/v1/articles?tag_id=2&state=1&page_size=10" }, false},
	{"GET /api/v1/tags", "deepest page number", func(int) string { return deepestPage("/api/v1/tags") }, true},
	{"GET /api/v1/articles", "deepest page number", func(int) string { return deepestPage("/api/v1/articles") }, true},
}

// deepestPage is list's deepest page by number at page_size=10: page 1,001, which starts
// App.MaxPageOffset's default of 10,000 rows in (a page past it is a 400). Before that
// bound, a page half-way into a million articles took 1.3 s on SQLite, over 2 s on MariaDB.
func deepestPage(list string) string { return list + "?page_size=10&page=1001" }

// costCurve is the best p50 (and the errors) of each target at each size, and how long
// each size took to seed.
type costCurve struct {
	db     string
	rounds int
	p50    [][]time.Duration // [target][size]
	errors [][]int64
	seeded []time.Duration
}

// sizedDB is one size's empty, migrated database: the service's environment for it and
// fill, which adds the n rows of each list table.
type sizedDB struct {
	dir  string
	env  []string
	fill func(n int) error
}

// listCost seeds one database per size, starts a service on each, and runs wrk on every
// target at every size, in turns, rounds times, keeping each target's lowest p50 at each
// size. Other work on a shared machine only ever adds time, so the least disturbed turn is
// the closest to the request's own cost (on 2 cores under other engineers' tests, medians
// of 5 turns still moved one row 2-3x between runs); taking turns spreads the
// disturbance over every size alike.
func listCost(bin, db string, dbs []sizedDB, dur time.Duration, rounds int) (costCurve, error) {
	c := costCurve{db: db, rounds: rounds, p50: make([][]time.Duration, len(costTargets)), errors: make([][]int64, len(costTargets))}
	var bases, tokens []string
	for j, n := range listCostSizes {
		t0 := time.Now()
		if err := dbs[j].fill(n); err != nil {
			return c, fmt.Errorf("seed %d rows: %w", n, err)
		}
		c.seeded = append(c.seeded, time.Since(t0))
		s, err := startSvc(bin, dbs[j].dir, append(dbs[j].env, "BLOG_SERVER_RUNMODE=release", benchJWTSecret))
		if err != nil {
			return c, err
		}
		defer func() { _ = s.Stop() }() // the figures are taken
		if err := s.AddCredential("bench", "bench-app-secret-4e1d"); err != nil {
			return c, err
		}
		token, err := s.TokenFor("bench", "bench-app-secret-4e1d")
		if err != nil {
			return c, err
		}
		bases, tokens = append(bases, s.Base()), append(tokens, token)
	}
	p50s := make([][][]time.Duration, len(costTargets)) // [target][size][round]
	for i := range costTargets {
		p50s[i] = make([][]time.Duration, len(listCostSizes))
		c.errors[i] = make([]int64, len(listCostSizes))
	}
	for range rounds {
		for i, t := range costTargets {
			for j, n := range listCostSizes {
				r := wrk(t.list, bases[j]+t.path(n), tokens[j], dur, listCostConns, "")
				p50s[i][j] = append(p50s[i][j], r.p50)
				c.errors[i][j] += r.errors
			}
		}
	}
	for i := range costTargets {
		for j := range listCostSizes {
			c.p50[i] = append(c.p50[i], lowest(p50s[i][j]))
		}
	}
	return c, nil
}

// write prints the curve: p50 at each size and its ratio to the first size.
func (c costCurve) write(b io.Writer) {
	turns := fmt.Sprintf("the best of %d turns", c.rounds)
	if c.rounds == 1 {
		turns = "one turn"
	}
	fmt.Fprintf(b, "p50 latency, %s per size, wrk -c%d, page_size=10; a deep page continues after the id half-way into the table. Target: every row but the page-number references within 2x of its 1k figure.\n\n", turns, listCostConns)
	head, rule := "| list | page |", "|---|---|"
	for _, n := range listCostSizes {
		head += fmt.Sprintf(" p50 %s |", short(n))
		rule += "---|"
	}
	for _, n := range listCostSizes[1:] {
		head += fmt.Sprintf(" %s / %s |", short(n), short(listCostSizes[0]))
		rule += "---|"
	}
	fmt.Fprintln(b, head)
	fmt.Fprintln(b, rule)
	for i, t := range costTargets {
		page := t.page
		if t.reference {
			page += " (reference: starts 10,000 rows in)"
		}
		line := fmt.Sprintf("| %s | %s |", t.list, page)
		for j, p := range c.p50[i] {
			switch e := c.errors[i][j]; {
			case p == 0: // no request answered within wrk's timeout
				line += " over 2s (timeouts) |"
			case e != 0:
				line += fmt.Sprintf(" %v (%d errors) |", p, e)
			default:
				line += fmt.Sprintf(" %v |", p)
			}
		}
		for _, p := range c.p50[i][1:] {
			if p == 0 || c.p50[i][0] == 0 {
				line += " - |"
				continue
			}
			line += fmt.Sprintf(" %.2fx |", ratio(float64(p), float64(c.p50[i][0])))
		}
		fmt.Fprintln(b, line)
	}
	fmt.Fprintln(b)
	var seeded []string
	for j, d := range c.seeded {
		seeded = append(seeded, fmt.Sprintf("%s in %v", short(listCostSizes[j]), d.Round(100*time.Millisecond)))
	}
	fmt.Fprintf(b, "Seeding each size's tags, articles and links from empty (bulk inserts): %s.\n", strings.Join(seeded, ", "))
}

// lowest is the smallest of ds that is not zero (wrk reports 0 when every request timed
// out), or 0.
func lowest(ds []time.Duration) time.Duration {
	var low time.Duration
	for _, d := range ds {
		if d > 0 && (low == 0 || d < low) {
			low = d
		}
	}
	return low
}

func short(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1_000 && n%1_000 == 0:
		return fmt.Sprintf("%dk", n/1_000)
	}
	return fmt.Sprint(n)
}

// listCostSQLite runs the curve on SQLite files in dir.
func listCostSQLite(bin, dir string, dur time.Duration, rounds int) (costCurve, error) {
	var dbs []sizedDB
	for _, n := range listCostSizes {
		d := filepath.Join(dir, "listcost-"+short(n))
		if err := os.MkdirAll(d, 0o755); err != nil {
			return costCurve{}, err
		}
		path := filepath.Join(d, "blog.db")
		env := []string{"BLOG_DATABASE_PATH=" + path}
		if err := createSchema(bin, d, env); err != nil {
			return costCurve{}, err
		}
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
		if err != nil {
			return costCurve{}, err
		}
		defer db.Close()
		dbs = append(dbs, sizedDB{dir: d, env: env, fill: func(n int) error { return fillSQLite(db, n) }})
	}
	return listCost(bin, "sqlite", dbs, dur, rounds)
}

// createSchema starts the service once in debug mode, which migrates the empty database.
func createSchema(bin, dir string, env []string) error {
	s, err := startSvc(bin, dir, append(env, "BLOG_SERVER_RUNMODE=debug"))
	if err != nil {
		return err
	}
	return s.Stop()
}

// fillSQLite adds n rows to each of blog_tag, blog_article and blog_article_tag in one
// transaction. The rows come from a recursive CTE inside SQLite, so the pure-Go engine
// spends no time on a million bound values or statements (a million tags: 10 s this way,
// 16 s in INSERTs of 500 rows with placeholders).
func fillSQLite(db *sql.DB, n int) error {
	seq := fmt.Sprintf("WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < %d) ", n)
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	for _, stmt := range []string{
		"INSERT INTO blog_tag (id, name, state, created_by, created_on, modified_on) " + seq +
			"SELECT i, printf('tag-%07d', i), 1, 'bench', 1700000000, 1700000000 FROM seq",
		"INSERT INTO blog_article (id, title, `desc`, content, cover_image_url, state, created_by, created_on, modified_on) " + seq +
			"SELECT i, printf('article-%07d', i), 'A description', 'Some content of an article.', 'https://example.com/cover.png', " +
			fmt.Sprintf("CASE WHEN (i - 1) %% 10 = 0 THEN i <= %d ELSE i %% 2 END, 'bench', 1700000000, 1700000000 FROM seq", n-50),
		// With each article's state, which the link copies (its trigger then only checks).
		"INSERT INTO blog_article_tag (article_id, tag_id, state, created_by, created_on, modified_on) " + seq +
			"SELECT i, (i - 1) % 10 + 1, (SELECT state FROM blog_article WHERE id = i), 'bench', 1700000000, 1700000000 FROM seq",
	} {
		if _, err := tx.Exec(stmt); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	// Fold the write-ahead log into the file, as SQLite would after the next writes, so
	// the reads measured next do not look pages up in a log of hundreds of megabytes.
	_, err = db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}

// fillMySQL adds n rows to each of blog_tag, blog_article and blog_article_tag in
// multi-row INSERTs of 5,000 rows (about 0.5 MB, far below max_allowed_packet), one
// transaction per table. The values are ours, written as literals: nothing to bind.
func fillMySQL(db *sql.DB, n int) error {
	tables := []struct {
		insert string
		row    func(i int) string
	}{
		{"INSERT INTO blog_tag (id, name, state, created_by, created_on, modified_on) VALUES ",
			func(i int) string { return fmt.Sprintf("(%d,'tag-%07d',1,'bench',1700000000,1700000000)", i, i) }},
		{"INSERT INTO blog_article (id, title, `desc`, content, cover_image_url, state, created_by, created_on, modified_on) VALUES ",
			func(i int) string {
				return fmt.Sprintf("(%d,'article-%07d','A description','Some content of an article.','https://example.com/cover.png',%d,'bench',1700000000,1700000000)", i, i, costState(i, n))
			}},
		{"INSERT INTO blog_article_tag (article_id, tag_id, created_by, created_on, modified_on) VALUES ",
			func(i int) string { return fmt.Sprintf("(%d,%d,'bench',1700000000,1700000000)", i, (i-1)%10+1) }},
	}
	const batch = 5000
	for _, t := range tables {
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		var stmt strings.Builder
		for lo := 1; lo <= n; lo += batch {
			stmt.Reset()
			stmt.WriteString(t.insert)
			for i := lo; i < lo+batch && i <= n; i++ {
				if i > lo {
					stmt.WriteByte(',')
				}
				stmt.WriteString(t.row(i))
			}
			if _, err := tx.Exec(stmt.String()); err != nil {
				_ = tx.Rollback() // the insert failed: its error is the one returned
				return err
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// costState is article i's state in a table of n: what fillSQLite's CASE writes.
func costState(i, n int) int {
	if (i-1)%10 == 0 {
		return b2i(i <= n-50)
	}
	return i % 2
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// listCostMySQL runs the curve on new databases of the MySQL server at dsn.
func listCostMySQL(bin, dir, dsn string, dur time.Duration, rounds int) (costCurve, error) {
	var dbs []sizedDB
	for _, n := range listCostSizes {
		d := filepath.Join(dir, "listcost-mysql-"+short(n))
		if err := os.MkdirAll(d, 0o755); err != nil {
			return costCurve{}, err
		}
		env, db, drop, err := mysqlDatabase(dsn, "blog_listcost_"+short(n))
		if err != nil {
			return costCurve{}, err
		}
		defer drop()
		defer db.Close()
		if err := createSchema(bin, d, env); err != nil {
			return costCurve{}, err
		}
		dbs = append(dbs, sizedDB{dir: d, env: env, fill: func(n int) error { return fillMySQL(db, n) }})
	}
	return listCost(bin, "mysql", dbs, dur, rounds)
}

// writeListCost runs the curve on SQLite and, with a DSN, on MySQL, and prints both.
func writeListCost(b io.Writer, bin, dir, mysqlDSN string, dur time.Duration, rounds int) error {
	curves := []costCurve{}
	c, err := listCostSQLite(bin, dir, dur, rounds)
	if err != nil {
		return fmt.Errorf("list cost on sqlite: %w", err)
	}
	curves = append(curves, c)
	if mysqlDSN != "" {
		c, err := listCostMySQL(bin, dir, mysqlDSN, dur, rounds)
		if err != nil {
			return fmt.Errorf("list cost on mysql: %w", err)
		}
		curves = append(curves, c)
	}
	fmt.Fprintln(b, "\n## List cost vs table size")
	for _, c := range curves {
		fmt.Fprintf(b, "\n### %s\n\n", map[string]string{"sqlite": "SQLite", "mysql": "MySQL/MariaDB"}[c.db])
		c.write(b)
	}
	return nil
}
