package dao

import (
	"context"

	"go.uber.org/zap"
	"gorm.io/gorm"

	"github.com/go-programming-tour-book/blog-service/internal/setting"
)

// SQLiteBusy is sqliteBusy: SQLITE_BUSY or one of its extended codes.
var SQLiteBusy = sqliteBusy

// Unavailable is unavailable, for tests of how a failed query is answered.
var Unavailable = unavailable

// MigrationLock is the name MySQL's advisory lock starts with (then ":" and the database).
const MigrationLock = migrationLock

// MigrateWith runs the real migrations plus one more, for tests of failures.
func MigrateWith(ctx context.Context, db *gorm.DB, version int, name, stmt string) error {
	extra := migration{version: version, name: name, mysql: []string{stmt}, sqlite: []string{stmt}}
	return migrate(ctx, db, append(append([]migration{}, migrations...), extra), zap.NewNop())
}

// OpenAt opens cfg's database migrated only up to version, as an older release left it.
func OpenAt(ctx context.Context, cfg setting.Database, version int) (*gorm.DB, error) {
	db, err := open(ctx, cfg, zap.NewNop())
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, db, migrations[:version], zap.NewNop()); err != nil {
		Close(db)
		return nil, err
	}
	return db, nil
}

// Transient reports whether start-up would retry after err.
var Transient = transient

// Transaction is d.transaction, for tests of how it reports failures.
func (d *Dao) Transaction(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return d.transaction(ctx, fn)
}

// HoldReads takes every turn of d's list reads (SQLite), as reads in flight would, and
// returns what gives them back.
func HoldReads(d *Dao) (release func()) {
	for range cap(d.readers) {
		d.readers <- struct{}{}
	}
	return func() {
		for range cap(d.readers) {
			<-d.readers
		}
	}
}
