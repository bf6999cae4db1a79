package dao_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"gorm.io/gorm"

	"github.com/go-programming-tour-book/blog-service/internal/dao"
	"github.com/go-programming-tour-book/blog-service/internal/dao/daotest"
	"github.com/go-programming-tour-book/blog-service/internal/model"
)

// gorm logs failed and slow statements; the values bound to them are client data and must
// not reach the log, only the statement with its placeholders.
func TestQueryLogHasNoBoundValues(t *testing.T) {
	db, logs := openWithLog(t)

	const secret = "client-secret-value-7f3a"
	if err := db.Exec("SELECT * FROM no_such_table WHERE name = ?", secret).Error; err == nil {
		t.Fatal("a query on a missing table succeeded")
	}
	checkLoggedWithoutValue(t, logs, secret, "no_such_table")
	for _, e := range logs.All() {
		if caller := fmt.Sprint(e.ContextMap()["caller"]); !strings.HasPrefix(caller, "dao/log_test.go:") {
			t.Errorf("caller %q, want the statement's, in dao/log_test.go", caller)
		}
	}
}

// openWithLog opens the test database with a log the test reads, emptied of what Open
// logged (a slow migration on a loaded MySQL is not the test's).
func openWithLog(t *testing.T) (*gorm.DB, *observer.ObservedLogs) {
	t.Helper()
	core, logs := observer.New(zap.InfoLevel)
	db, err := dao.Open(context.Background(), daotest.Config(t), zap.New(core))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dao.Close(db) })
	logs.TakeAll()
	return db, logs
}

// checkLoggedWithoutValue checks that gorm's log has lines, each showing every part of
// the statement in want and none holding the bound value secret.
func checkLoggedWithoutValue(t *testing.T, logs *observer.ObservedLogs, secret string, want ...string) {
	t.Helper()
	entries := logs.FilterLoggerName("gorm").All()
	if len(entries) == 0 {
		t.Fatal("the failed statement was not logged at all")
	}
	for _, e := range entries {
		line := fmt.Sprint(e.Message, e.ContextMap())
		if strings.Contains(line, secret) {
			t.Errorf("the log holds a bound value: %s", line)
		}
		for _, w := range want {
			if !strings.Contains(line, w) {
				t.Errorf("the log line does not show the statement (%q): %s", w, line)
			}
		}
	}
}

// The tags page runs outside gorm (dao.read) but is logged as gorm logs its statements:
// a failed read is in the log with its placeholders, and its values are not.
func TestFailedListReadIsLoggedWithoutValues(t *testing.T) {
	db, logs := openWithLog(t)
	if err := db.Exec("ALTER TABLE blog_tag RENAME TO blog_tag_gone").Error; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Exec("ALTER TABLE blog_tag_gone RENAME TO blog_tag") })
	logs.TakeAll()

	const secret = "client-secret-value-9c1e"
	if _, _, err := dao.New(db).ListTags(context.Background(), dao.TagFilter{Name: secret}, dao.Page{Limit: 11}); err == nil {
		t.Fatal("listing a missing table succeeded")
	}
	checkLoggedWithoutValue(t, logs, secret, "FROM blog_tag WHERE", "name = ?")
}

// Two creates racing for one tag name: the loser's unique-index violation is the client's
// conflict (409), not a failure to log, and MySQL's message for it quotes the name.
func TestNameConflictIsNotLogged(t *testing.T) {
	db, logs := openWithLog(t)

	const name = "client-name-value-4b2d"
	d := dao.New(db)
	for range 2 { // CreateTag itself does not check first: the index decides, as in a race
		_ = d.CreateTag(context.Background(), &model.Tag{Name: name, State: model.StateEnabled})
	}
	for _, e := range logs.All() {
		t.Errorf("logged: %s %v", e.Message, e.ContextMap())
	}
}

// A statement stopped because its client left is not a failure to log (the access log has
// the request as cancelled): a client dropping connections under a load filled this log
// with errors. One stopped by the request's deadline still is (the database was too slow),
// and one the server's drain cut.
func TestStatementOfACancelledRequestIsNotLogged(t *testing.T) {
	db, logs := openWithLog(t)
	d := dao.New(db)
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	expired, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	cut, stop := context.WithCancelCause(t.Context()) // as the server's drain cuts at its deadline
	stop(errors.New("server shutdown deadline passed"))
	for _, c := range []struct {
		ctx    context.Context
		logged bool
	}{{cancelled, false}, {expired, true}, {cut, true}} {
		logs.TakeAll()
		// Both paths: dao.read's (the lists) and gorm's (one tag).
		if _, _, err := d.ListTags(c.ctx, dao.TagFilter{}, dao.Page{Limit: 11}); !errors.Is(err, c.ctx.Err()) {
			t.Fatalf("ListTags = %v, want %v", err, c.ctx.Err())
		}
		if _, err := d.GetTag(c.ctx, 1); !errors.Is(err, c.ctx.Err()) {
			t.Fatalf("GetTag = %v, want %v", err, c.ctx.Err())
		}
		if n := len(logs.FilterMessage("statement failed").All()); (n == 2) != c.logged || n != 0 && n != 2 {
			t.Errorf("%v: %d of 2 statements logged as failed, want logged %v", c.ctx.Err(), n, c.logged)
		}
	}
}
