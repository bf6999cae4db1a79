package dao_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
	gormlogger "gorm.io/gorm/logger"

	"github.com/go-programming-tour-book/blog-service/internal/dao"
	"github.com/go-programming-tour-book/blog-service/internal/dao/daotest"
	"github.com/go-programming-tour-book/blog-service/internal/model"
)

// sqlRecorder is a gorm logger that keeps the SQL of every statement, values inlined.
type sqlRecorder struct {
	mu    sync.Mutex
	stmts []string
}

func (r *sqlRecorder) LogMode(gormlogger.LogLevel) gormlogger.Interface { return r }
func (r *sqlRecorder) Info(context.Context, string, ...any)             {}
func (r *sqlRecorder) Warn(context.Context, string, ...any)             {}
func (r *sqlRecorder) Error(context.Context, string, ...any)            {}
func (r *sqlRecorder) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	sql, _ := fc()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stmts = append(r.stmts, sql)
}

func (r *sqlRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stmts
	r.stmts = nil
	return s
}

// Every list reads its page and a page after an id from an index that matches its filters
// and order (migration 4), and its count from its row of blog_list_count (migration 5), in
// one statement, or in a statement of its own when the page is empty (as every page is
// here), so its cost follows the page, not the table: no full scan, no sort, the outer
// loop on the index named, and the count's search under it. SQLite only: its planner
// ignores table sizes unless ANALYZE ran, so the plan on an empty table is the plan on a
// million rows; MySQL's follows statistics (make bench measures it).
func TestListQueriesUseTheirIndexes(t *testing.T) {
	t.Parallel()
	db := daotest.Open(t)
	if db.Name() != "sqlite" {
		t.Skip("reads SQLite's EXPLAIN QUERY PLAN")
	}
	rec := &sqlRecorder{}
	d := dao.New(db.Session(&gorm.Session{Logger: rec}))
	ctx := context.Background()
	on, off := model.StateEnabled, model.StateDisabled
	const kept = "SEARCH blog_list_count USING PRIMARY KEY (list=? AND tag_id=? AND state=?)"
	const keptAnyState = "SEARCH blog_list_count USING PRIMARY KEY (list=? AND tag_id=?)"
	const byName = "SEARCH blog_tag USING INDEX idx_blog_tag_live_name (name=?)"
	// A page by number finds its ids first (dao.skipInIndex), then reads their rows.
	const skipped = "CO-ROUTINE ids\n"
	tags := func(f dao.TagFilter, p dao.Page) func() error {
		return func() error { _, _, err := d.ListTags(ctx, f, p); return err }
	}
	articles := func(f dao.ArticleFilter, p dao.Page) func() error {
		return func() error { _, _, err := d.ListArticles(ctx, f, p); return err }
	}
	tests := []struct {
		name         string
		call         func() error
		outer, count string // the page's first step, and the count's
	}{
		{"tags page 1", tags(dao.TagFilter{State: &on}, dao.Page{Limit: 11}),
			"SEARCH blog_tag USING INDEX idx_blog_tag_list (is_del=? AND state=?)", kept},
		{"tags after an id", tags(dao.TagFilter{State: &off}, dao.Page{AfterID: 500, Limit: 11}),
			"SEARCH blog_tag USING INDEX idx_blog_tag_list (is_del=? AND state=? AND id>?)", kept},
		{"tags by name", tags(dao.TagFilter{Name: "Go", State: &on}, dao.Page{Offset: 20, Limit: 11}), skipped + byName, byName},
		{"tags by page number", tags(dao.TagFilter{State: &on}, dao.Page{Offset: 20, Limit: 11}),
			skipped + "SEARCH blog_tag USING COVERING INDEX idx_blog_tag_list (is_del=? AND state=?)", kept},
		{"articles page 1", articles(dao.ArticleFilter{State: &on}, dao.Page{Limit: 11}),
			"SEARCH blog_article USING INDEX idx_blog_article_list (is_del=? AND state=?)", kept},
		{"articles by page number", articles(dao.ArticleFilter{State: &on}, dao.Page{Offset: 20, Limit: 11}),
			skipped + "SEARCH blog_article USING COVERING INDEX idx_blog_article_list (is_del=? AND state=?)", kept},
		{"articles after an id", articles(dao.ArticleFilter{State: &on}, dao.Page{AfterID: 500, Limit: 11}),
			"SEARCH blog_article USING INDEX idx_blog_article_list (is_del=? AND state=? AND id>?)", kept},
		{"a tag's articles in a state", articles(dao.ArticleFilter{TagID: 7, State: &off}, dao.Page{Limit: 11}),
			"SEARCH link USING COVERING INDEX idx_blog_article_tag_state (tag_id=? AND is_del=? AND state=?)", kept},
		{"a tag's articles in a state after an id", articles(dao.ArticleFilter{TagID: 7, State: &on}, dao.Page{AfterID: 500, Limit: 11}),
			"SEARCH link USING COVERING INDEX idx_blog_article_tag_state (tag_id=? AND is_del=? AND state=? AND article_id>?)", kept},
		{"a tag's articles, page 1", articles(dao.ArticleFilter{TagID: 7}, dao.Page{Limit: 11}),
			"SEARCH link USING COVERING INDEX idx_blog_article_tag_list (tag_id=? AND is_del=?)", keptAnyState},
		{"a tag's articles after an id", articles(dao.ArticleFilter{TagID: 7}, dao.Page{AfterID: 500, Limit: 11}),
			"SEARCH link USING COVERING INDEX idx_blog_article_tag_list (tag_id=? AND is_del=? AND article_id>?)", keptAnyState},
	}
	for _, tt := range tests {
		rec.take()
		if err := tt.call(); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		stmts := rec.take()
		if len(stmts) != 2 {
			t.Fatalf("%s: %d statements for an empty page, want the page with its count and the count alone:\n%s", tt.name, len(stmts), strings.Join(stmts, "\n"))
		}
		for i, want := range []string{tt.outer, tt.count} {
			plan := queryPlan(t, db, stmts[i])
			if first := strings.Join(plan[:min(len(plan), strings.Count(want, "\n")+1)], "\n"); first != want {
				t.Errorf("%s: plan starts %q, want %q\n%s\n%s", tt.name, plan[0], want, stmts[i], strings.Join(plan, "\n"))
			}
			if i == 0 && !slices.Contains(plan, tt.count) {
				t.Errorf("%s: plan has no step %q for the count\n%s\n%s", tt.name, tt.count, stmts[i], strings.Join(plan, "\n"))
			}
			for _, step := range plan {
				if strings.Contains(step, "TEMP B-TREE") || strings.HasPrefix(step, "SCAN ") && step != "SCAN ids" { // ids: the page's own
					t.Errorf("%s: plan step %q reads a whole table or sorts\n%s\n%s", tt.name, step, stmts[i], strings.Join(plan, "\n"))
				}
			}
		}
	}
}

