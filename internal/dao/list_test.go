package dao_test

import (
	"context"
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

// Every list query reads its page and a page after an id from an index that matches its
// filters and order (migration 4), and its count from its row of blog_list_count (migration
// 5), so its cost follows the page, not the table: no full scan, no sort, and the outer
// loop on the index named. SQLite only: its
// planner ignores table sizes unless ANALYZE ran, so the plan on an empty table is the
// plan on a million rows; MySQL's follows statistics (make bench measures it).
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
	tests := []struct {
		name  string
		call  func() error
		outer string // the plan's first step
	}{
		{"count tags", func() error { _, err := d.CountTags(ctx, dao.TagFilter{State: &on}); return err },
			"SEARCH blog_list_count USING PRIMARY KEY (list=? AND tag_id=? AND state=?)"},
		{"tags page 1", func() error { _, err := d.ListTags(ctx, dao.TagFilter{State: &on}, dao.Page{Limit: 11}); return err },
			"SEARCH blog_tag USING INDEX idx_blog_tag_list (is_del=? AND state=?)"},
		{"tags after an id", func() error {
			_, err := d.ListTags(ctx, dao.TagFilter{State: &off}, dao.Page{AfterID: 500, Limit: 11})
			return err
		}, "SEARCH blog_tag USING INDEX idx_blog_tag_list (is_del=? AND state=? AND id>?)"},
		{"tags by name", func() error {
			_, err := d.ListTags(ctx, dao.TagFilter{Name: "Go", State: &on}, dao.Page{Offset: 20, Limit: 11})
			return err
		}, "SEARCH blog_tag USING INDEX idx_blog_tag_live_name (name=?)"},
		{"count articles", func() error { _, err := d.CountArticles(ctx, dao.ArticleFilter{State: &on}); return err },
			"SEARCH blog_list_count USING PRIMARY KEY (list=? AND tag_id=? AND state=?)"},
		{"count a tag's articles", func() error {
			_, err := d.CountArticles(ctx, dao.ArticleFilter{TagID: 7, State: &on})
			return err
		}, "SEARCH blog_list_count USING PRIMARY KEY (list=? AND tag_id=? AND state=?)"},
		{"count tags by name", func() error { _, err := d.CountTags(ctx, dao.TagFilter{Name: "Go", State: &on}); return err },
			"SEARCH blog_tag USING INDEX idx_blog_tag_live_name (name=?)"},
		{"articles page 1", func() error {
			_, err := d.ListArticles(ctx, dao.ArticleFilter{State: &on}, dao.Page{Limit: 11})
			return err
		}, "SEARCH blog_article USING INDEX idx_blog_article_list (is_del=? AND state=?)"},
		{"articles after an id", func() error {
			_, err := d.ListArticles(ctx, dao.ArticleFilter{State: &on}, dao.Page{AfterID: 500, Limit: 11})
			return err
		}, "SEARCH blog_article USING INDEX idx_blog_article_list (is_del=? AND state=? AND id>?)"},
		{"a tag's articles, page 1", func() error {
			_, err := d.ListArticles(ctx, dao.ArticleFilter{TagID: 7, State: &on}, dao.Page{Limit: 11})
			return err
		}, "SEARCH link USING COVERING INDEX idx_blog_article_tag_list (tag_id=? AND is_del=?)"},
		{"a tag's articles after an id", func() error {
			_, err := d.ListArticles(ctx, dao.ArticleFilter{TagID: 7, State: &on}, dao.Page{AfterID: 500, Limit: 11})
			return err
		}, "SEARCH link USING COVERING INDEX idx_blog_article_tag_list (tag_id=? AND is_del=? AND article_id>?)"},
	}
	for _, tt := range tests {
		rec.take()
		if err := tt.call(); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		for _, stmt := range rec.take() {
			plan := queryPlan(t, db, stmt)
			if first := strings.TrimPrefix(plan[0], "CO-ROUTINE up_to\n"); first != tt.outer {
				t.Errorf("%s: plan starts %q, want %q\n%s\n%s", tt.name, first, tt.outer, stmt, strings.Join(plan, "\n"))
			}
			for _, step := range plan {
				if strings.Contains(step, "TEMP B-TREE") || strings.HasPrefix(step, "SCAN ") && step != "SCAN up_to" {
					t.Errorf("%s: plan step %q reads a whole table or sorts\n%s\n%s", tt.name, step, stmt, strings.Join(plan, "\n"))
				}
			}
		}
	}
}

// queryPlan is SQLite's plan for stmt, one step a line, a count's CO-ROUTINE line folded
// into the step after it. A statement the dao runs prepared (read) still has its
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
		if n := len(plan); n > 0 && plan[n-1] == "CO-ROUTINE up_to" {
			plan[n-1] += "\n" + detail
			continue
		}
		plan = append(plan, detail)
	}
	return plan
}
