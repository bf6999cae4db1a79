package dao

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// migration is one versioned schema change, written for each dialect.
type migration struct {
	version       int
	name          string
	mysql, sqlite []string
}

// schemaMigration records an applied migration in blog_schema_migrations.
type schemaMigration struct {
	Version   int `gorm:"primaryKey;autoIncrement:false"`
	Name      string
	AppliedOn uint32
}

func (schemaMigration) TableName() string { return "blog_schema_migrations" }

// migrationLock names MySQL's advisory lock; lockWait bounds the wait for it.
const (
	migrationLock = "blog_service_schema_migrations"
	lockWait      = 60 * time.Second
)

// Migrate brings the schema up to date. Replicas may start together: on MySQL they take
// turns under GET_LOCK, so each migration runs once; on SQLite each migration runs in an
// immediate transaction that first checks it is still pending. A hand-written runner
// rather than a migration library: the ones that lock on MySQL bring a second SQLite
// driver that clashes with the pure-Go one registered here.
func Migrate(ctx context.Context, db *gorm.DB) error {
	return migrate(ctx, db, migrations)
}

func migrate(ctx context.Context, db *gorm.DB, list []migration) error {
	// One connection throughout: MySQL's advisory locks belong to a session.
	return db.WithContext(ctx).Connection(func(session *gorm.DB) (err error) {
		// Each use starts a fresh statement on the session's connection: gorm keeps a
		// failed statement's error on a reused one, which would hide the lock's release.
		conn := func() *gorm.DB { return session.Session(&gorm.Session{NewDB: true}) }
		mysql := session.Dialector.Name() == "mysql"
		if mysql {
			// The lock is server-wide: name it after the database, so services on other
			// databases of the same server do not wait for each other.
			var got sql.NullInt64
			err = conn().Raw("SELECT GET_LOCK(CONCAT(?, DATABASE()), ?)", migrationLock+":", int(lockWait.Seconds())).Row().Scan(&got)
			if err != nil {
				return fmt.Errorf("take the migration lock: %w", err)
			}
			if got.Int64 != 1 {
				return fmt.Errorf("take the migration lock: another replica held it for %v", lockWait)
			}
			defer func() {
				// SELECT, not DO: DO cannot be a prepared statement, and its failure was silent.
				var released sql.NullInt64
				if rerr := conn().Raw("SELECT RELEASE_LOCK(CONCAT(?, DATABASE()))", migrationLock+":").Row().Scan(&released); rerr != nil && err == nil {
					err = fmt.Errorf("release the migration lock: %w", rerr)
				}
			}()
		}
		// IF NOT EXISTS, not gorm's AutoMigrate: that checks, then creates, and two SQLite
		// replicas can both see no table.
		if err := conn().Exec(`CREATE TABLE IF NOT EXISTS blog_schema_migrations (
			version INTEGER NOT NULL PRIMARY KEY,
			name VARCHAR(200) NOT NULL,
			applied_on INTEGER NOT NULL)`).Error; err != nil {
			return fmt.Errorf("create blog_schema_migrations: %w", err)
		}
		for _, m := range list {
			stmts := m.sqlite
			if mysql {
				stmts = m.mysql
			}
			if err := apply(conn(), m, stmts, !mysql); err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
			}
		}
		return nil
	})
}

// apply runs one migration unless it is recorded as applied. With inTx (SQLite, whose DDL
// is transactional) the check, the statements and the record commit together; MySQL
// commits each DDL statement by itself, and the advisory lock keeps others out instead.
func apply(conn *gorm.DB, m migration, stmts []string, inTx bool) error {
	run := func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&schemaMigration{}).Where("version = ?", m.version).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		for _, stmt := range stmts {
			if err := tx.Exec(stmt).Error; err != nil {
				return err
			}
		}
		return tx.Create(&schemaMigration{Version: m.version, Name: m.name, AppliedOn: now()}).Error
	}
	if inTx {
		return conn.Transaction(run)
	}
	return run(conn)
}
