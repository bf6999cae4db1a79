package dao_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"go.uber.org/zap"
	"gorm.io/gorm"

	"github.com/go-programming-tour-book/blog-service/internal/dao"
	"github.com/go-programming-tour-book/blog-service/internal/dao/daotest"
	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/internal/model"
)

// countKey names one kept count: a list, a tag (article lists; 0 for all) and a state.
type countKey struct {
	List  string
	TagID uint32
	State uint8
}

// keptCounts reads blog_list_count, leaving out counts of 0.
func keptCounts(t *testing.T, db *gorm.DB) map[countKey]int64 {
	t.Helper()
	kept := map[countKey]int64{}
	scanCounts(t, db.Raw("SELECT list, tag_id, state, n FROM blog_list_count WHERE n <> 0"), kept)
	return kept
}

// realCounts counts the rows themselves, as the lists did before migration 5.
func realCounts(t *testing.T, db *gorm.DB) map[countKey]int64 {
	t.Helper()
	real := map[countKey]int64{}
	for _, q := range []string{
		"SELECT 'tag' AS list, 0 AS tag_id, state, COUNT(*) AS n FROM blog_tag WHERE is_del = 0 GROUP BY state",
		"SELECT 'article' AS list, 0 AS tag_id, state, COUNT(*) AS n FROM blog_article WHERE is_del = 0 GROUP BY state",
		"SELECT 'article' AS list, l.tag_id, a.state, COUNT(*) AS n FROM blog_article_tag l " +
			"JOIN blog_article a ON a.id = l.article_id WHERE l.is_del = 0 AND a.is_del = 0 GROUP BY l.tag_id, a.state",
	} {
		scanCounts(t, db.Raw(q), real)
	}
	return real
}

