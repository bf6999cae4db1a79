package dao

import (
	"context"

	"go.uber.org/zap"
	"gorm.io/gorm"
)

// MigrationLock is the name MySQL's advisory lock starts with (then ":" and the database).
const MigrationLock = migrationLock

// MigrateWith runs the real migrations plus one more, for tests of failures.
func MigrateWith(ctx context.Context, db *gorm.DB, version int, name, stmt string) error {
	extra := migration{version: version, name: name, mysql: []string{stmt}, sqlite: []string{stmt}}
	return migrate(ctx, db, append(append([]migration{}, migrations...), extra), zap.NewNop())
}
