package dao_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap"
	"gorm.io/gorm"

	"github.com/go-programming-tour-book/blog-service/internal/dao"
	"github.com/go-programming-tour-book/blog-service/internal/dao/daotest"
)

// The DSN's settings reach every connection: a driver that ignored a key (each spells them
// its own way) would open fine and lose WAL, the busy wait or foreign keys without a word.
func TestSQLitePragmasTakeEffect(t *testing.T) {
	t.Parallel()
	cfg := daotest.Config(t)
	if cfg.DBType != "sqlite" {
		t.Skip("SQLite's pragmas")
	}
	cfg.BusyTimeout = 1234 * time.Millisecond
	db, err := dao.Open(context.Background(), cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer dao.Close(db)
	var version string
	if err := db.Raw("SELECT sqlite_version()").Scan(&version).Error; err != nil {
		t.Fatal(err)
	}
	t.Logf("SQLite %s", version)
	for pragma, want := range map[string]string{"journal_mode": "wal", "busy_timeout": "1234", "foreign_keys": "1"} {
		var got string
		if err := db.Raw("PRAGMA " + pragma).Scan(&got).Error; err != nil || got != want {
			t.Errorf("PRAGMA %s = %q, %v; want %q", pragma, got, err, want)
		}
	}
}

// _txlock=immediate: a transaction holds the write lock from BEGIN, so a second writer
// waits at its own BEGIN instead of both reading and then deadlocking on the upgrade.
func TestSQLiteTransactionsBeginImmediate(t *testing.T) {
	t.Parallel()
	cfg := daotest.Config(t)
	if cfg.DBType != "sqlite" {
		t.Skip("SQLite's lock modes")
	}
	cfg.BusyTimeout = 10 * time.Millisecond
	ctx := context.Background()
	first, err := dao.Open(ctx, cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer dao.Close(first)
	second, err := dao.Open(ctx, cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer dao.Close(second)
	tx := first.Begin() // no statement yet: a deferred BEGIN would hold no lock
	if tx.Error != nil {
		t.Fatal(tx.Error)
	}
	defer tx.Rollback()
	if err := second.Transaction(func(*gorm.DB) error { return nil }); err == nil {
		t.Error("a second BEGIN while the first transaction is open succeeded; want SQLITE_BUSY (the DSN's _txlock=immediate is not in effect)")
	}
}
