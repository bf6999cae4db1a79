package dao_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/go-programming-tour-book/blog-service/internal/app"
	"github.com/go-programming-tour-book/blog-service/internal/dao"
	"github.com/go-programming-tour-book/blog-service/internal/dao/daotest"
	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/internal/model"
)

// A write whose client disconnects mid-transaction is rolled back and reported as a
// cancelled request (503, code 10000008, as every cancelled request), never as a 500.
func TestWriteCancelledMidTransactionIsCancelled(t *testing.T) {
	db := daotest.Open(t)
	d := dao.New(db)
	ctx, cancel := context.WithCancel(t.Context())
	err := d.Transaction(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&model.Tag{Name: "left", State: 1}).Error; err != nil {
			return err
		}
		cancel() // the client goes away before the commit
		// Let database/sql roll the transaction back, as it does on its own when the context
		// ends: the commit then fails with "already committed or rolled back".
		time.Sleep(100 * time.Millisecond)
		return nil
	})
	if !errors.Is(err, context.Canceled) || app.Code(err) != errcode.RequestCancelled {
		t.Fatalf("transaction after the client left = %v (code %d), want it cancelled", err, app.Code(err).Code())
	}
	var n int64
	if err := db.Model(&model.Tag{}).Where("name = ?", "left").Count(&n).Error; err != nil || n != 0 {
		t.Errorf("the abandoned write left %d rows (%v)", n, err)
	}
}

