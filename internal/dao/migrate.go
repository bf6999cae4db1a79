package dao

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"go.uber.org/zap"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	modernc "modernc.org/sqlite"
)

// migration is one versioned schema change, written for each dialect.
type migration struct {
	version int
	name    string
	// release is the release that first ships the migration (see currentRelease).
	release int
	// contract is set only on a step that drops or renames a table or column, or changes a
	// column's type: it names the release whose code stopped using what the step removes,
	// and the step must ship in a later release. Every other migration only adds (expand),
	// so the release before it, to which a rollback returns, runs on the new schema.
	// TestMigrationsAreExpandOnly holds the rule; the README has an example.
	contract      int
	mysql, sqlite []string
	// report, if set, counts rows the migration changed that an operator should look at
	// (one query for both dialects); a count above zero is logged with the migration.
	report string
}

// MySQL errors that applyMySQL handles.
const (
	mysqlLockWaitTimeout = 1205 // ER_LOCK_WAIT_TIMEOUT: a metadata lock's wait, or a row lock's
	mysqlDupFieldName    = 1060 // ER_DUP_FIELDNAME
	mysqlDupKeyName      = 1061 // ER_DUP_KEYNAME
)

// ddlLockWait bounds how long one of a migration's statements waits for a table's metadata
// lock on MySQL before it gives way and tries again (lock_wait_timeout, in seconds).
const ddlLockWait = 2

// applyMySQL runs a migration's statements on MySQL, where each DDL statement commits on
// its own. Two things differ from a plain run:
//
//   - An ALTER TABLE or LOCK TABLES waits for the metadata lock of its tables, and every
//     statement of the worker being replaced that wants them queues behind it. When one of
//     that worker's transactions holds such a table and waits for a row held by another
//     that is queued, nothing breaks the cycle (no deadlock detector sees both kinds of
//     lock): under steady writes, migration 6's ADD COLUMN stalled the old worker's
//     requests for 28 s and outlived the upgrade's timeout, in 4 of 5 runs at 300,000
//     articles. So each statement waits ddlLockWait seconds at most, then gives way and
//     runs again after a pause, until lockWait has passed (a SET TRANSACTION just before it
//     runs again too: it applies to the next transaction only). So does a statement that
//     was a deadlock's victim (rolled back whole). Not inside LOCK TABLES, where the locks
//     are this session's.
//   - A migration cut short (its worker killed by the upgrade's timeout) is run again whole
//     at the next start, and MySQL cannot add a column or index IF NOT EXISTS: one already
//     there counts as added (ER_DUP_FIELDNAME, ER_DUP_KEYNAME).
//
// Each try runs without gorm's statement log, which would call every give-way an error;
// a statement that gave way is logged once, as a warning, with its tries and time.
func applyMySQL(tx *gorm.DB, stmts []string, log *zap.Logger) (err error) {
	if err := tx.Exec(fmt.Sprintf("SET SESSION lock_wait_timeout = %d", ddlLockWait)).Error; err != nil {
		return err
	}
	defer func() {
		if rerr := tx.Exec("SET SESSION lock_wait_timeout = DEFAULT").Error; rerr != nil && err == nil {
			err = rerr
		}
	}()
	quiet := tx.Session(&gorm.Session{Logger: logger.Discard})
	deadline := time.Now().Add(lockWait)
	locked := false
	for i, stmt := range stmts {
		start := time.Now()
		err := quiet.Exec(stmt).Error
		try := 1
		for ; (mysqlError(err, mysqlLockWaitTimeout) || deadlock(err)) && !locked && time.Now().Before(deadline); try++ {
			time.Sleep(time.Duration(50+rand.IntN(100*min(try, 5))) * time.Millisecond)
			if i > 0 && strings.HasPrefix(strings.ToUpper(stmts[i-1]), "SET TRANSACTION") {
				if err := quiet.Exec(stmts[i-1]).Error; err != nil {
					return err
				}
			}
			err = quiet.Exec(stmt).Error
		}
		if try > 1 {
			log.Warn("schema migration statement gave way to other transactions", zap.Int("tries", try),
				zap.Duration("elapsed", time.Since(start)), zap.String("sql", stmt[:min(len(stmt), 120)]), zap.Error(err))
		}
		if mysqlError(err, mysqlDupFieldName) || mysqlError(err, mysqlDupKeyName) {
			err = nil
		}
		if err != nil {
			return err
		}
		switch upper := strings.ToUpper(stmt); {
		case strings.HasPrefix(upper, "LOCK TABLES"):
			locked = true
		case strings.HasPrefix(upper, "UNLOCK TABLES"):
			locked = false
		}
	}
	return nil
}