func scanCounts(t *testing.T, q *gorm.DB, into map[countKey]int64) {
	t.Helper()
	rows, err := q.Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k countKey
		var n int64
		if err := rows.Scan(&k.List, &k.TagID, &k.State, &n); err != nil {
			t.Fatal(err)
		}
		into[k] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// checkKept fails t unless what triggers keep matches the rows: each list's count, and
// each link's copy of its article's state.
func checkKept(t *testing.T, db *gorm.DB, when string) {
	t.Helper()
	kept, real := keptCounts(t, db), realCounts(t, db)
	for k, n := range real {
		if kept[k] != n {
			t.Errorf("%s: %+v kept %d, counted %d", when, k, kept[k], n)
		}
	}
	for k, n := range kept {
		if _, ok := real[k]; !ok {
			t.Errorf("%s: %+v kept %d, counted 0", when, k, n)
		}
	}
	if len(real) == 0 {
		t.Errorf("%s: nothing to count: the test wrote nothing", when)
	}
	// And each link holds its article's state (migration 6), which lists of a tag's
	// articles in a state read.
	var links, wrong int64
	err := db.Raw("SELECT COUNT(*), COALESCE(SUM(CASE WHEN l.state <> a.state THEN 1 ELSE 0 END), 0) FROM blog_article_tag l JOIN blog_article a ON a.id = l.article_id").Row().Scan(&links, &wrong)
	if err != nil {
		t.Fatal(err)
	}
	if wrong > 0 || links == 0 {
		t.Errorf("%s: %d of %d links hold another state than their article's", when, wrong, links)
	}
}

// Writers of every kind change the lists at once, through the service's queries and
// through plain SQL as another release (or an operator) would write: creates, state
// changes, retags, soft and hard deletes. Every kept count then equals a count of the rows.
// On MySQL the writers run concurrently and their counts' row locks can deadlock; the dao
// runs a deadlock's victim again, so no write fails for it.
//
// The plain SQL comes through a pool of its own, as from another process. Sharing the
// service's pool made a cycle no other process can make: the by-hand writers held both
// SQLite connections waiting for the write lock, whose holder waited for a statement being
// prepared, which waited for a connection (all eight writers stalled 10 s, until the
// preparation's bound failed it). On SQLite the service's own writes take their turn at
// Dao.write, one at a time, before they take a connection.
func TestListCountsFollowEveryWrite(t *testing.T) {
	t.Parallel()
	cfg := daotest.Config(t)
	d := dao.New(daotest.OpenConfig(t, cfg))
	db := daotest.OpenConfig(t, cfg) // another process's
	ctx := context.Background()
	var tags []uint32
	for i := range 6 {
		tag := model.Tag{Name: fmt.Sprint("tag ", i), State: uint8(i % 2)}
		if err := d.CreateTag(ctx, &tag); err != nil {
			t.Fatal(err)
		}
		tags = append(tags, tag.ID)
	}
	var mu sync.Mutex
	var articles []uint32
	// pick takes the slice's address: reading the variable itself is part of what mu
	// guards, since the first op appends to articles while the other writers pick from it.
	pick := func(r *rand.Rand, ids *[]uint32) uint32 {
		mu.Lock()
		defer mu.Unlock()
		if len(*ids) == 0 {
			return 0
		}
		return (*ids)[r.IntN(len(*ids))]
	}
	state := func(r *rand.Rand) map[string]any {
		return map[string]any{"state": uint8(r.IntN(2)), "modified_by": "test"}
	}
	ops := []func(r *rand.Rand) error{
		func(r *rand.Rand) error { // create an article
			a := model.Article{Title: "t", State: uint8(r.IntN(2))}
			err := d.CreateArticle(ctx, &a, pick(r, &tags))
			if err == nil {
				mu.Lock()
				articles = append(articles, a.ID)
				mu.Unlock()
			}
			return err
		},
		func(r *rand.Rand) error { return d.UpdateArticle(ctx, pick(r, &articles), state(r), nil) },
		func(r *rand.Rand) error {
			tag := pick(r, &tags)
			return d.UpdateArticle(ctx, pick(r, &articles), state(r), &tag)
		},
		func(r *rand.Rand) error {
			tag := pick(r, &tags)
			return d.UpdateArticle(ctx, pick(r, &articles), map[string]any{"modified_by": "test"}, &tag)
		},
		func(r *rand.Rand) error { return d.DeleteArticle(ctx, pick(r, &articles)) },
		func(r *rand.Rand) error { return d.UpdateTag(ctx, pick(r, &tags), state(r)) },
		func(r *rand.Rand) error { // a tag created and deleted
			tag := model.Tag{Name: fmt.Sprint("brief ", r.Uint64()), State: uint8(r.IntN(2))}
			if err := d.CreateTag(ctx, &tag); err != nil {
				return err
			}
			return d.DeleteTag(ctx, tag.ID)
		},
		func(r *rand.Rand) error { // another writer: a second live link, by hand
			return byHand(db, "INSERT INTO blog_article_tag (article_id, tag_id) VALUES (?, ?)", pick(r, &articles), pick(r, &tags))
		},
		func(r *rand.Rand) error { // an operator: one link soft-deleted by hand
			return byHand(db, "UPDATE blog_article_tag SET is_del = 1 WHERE article_id = ?", pick(r, &articles))
		},
		func(r *rand.Rand) error { // an operator: a link moved to another article by hand
			return byHand(db, "UPDATE blog_article_tag SET article_id = ? WHERE article_id = ?", pick(r, &articles), pick(r, &articles))
		},
		func(r *rand.Rand) error { // an operator: an article removed for good, links left behind
			return byHand(db, "DELETE FROM blog_article WHERE id = ?", pick(r, &articles))
		},
		func(r *rand.Rand) error { // and a link removed for good
			return byHand(db, "DELETE FROM blog_article_tag WHERE article_id = ?", pick(r, &articles))
		},
	}
	const writers, each = 8, 60
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 1))
			for range each {
				op := r.IntN(len(ops))
				err := ops[op](r)
				if err != nil && !errors.Is(err, errcode.NotFound) && !errors.Is(err, errcode.TagInUse) && !errors.Is(err, errcode.ArticleTagInvalid) {
					errs <- fmt.Errorf("op %d: %w", op, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("write: %v", err)
	}
	checkKept(t, db, fmt.Sprintf("after %d writes", writers*each))
}

// byHand runs one statement as an operator's client would: again when MySQL made it a
// deadlock's victim (the dao does the same for its own writes), or when SQLite's write
// lock stayed taken past the busy timeout (on a loaded machine, eight writers kept one
// waiting 5 s in CI).
func byHand(db *gorm.DB, stmt string, args ...any) error {
	var err error
	for try := 1; try <= 5; try++ {
		err = db.Exec(stmt, args...).Error
		var my *mysql.MySQLError
		if !dao.SQLiteBusy(err) && (!errors.As(err, &my) || my.Number != 1213) {
			break
		}
		time.Sleep(time.Duration(1+rand.IntN(5*try)) * time.Millisecond) // as dao.write does
	}
	return err
}

// A database from before migration 5 gets its counts from the rows already there.
func TestUpgradeCountsTheRowsThere(t *testing.T) {
	t.Parallel()
	cfg := daotest.Config(t)
	ctx := context.Background()
	old, err := dao.OpenAt(ctx, cfg, 4)
	if err != nil {
		t.Fatal(err)
	}
	tags := []model.Tag{{Name: "a", State: 1}, {Name: "b", State: 0}, {Name: "c", State: 1, Model: model.Model{IsDel: 1}}}
	articles := []model.Article{{Title: "1", State: 1}, {Title: "2", State: 0}, {Title: "3", State: 1}, {Title: "4", State: 1, Model: model.Model{IsDel: 1}}}
	for _, rows := range []any{&tags, &articles} {
		if err := old.Create(rows).Error; err != nil {
			t.Fatal(err)
		}
	}
	links := []model.ArticleTag{
		{ArticleID: articles[0].ID, TagID: tags[0].ID}, {ArticleID: articles[1].ID, TagID: tags[0].ID},
		{ArticleID: articles[2].ID, TagID: tags[1].ID}, {ArticleID: articles[3].ID, TagID: tags[1].ID},
		{ArticleID: articles[2].ID, TagID: tags[0].ID, Model: model.Model{IsDel: 1}},
	}
	if err := old.Create(&links).Error; err != nil {
		t.Fatal(err)
	}
	dao.Close(old)

	db, err := dao.Open(ctx, cfg, zap.NewNop())
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer dao.Close(db)
	checkKept(t, db, "after the upgrade")
	want := map[countKey]int64{
		{"tag", 0, 1}: 1, {"tag", 0, 0}: 1,
		{"article", 0, 1}: 2, {"article", 0, 0}: 1,
		{"article", tags[0].ID, 1}: 1, {"article", tags[0].ID, 0}: 1, {"article", tags[1].ID, 1}: 1,
	}
	if got := keptCounts(t, db); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("kept counts %v, want %v", got, want)
	}
}