// A one-statement write (gorm's own transaction) whose client leaves before the commit is
// a cancelled request too, and no failure for the query log: tag writes were 500s, logged
// as "statement failed", when a client hung up on them.
func TestOneStatementWriteCancelledBeforeItsCommitIsCancelled(t *testing.T) {
	db, logs := openWithLog(t)
	type cancelKey struct{}
	// Cancels the request's context just before gorm commits, as a client leaving then
	// would, and lets database/sql roll the transaction back.
	err := db.Callback().Create().Before("gorm:commit_or_rollback_transaction").Register("test:leave", func(tx *gorm.DB) {
		if cancel, ok := tx.Statement.Context.Value(cancelKey{}).(context.CancelFunc); ok {
			cancel()
			time.Sleep(100 * time.Millisecond)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	ctx = context.WithValue(ctx, cancelKey{}, cancel)
	err = dao.New(db).CreateTag(ctx, &model.Tag{Name: "left", State: model.StateEnabled})
	if !errors.Is(err, context.Canceled) || app.Code(err) != errcode.RequestCancelled {
		t.Fatalf("create after the client left = %v (code %d), want it cancelled", err, app.Code(err).Code())
	}
	var n int64
	if err := db.Model(&model.Tag{}).Where("name = ?", "left").Count(&n).Error; err != nil || n != 0 {
		t.Errorf("the abandoned write left %d rows (%v)", n, err)
	}
	for _, e := range logs.FilterMessage("statement failed").All() {
		t.Errorf("logged: %s %v", e.Message, e.ContextMap())
	}
}

// gorm's statement cache prepares a statement once for all who want it meanwhile, so the
// preparation must not end with the first one's client: it failed them all as cancelled
// (another client's GET got 503 just after a start). A request whose client has left
// still prepares the statement, for the next one, and only its own query is cancelled.
func TestStatementPreparedForALeftClientIsKept(t *testing.T) {
	db := daotest.Open(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := dao.New(db).GetTag(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("GetTag for a client that left = %v, want it cancelled", err)
	}
	cache, ok := db.ConnPool.(*gorm.PreparedStmtDB)
	if !ok {
		t.Fatalf("gorm's pool is a %T, not its statement cache", db.ConnPool)
	}
	for _, query := range cache.Stmts.Keys() {
		if strings.Contains(query, "blog_tag") && strings.Contains(query, "id = ?") {
			return
		}
	}
	t.Errorf("the statement was not kept: the cache holds %q", cache.Stmts.Keys())
}

// A list read starts no query for a request whose client has left or whose deadline has
// passed. On SQLite the query itself does not watch the request's context (dao.read), so
// this check, made before it, is all that stops it.
func TestListReadOfAnEndedRequestStartsNoQuery(t *testing.T) {
	d := dao.New(daotest.Open(t))
	if err := d.CreateTag(t.Context(), &model.Tag{Name: "listed", State: 1}); err != nil {
		t.Fatal(err)
	}
	// Each list read once, as by a process already serving: its statements are prepared,
	// and no preparation fails for the ended context instead.
	if _, _, err := d.ListTags(t.Context(), dao.TagFilter{}, dao.Page{Limit: 10}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.ListArticles(t.Context(), dao.ArticleFilter{}, dao.Page{Limit: 10}); err != nil {
		t.Fatal(err)
	}
	left, late := endedContexts(t)
	for _, c := range []struct {
		name string
		ctx  context.Context
		want error
	}{{"client left", left, context.Canceled}, {"deadline passed", late, context.DeadlineExceeded}} {
		tags, _, err := d.ListTags(c.ctx, dao.TagFilter{}, dao.Page{Limit: 10})
		if !errors.Is(err, c.want) {
			t.Errorf("%s: ListTags = %d tags, %v; want %v", c.name, len(tags), err, c.want)
		}
		articles, _, err := d.ListArticles(c.ctx, dao.ArticleFilter{}, dao.Page{Limit: 10})
		if !errors.Is(err, c.want) {
			t.Errorf("%s: ListArticles = %d articles, %v; want %v", c.name, len(articles), err, c.want)
		}
	}
}

// A list read waiting for its turn on SQLite (every connection busy with other reads)
// leaves the queue when its client leaves, and runs no query. Before, the wait did not
// watch the request: a flood of clients that hung up kept both connections busy with
// their reads, and the clients that stayed waited seconds.
func TestListReadWaitingForItsTurnLeavesWithItsClient(t *testing.T) {
	db := daotest.Open(t)
	if db.Name() != "sqlite" {
		t.Skip("on MySQL the query itself watches the request")
	}
	d := dao.New(db)
	// Read once first, as a serving process has: the statement is prepared, and no
	// preparation waits for a connection or fails for the ended context instead.
	if _, _, err := d.ListTags(t.Context(), dao.TagFilter{}, dao.Page{Limit: 10}); err != nil {
		t.Fatal(err)
	}
	release := dao.HoldReads(d)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, _, err := d.ListTags(ctx, dao.TagFilter{}, dao.Page{Limit: 10})
		done <- err
	}()
	select {
	case err := <-done:
		release()
		t.Fatalf("ListTags returned (%v) while every turn was taken", err)
	case <-time.After(50 * time.Millisecond):
	}
	cancel() // the client leaves
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("ListTags of a client that left while it waited: %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("ListTags kept waiting for its turn after its client left")
	}
	release()
	if _, _, err := d.ListTags(t.Context(), dao.TagFilter{}, dao.Page{Limit: 10}); err != nil {
		t.Errorf("ListTags once the turns are free: %v", err)
	}
}

// A request that ends while its query dials the database (no idle connection in the pool)
// gets the dial's "operation was canceled" or "i/o timeout": the request's end, not the
// database's, and answered as such. A client that hung up on MariaDB was told the database
// was unavailable (503, code 10000012) and the log blamed the database. The same error
// while the request goes on is the database being unreachable.
func TestDialEndedWithTheRequestIsNotTheDatabaseDown(t *testing.T) {
	left, late := endedContexts(t)
	for _, c := range []struct {
		name string
		ctx  context.Context
		want *errcode.Error
	}{
		{"the client left", left, errcode.RequestCancelled},
		{"the request's time was up", late, errcode.RequestTimeout},
	} {
		_, dialErr := (&net.Dialer{}).DialContext(c.ctx, "tcp", "127.0.0.1:3306")
		if dialErr == nil {
			t.Fatalf("%s: the dial did not fail", c.name)
		}
		err := fmt.Errorf("create tag: %w", dialErr)
		if got := app.Code(dao.Unavailable(c.ctx, err)); got.Code() != c.want.Code() {
			t.Errorf("%s: %v answered with code %d, want %d", c.name, err, got.Code(), c.want.Code())
		}
		if got := app.Code(dao.Unavailable(t.Context(), err)); got.Code() != errcode.ServiceUnavailable.Code() {
			t.Errorf("%s: %v for a request still going answered with code %d, want the database unavailable (%d)",
				c.name, err, got.Code(), errcode.ServiceUnavailable.Code())
		}
	}
}

// endedContexts are a request's context once its client has left and once its deadline
// has passed.
func endedContexts(t *testing.T) (left, late context.Context) {
	left, cancel := context.WithCancel(t.Context())
	cancel()
	late, cancelLate := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	t.Cleanup(cancelLate)
	return left, late
}