// mysqlError reports whether err is MySQL's error number.
func mysqlError(err error, number uint16) bool {
	var my *mysql.MySQLError
	return errors.As(err, &my) && my.Number == number
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

// Migrate brings the schema up to date. It first reads which migrations are applied, with
// no lock and no transaction: a worker starting beside a busy one (a SIGHUP upgrade on
// SQLite) must not queue behind its writes when there is nothing to do, which is nearly
// every start. Only when one is pending does it lock (MySQL: GET_LOCK, so replicas take
// turns; SQLite: an immediate transaction) and check again, so each migration runs once.
// A hand-written runner rather than a migration library: the ones that lock on MySQL
// bring a second SQLite driver that clashes with the pure-Go one registered here.
func Migrate(ctx context.Context, db *gorm.DB, log *zap.Logger) error {
	return migrate(ctx, db, migrations, log)
}

func migrate(ctx context.Context, db *gorm.DB, list []migration, log *zap.Logger) error {
	// One connection throughout: MySQL's advisory locks belong to a session.
	return db.WithContext(ctx).Connection(func(session *gorm.DB) error {
		// NewDB: each query on conn starts a fresh statement; gorm keeps a failed
		// statement's error on a reused one, which would hide the lock's release.
		conn := session.Session(&gorm.Session{NewDB: true})
		mysql := conn.Name() == "mysql"
		applied, err := appliedVersions(conn, mysql)
		if err != nil {
			return fmt.Errorf("read applied migrations: %w", err)
		}
		if len(pending(list, applied)) == 0 {
			return nil
		}
		var done []appliedMigration
		if mysql {
			err = withMySQLLock(conn, func() error {
				done, err = applyPending(conn, list, true, log)
				return err
			})
		} else {
			// The DSN's _txlock=immediate makes this BEGIN IMMEDIATE: the write lock is
			// taken before the second look, so two workers cannot both see a migration
			// pending. SQLite's DDL is transactional: all of it commits, or none.
			err = waitWhileBusy(ctx, func() error {
				return conn.Transaction(func(tx *gorm.DB) (err error) {
					done, err = applyPending(tx, list, false, log)
					return err
				})
			})
		}
		if err != nil {
			return err
		}
		for _, a := range done {
			log.Info("applied schema migration", zap.Int("version", a.version), zap.String("name", a.name))
			if a.reported > 0 {
				log.Warn("schema migration changed rows to review", zap.Int("version", a.version), zap.Int64("rows", a.reported), zap.String("name", a.name))
			}
		}
		return nil
	})
}

// waitWhileBusy runs fn again while SQLite answers that the database is busy, for up to
// lockWait, as GET_LOCK waits on MySQL. The worker an upgrade replaces may write without
// pause; SQLite's busy handler polls for the write lock rather than queueing for it, so a
// migration's BEGIN IMMEDIATE can miss every gap for the whole busy timeout (5 s), and the
// new worker would exit with the upgrade undone (make upgrade-drill: 1 run in 18).
func waitWhileBusy(ctx context.Context, fn func() error) error {
	deadline := time.Now().Add(lockWait)
	for {
		err := fn()
		if !sqliteBusy(err) || time.Now().After(deadline) {
			return err
		}
		select { // a pause, in case the busy timeout is zero
		case <-ctx.Done():
			return err
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// sqliteBusy reports whether err is SQLITE_BUSY or one of its extended codes.
func sqliteBusy(err error) bool {
	var lite *modernc.Error
	return errors.As(err, &lite) && lite.Code()&0xff == sqliteBusyCode
}

const sqliteBusyCode = 5 // SQLITE_BUSY

// appliedMigration is what applyPending did, for the log.
type appliedMigration struct {
	version  int
	name     string
	reported int64 // the migration's report count
}

// appliedVersions reads the recorded versions with plain reads; a database without
// blog_schema_migrations has none.
func appliedVersions(conn *gorm.DB, mysql bool) (map[int]bool, error) {
	exists := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'blog_schema_migrations'`
	if mysql {
		exists = `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'blog_schema_migrations'`
	}
	var n int64
	if err := conn.Raw(exists).Scan(&n).Error; err != nil {
		return nil, err
	}
	applied := map[int]bool{}
	if n == 0 {
		return applied, nil
	}
	var versions []int
	if err := conn.Model(&schemaMigration{}).Pluck("version", &versions).Error; err != nil {
		return nil, err
	}
	for _, v := range versions {
		applied[v] = true
	}
	return applied, nil
}

// pending returns the migrations of list that are not applied, in order.
func pending(list []migration, applied map[int]bool) []migration {
	var todo []migration
	for _, m := range list {
		if !applied[m.version] {
			todo = append(todo, m)
		}
	}
	return todo
}

// withMySQLLock runs fn holding MySQL's advisory lock for this database. MySQL commits
// each DDL statement by itself, so the lock, not a transaction, keeps other replicas out.
func withMySQLLock(conn *gorm.DB, fn func() error) (err error) {
	// The lock is server-wide: name it after the database, so services on other databases
	// of the same server do not wait for each other.
	var got sql.NullInt64
	err = conn.Raw("SELECT GET_LOCK(CONCAT(?, DATABASE()), ?)", migrationLock+":", int(lockWait.Seconds())).Row().Scan(&got)
	if err != nil {
		return fmt.Errorf("take the migration lock: %w", err)
	}
	if got.Int64 != 1 {
		return fmt.Errorf("take the migration lock: another replica held it for %v", lockWait)
	}
	defer func() {
		// SELECT, not DO: DO cannot be a prepared statement, and its failure was silent.
		var released sql.NullInt64
		if rerr := conn.Raw("SELECT RELEASE_LOCK(CONCAT(?, DATABASE()))", migrationLock+":").Row().Scan(&released); rerr != nil && err == nil {
			err = fmt.Errorf("release the migration lock: %w", rerr)
		}
	}()
	return fn()
}

// applyPending runs, under the caller's lock, each migration of list that is still
// pending: another worker may have applied some since the unlocked read.
func applyPending(tx *gorm.DB, list []migration, mysql bool, log *zap.Logger) ([]appliedMigration, error) {
	// IF NOT EXISTS, not gorm's AutoMigrate: that checks, then creates, in two steps.
	if err := tx.Exec(`CREATE TABLE IF NOT EXISTS blog_schema_migrations (
		version INTEGER NOT NULL PRIMARY KEY,
		name VARCHAR(200) NOT NULL,
		applied_on INTEGER NOT NULL)`).Error; err != nil {
		return nil, fmt.Errorf("create blog_schema_migrations: %w", err)
	}
	applied, err := appliedVersions(tx, mysql)
	if err != nil {
		return nil, fmt.Errorf("read applied migrations: %w", err)
	}
	var done []appliedMigration
	for _, m := range pending(list, applied) {
		a, err := apply(tx, m, mysql, log)
		if err != nil {
			return done, fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
		}
		done = append(done, a)
	}
	return done, nil
}

// apply runs one migration's statements, records it, and counts its report.
func apply(tx *gorm.DB, m migration, mysql bool, log *zap.Logger) (appliedMigration, error) {
	a := appliedMigration{version: m.version, name: m.name}
	if mysql {
		if err := applyMySQL(tx, m.mysql, log); err != nil {
			// A step between LOCK TABLES and UNLOCK TABLES failed: the table locks
			// belong to this connection, which returns to the pool. Without locks
			// UNLOCK TABLES does nothing.
			_ = tx.Exec("UNLOCK TABLES").Error
			return a, err
		}
	} else {
		for _, stmt := range m.sqlite {
			if err := tx.Exec(stmt).Error; err != nil {
				return a, err
			}
		}
	}
	if err := tx.Create(&schemaMigration{Version: m.version, Name: m.name, AppliedOn: now()}).Error; err != nil {
		return a, err
	}
	if m.report != "" {
		if err := tx.Raw(m.report).Scan(&a.reported).Error; err != nil {
			return a, fmt.Errorf("report: %w", err)
		}
	}
	return a, nil
}