// A transaction InnoDB made a deadlock's victim was rolled back whole, so the dao runs it
// again (up to five tries in all); any other error, and any error on SQLite, where
// transactions queue instead, is returned after one try.
func TestDeadlockVictimRunsAgain(t *testing.T) {
	t.Parallel()
	db := daotest.Open(t)
	d := dao.New(db)
	victim := &mysql.MySQLError{Number: 1213, Message: "Deadlock found when trying to get lock"}
	for _, tt := range []struct {
		name      string
		fails     int // the first fails tries return err
		err       error
		wantTries int
		wantErr   bool
	}{
		{"a victim once", 1, victim, 2, false},
		{"a victim four times", 4, victim, 5, false},
		{"a victim five times", 7, victim, 5, true},
		{"another error", 1, errors.New("not a deadlock"), 1, true},
	} {
		tries := 0
		err := d.Transaction(context.Background(), func(*gorm.DB) error {
			tries++
			if tries <= tt.fails {
				return tt.err
			}
			return nil
		})
		wantTries, wantErr := tt.wantTries, tt.wantErr
		if db.Name() == "sqlite" && tt.err == victim {
			wantTries, wantErr = 1, true
		}
		if tries != wantTries || (err != nil) != wantErr {
			t.Errorf("%s on %s: %d tries, error %v; want %d tries, error %v", tt.name, db.Name(), tries, err, wantTries, wantErr)
		}
	}
}

// Migration 5 runs while the release before it writes (a SIGHUP upgrade, or the first
// replica of a rolling update): writes that land before, during and after it are all
// counted once. After the migration none fails: the release before retries nothing, so on
// MySQL its transactions must never be a deadlock's victim of the triggers (a state change of
// the newest article beside article creates once was). While the migration takes its table
// locks on MySQL, one of its writes is now and then the victim of a deadlock over those
// locks; the test counts such failures and reports them, and fails on any other.
func TestUpgradeCountsWritesDuringTheMigration(t *testing.T) {
	t.Parallel()
	cfg := daotest.Config(t)
	ctx := context.Background()
	old, err := dao.OpenAt(ctx, cfg, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer dao.Close(old)
	tag := model.Tag{Name: "old", State: 1}
	if err := old.Create(&tag).Error; err != nil {
		t.Fatal(err)
	}
	// The old release's writers, each transaction as its dao writes one: an article and its
	// link (CreateArticle), and now and then a state change (UpdateArticle).
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var written, failedMigrating atomic.Int64
	var migrating atomic.Bool
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				a := model.Article{Title: "t", State: uint8(i % 2)}
				err := old.Transaction(func(tx *gorm.DB) error {
					if err := tx.Create(&a).Error; err != nil {
						return err
					}
					return tx.Create(&model.ArticleTag{ArticleID: a.ID, TagID: tag.ID}).Error
				})
				if err == nil && i%3 == 0 {
					err = old.Model(&model.Article{}).Where("id = ?", a.ID).Update("state", 1-i%2).Error
				}
				if err != nil && migrating.Load() {
					t.Logf("writer %d, during the migration: %v", w, err)
					failedMigrating.Add(1)
					continue
				}
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
				written.Add(1)
			}
		})
	}
	for written.Load() < 50 { // writes before the migration
		time.Sleep(time.Millisecond)
	}
	migrating.Store(true)
	db, err := dao.Open(ctx, cfg, zap.NewNop())
	migrating.Store(false)
	if err != nil {
		close(stop)
		wg.Wait()
		t.Fatalf("upgrade under writes: %v", err)
	}
	defer dao.Close(db)
	for n := written.Load(); written.Load() < n+50; { // and after it
		time.Sleep(time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if n := failedMigrating.Load(); n > 0 {
		t.Logf("%d of %d writes failed during the migration", n, written.Load()+n)
	}
	checkKept(t, db, fmt.Sprintf("after migrations 5 and 6 under %d writes", written.Load()))
}