// A tag's articles in a state are read from the link's index of tag, state and article
// (migration 6), whatever the numbers: a tag's few disabled articles among many enabled,
// many disabled ones of other tags, and none in a state at all. Before it, either walk, the
// tag's links or the articles in the state, passed the rows of the other filter.
func TestATagsArticlesInAStateReadTheirIndex(t *testing.T) {
	t.Parallel()
	db := daotest.Open(t)
	if db.Name() != "sqlite" {
		t.Skip("reads SQLite's EXPLAIN QUERY PLAN; TestMySQLATagsArticlesInAStateReadTheirIndex reads MySQL's")
	}
	rec := &sqlRecorder{}
	d := dao.New(db.Session(&gorm.Session{Logger: rec}))
	ctx := context.Background()
	rare, common := model.Tag{Name: "rare"}, model.Tag{Name: "common"}
	for _, tag := range []*model.Tag{&rare, &common} {
		if err := d.CreateTag(ctx, tag); err != nil {
			t.Fatal(err)
		}
	}
	var withdrawn uint32
	for i := range 14 { // the rare tag: 4 enabled, one of them withdrawn below; the common one: 10 enabled
		a := model.Article{Title: fmt.Sprint("article ", i), State: model.StateEnabled}
		tag := common.ID
		if i < 4 {
			tag = rare.ID
		}
		if err := d.CreateArticle(ctx, &a, tag); err != nil {
			t.Fatal(err)
		}
		if i == 3 {
			withdrawn = a.ID
		}
	}
	// The state changes on the article; the trigger carries it to the link.
	if err := d.UpdateArticle(ctx, withdrawn, map[string]any{"state": model.StateDisabled}, nil); err != nil {
		t.Fatal(err)
	}
	const byState = "SEARCH link USING COVERING INDEX idx_blog_article_tag_state (tag_id=? AND is_del=? AND state=?"
	on, off := model.StateEnabled, model.StateDisabled
	for _, tt := range []struct {
		name  string
		f     dao.ArticleFilter
		p     dao.Page
		outer string
		want  int
	}{
		{"disabled", dao.ArticleFilter{TagID: rare.ID, State: &off}, dao.Page{Limit: 11}, byState + ")", 1},
		{"disabled, after an id", dao.ArticleFilter{TagID: rare.ID, State: &off}, dao.Page{AfterID: 1, Limit: 11}, byState + " AND article_id>?)", 1},
		{"enabled", dao.ArticleFilter{TagID: rare.ID, State: &on}, dao.Page{Limit: 11}, byState + ")", 3},
		{"enabled, by page number", dao.ArticleFilter{TagID: rare.ID, State: &on}, dao.Page{Offset: 1, Limit: 11}, byState + ")", 2},
		{"none in the state", dao.ArticleFilter{TagID: common.ID, State: &off}, dao.Page{Limit: 11}, byState + ")", 0},
	} {
		rec.take()
		list, n, err := d.ListArticles(ctx, tt.f, tt.p)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		total := tt.want + tt.p.Offset
		if len(list) != tt.want || n != int64(total) {
			t.Errorf("%s: %d articles, total %d; want %d of %d", tt.name, len(list), n, tt.want, total)
		}
		if *tt.f.State == off && len(list) == 1 && list[0].ID != withdrawn {
			t.Errorf("%s: article %d, want %d", tt.name, list[0].ID, withdrawn)
		}
		stmts := rec.take()
		if plan := queryPlan(t, db, stmts[0]); plan[0] != tt.outer {
			t.Errorf("%s: plan starts %q, want %q\n%s\n%s", tt.name, plan[0], tt.outer, stmts[0], strings.Join(plan, "\n"))
		}
	}
}

// queryPlan is SQLite's plan for stmt, one step a line. A statement the dao runs prepared (read) still has its
// placeholders; each is bound to 1, which does not change the plan: without ANALYZE,
// SQLite plans without looking at values.
func queryPlan(t *testing.T, db *gorm.DB, stmt string) []string {
	t.Helper()
	args := make([]any, strings.Count(stmt, "?"))
	for i := range args {
		args[i] = 1
	}
	rows, err := db.Raw("EXPLAIN QUERY PLAN "+stmt, args...).Rows()
	if err != nil {
		t.Fatalf("explain %s: %v", stmt, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notUsed int
		var detail string
		if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return plan
}

// afterEachRead is a gorm logger that calls write after each statement, as another client
// would write while a list is read.
type afterEachRead struct {
	sqlRecorder
	write func()
}

func (a *afterEachRead) LogMode(gormlogger.LogLevel) gormlogger.Interface { return a }
func (a *afterEachRead) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	a.sqlRecorder.Trace(ctx, begin, fc, err)
	a.write()
}

// A list's total_rows agrees with its page when writes land while it is read: read as two
// statements, the count and then the page, a tag created between them was on the page
// and not in its count. An empty page, whose count is read on its own, is read again when
// the count says it should hold rows.
func TestListCountAgreesWithItsPageUnderWrites(t *testing.T) {
	t.Parallel()
	db := daotest.Open(t)
	ctx := context.Background()
	writer := dao.New(db)
	created := 0
	create := func() {
		created++
		tag := model.Tag{Name: fmt.Sprintf("tag %d", created), State: model.StateEnabled}
		if err := writer.CreateTag(ctx, &tag); err != nil {
			t.Fatal(err)
		}
	}
	writes := 0 // writes left to land after a read
	reader := dao.New(db.Session(&gorm.Session{Logger: &afterEachRead{write: func() {
		if writes > 0 {
			writes--
			create()
		}
	}}}))
	on := model.StateEnabled
	check := func(when string, p dao.Page) {
		t.Helper()
		tags, n, err := reader.ListTags(ctx, dao.TagFilter{State: &on}, p)
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		if int64(len(tags)) != n {
			t.Errorf("%s: a whole list of %d tags counted %d", when, len(tags), n)
		}
		if writes != 0 {
			t.Fatalf("%s: the write did not happen", when)
		}
	}
	writes = 1
	check("an empty list, a tag created after the first read", dao.Page{Limit: 101})
	create()
	writes = 1
	check("a list of 2, a tag created after the first read", dao.Page{Limit: 101})
}

// On MySQL a page after an id seeks to it in the list's index (a range on is_del, state
// and id), whatever the planner would pick: MariaDB picked a lookup by (is_del, state)
// and walked every entry before the id. MySQL only, with enough rows for the planner to
// weigh its choices (SQLite's plans: TestListQueriesUseTheirIndexes).
func TestMySQLPagesAfterAnIDSeekTheIndex(t *testing.T) {
	t.Parallel()
	db, rec, d := filledMySQL(t,
		"INSERT INTO blog_tag (name, state, created_by) SELECT CONCAT('tag-', n), 1, 'test' FROM "+numbers,
		"INSERT INTO blog_article (title, `desc`, content, cover_image_url, state, created_by) SELECT CONCAT('article-', n), 'd', 'c', 'https://example.com/a.png', 1, 'test' FROM "+numbers,
		"INSERT INTO blog_article_tag (article_id, tag_id, created_by) SELECT n, n % 10 + 1, 'test' FROM "+numbers)
	ctx := context.Background()
	on := model.StateEnabled
	page := dao.Page{AfterID: rows / 2, Limit: 11}
	for _, tt := range []struct {
		name, table string
		call        func() error
	}{
		{"tags after an id", "blog_tag", func() error { _, _, err := d.ListTags(ctx, dao.TagFilter{State: &on}, page); return err }},
		{"articles after an id", "blog_article", func() error { _, _, err := d.ListArticles(ctx, dao.ArticleFilter{State: &on}, page); return err }},
	} {
		rec.take()
		if err := tt.call(); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		stmts := rec.take()
		if len(stmts) == 0 {
			t.Fatalf("%s: no statement recorded", tt.name)
		}
		args := make([]any, strings.Count(stmts[0], "?"))
		for i := range args {
			args[i] = 1
		}
		args[len(args)-3] = page.AfterID // after_id, limit, offset close every page statement
		var seen bool
		for _, row := range explainMySQL(t, db, stmts[0], args) {
			if row["table"] == tt.table {
				seen = true
				if row["type"] != "range" {
					t.Errorf("%s: %s read by %s on %s (key_len %s), want a range that seeks to the id\n%s", tt.name, tt.table, row["type"], row["key"], row["key_len"], stmts[0])
				}
			}
		}
		if !seen {
			t.Errorf("%s: no plan row for %s", tt.name, tt.table)
		}
	}
}

// On MySQL too a tag's articles in a state are read from the link's index of tag, state and
// article (migration 6), with the numbers that defeated every other plan: the tag's few
// disabled articles among its many enabled ones and many disabled ones of other tags, and a
// tag with none in the state (MariaDB walked all of the tag's links to find none: 0.41 s at
// a million articles).
func TestMySQLATagsArticlesInAStateReadTheirIndex(t *testing.T) {
	t.Parallel()
	// Odd articles carry tag 1 and are enabled, but the last 5; even ones are disabled and
	// carry tags 2 to 10.
	db, rec, d := filledMySQL(t,
		"INSERT INTO blog_tag (name, state, created_by) SELECT CONCAT('tag-', n), 1, 'test' FROM "+numbers+" AND n <= 10",
		"INSERT INTO blog_article (title, `desc`, content, cover_image_url, state, created_by) SELECT CONCAT('article-', n), 'd', 'c', 'https://example.com/a.png', "+
			"CASE WHEN n % 2 = 1 AND n <= "+fmt.Sprint(rows-10)+" THEN 1 ELSE 0 END, 'test' FROM "+numbers,
		"INSERT INTO blog_article_tag (article_id, tag_id, created_by) SELECT n, CASE WHEN n % 2 = 1 THEN 1 ELSE n % 9 + 2 END, 'test' FROM "+numbers)
	ctx := context.Background()
	on, off := model.StateEnabled, model.StateDisabled
	for _, tt := range []struct {
		name string
		f    dao.ArticleFilter
		p    dao.Page
		want int64
	}{
		{"a tag's few disabled", dao.ArticleFilter{TagID: 1, State: &off}, dao.Page{Limit: 11}, 5},
		{"a tag's few disabled, after an id", dao.ArticleFilter{TagID: 1, State: &off}, dao.Page{AfterID: 2, Limit: 11}, 5},
		{"a tag with none enabled", dao.ArticleFilter{TagID: 2, State: &on}, dao.Page{Limit: 11}, 0},
	} {
		list, n, err := d.ListArticles(ctx, tt.f, tt.p)
		if err != nil || n != tt.want || int64(len(list)) != tt.want {
			t.Fatalf("%s: %d articles of %d, %v; want %d", tt.name, len(list), n, err, tt.want)
		}
		stmts := rec.take()
		args := []any{tt.f.TagID, *tt.f.State, *tt.f.State}
		if tt.p.AfterID > 0 {
			args = append(args, tt.p.AfterID)
		}
		args = append(args, tt.p.Limit, tt.p.Offset)
		args = append([]any{"article", tt.f.TagID, *tt.f.State}, args...) // the count's, first
		plan := explainMySQL(t, db, stmts[0], args)
		for _, row := range plan {
			if row["table"] == "link" && row["key"] != "idx_blog_article_tag_state" || row["table"] == "blog_article" && row["key"] != "PRIMARY" {
				t.Errorf("%s: %s read by %s on %q (%s rows), want the link's idx_blog_article_tag_state, then each article by its id\n%s\n%v", tt.name, row["table"], row["type"], row["key"], row["rows"], stmts[0], plan)
			}
		}
	}
}

// On MySQL a tag is found by its name through the unique index of live names, however
// many deleted tags had that name: with 10,000 deleted namesakes MariaDB judged the index
// on name unselective and scanned the table in id order for the page (110,000 rows read
// at 100,000 tags).
func TestMySQLTagByNameReadsItsLiveIndex(t *testing.T) {
	t.Parallel()
	db, rec, d := filledMySQL(t,
		"INSERT INTO blog_tag (name, state, created_by) SELECT CONCAT('tag-', n), 1, 'test' FROM "+numbers,
		"INSERT INTO blog_tag (name, state, is_del, deleted_on, created_by) SELECT 'dup', 1, 1, 1, 'test' FROM "+numbers+" AND n <= 2000",
		"INSERT INTO blog_tag (name, state, created_by) SELECT 'dup', 1, 'test' FROM "+numbers+" AND n = 1")
	on := model.StateEnabled
	for name, f := range map[string]dao.TagFilter{"by name": {Name: "dup"}, "by name and state": {Name: "dup", State: &on}} {
		tags, n, err := d.ListTags(context.Background(), f, dao.Page{Limit: 11})
		if err != nil || n != 1 || len(tags) != 1 {
			t.Fatalf("%s: %d tags of %d, %v; want the live one", name, len(tags), n, err)
		}
		stmts := rec.take()
		args := make([]any, strings.Count(stmts[0], "?"))
		for i := range args {
			args[i] = "dup"
		}
		args[len(args)-2], args[len(args)-1] = 11, 0 // the page's limit and offset
		plan := explainMySQL(t, db, stmts[0], args)
		for _, row := range plan {
			if row["table"] == "blog_tag" && row["key"] != "idx_blog_tag_live_name" {
				t.Errorf("%s: blog_tag read by %s on %q (%s rows), want idx_blog_tag_live_name\n%s\n%v", name, row["type"], row["key"], row["rows"], stmts[0], plan)
			}
		}
	}
}

// numbers is 1 to the bound value, from five tables of digits: plain SQL that MySQL and
// MariaDB both run.
const numbers = "(SELECT 1 + a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d AS n FROM " +
	digit + " a, " + digit + " b, " + digit + " c, " + digit + " e, " + digit + " f) s WHERE n <= ?"

const digit = "(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)"

// rows is how many rows a MySQL plan test's fills make: enough for the planner to weigh
// its choices.
const rows = 20000

// filledMySQL is a fresh MySQL database (the test is skipped on SQLite) after each fill,
// run with rows bound to its numbers, and with the tables analyzed so that the planner
// weighs its choices on them; and a dao on it whose statements rec records.
func filledMySQL(t *testing.T, fills ...string) (*gorm.DB, *sqlRecorder, *dao.Dao) {
	t.Helper()
	db := daotest.Open(t)
	if db.Name() != "mysql" {
		t.Skip("reads MySQL's EXPLAIN")
	}
	for _, fill := range fills {
		if err := db.Exec(fill, rows).Error; err != nil {
			t.Fatal(err)
		}
	}
	// ANALYZE answers with rows: as an Exec of a prepared statement, the driver waits on.
	analyzed, err := db.Raw("ANALYZE TABLE blog_tag, blog_article, blog_article_tag").Rows()
	if err != nil {
		t.Fatal(err)
	}
	analyzed.Close()
	rec := &sqlRecorder{}
	return db, rec, dao.New(db.Session(&gorm.Session{Logger: rec}))
}

// explainMySQL is MySQL's plan of stmt run with args, a row per table read, by column name.
func explainMySQL(t *testing.T, db *gorm.DB, stmt string, args []any) []map[string]string {
	t.Helper()
	rows, err := db.Raw("EXPLAIN "+stmt, args...).Rows()
	if err != nil {
		t.Fatalf("explain: %v\n%s", err, stmt)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var plan []map[string]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := map[string]string{}
		for i, c := range cols {
			row[c] = vals[i].String
		}
		plan = append(plan, row)
	}
	return plan
}
