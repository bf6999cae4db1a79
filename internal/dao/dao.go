// Package dao is the database access layer: it opens gorm on SQLite (the default, a pure-Go
// driver) or MySQL, migrates the schema, and holds one file of queries per table. It turns
// what the client caused ("no such row", a duplicate live tag name, a missing tag) into
// errcode values and an unreachable database into a 503; every other error goes up
// wrapped, unlogged.
package dao

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"runtime"
	"sync"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"github.com/libtnb/sqlite"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/go-programming-tour-book/blog-service/internal/model"
	"github.com/go-programming-tour-book/blog-service/internal/setting"
	"github.com/go-programming-tour-book/blog-service/pkg/gormtrace"
)

// Dao runs the service's queries. Every method takes the caller's context, so a request
// that is cancelled or cut at shutdown stops its query too.
type Dao struct {
	db *gorm.DB
	// writer admits one writing transaction at a time on SQLite (nil on MySQL). SQLite has
	// a single writer anyway; queueing here, in order, beats its busy handler, which makes
	// waiting writers sleep and retry (a tail of seconds, and past busy_timeout an error).
	writer chan struct{}
	// readers admits as many list reads (Dao.query) at once as the pool has connections
	// on SQLite (nil on MySQL, or with no bound on the pool). Their queries do not watch
	// the request, and neither would database/sql's wait for a connection: they wait
	// here instead, where a request whose client leaves leaves the queue. (A flood of
	// clients that hung up at once kept the two connections busy with their reads, and
	// the clients that stayed waited seconds.) The writer's connection can still make one
	// of them wait in the pool, for one write.
	readers chan struct{}
	// stmts holds the statements of read, by query text.
	stmts sync.Map
}

// New returns a Dao on an open database.
func New(db *gorm.DB) *Dao {
	d := &Dao{db: db}
	if db.Name() == "sqlite" {
		d.writer = make(chan struct{}, 1)
		if sqlDB, err := db.DB(); err == nil {
			if n := sqlDB.Stats().MaxOpenConnections; n > 0 {
				d.readers = make(chan struct{}, n)
			}
		}
	}
	return d
}

// write runs fn as this process's only writer on SQLite. On MySQL it runs fn again, up to
// four more times, when InnoDB picked its transaction as a deadlock's victim: InnoDB has
// rolled all of it back, so nothing is done twice. Writes that change a list's counts lock
// the same rows of blog_list_count (migration 5), which makes such deadlocks possible. A
// random pause of a few milliseconds before each new try keeps the writers that collided
// from colliding again in step (eight writers hit three deadlocks in a row without one).
//
// A write that fails once ctx is done (the client left, or the deadline passed) is that,
// whatever the driver said: database/sql rolls back a transaction whose context ends, and the
// commit, gorm's own one-statement transaction's included, then says only "transaction has
// already been committed or rolled back" (SQLite: "cannot rollback - no transaction is
// active"). Those were 500s and error lines for a client hanging up on a tag's write.
func (d *Dao) write(ctx context.Context, fn func() error) error {
	err := d.writeOnce(ctx, fn)
	if err != nil && ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		return fmt.Errorf("write abandoned: %w (%v)", context.Cause(ctx), err)
	}
	return err
}

func (d *Dao) writeOnce(ctx context.Context, fn func() error) error {
	if d.writer == nil {
		err := fn()
		for try := 1; try < 5 && deadlock(err) && ctx.Err() == nil; try++ {
			time.Sleep(time.Duration(1+rand.IntN(5*try)) * time.Millisecond)
			err = fn()
		}
		return err
	}
	select {
	case d.writer <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-d.writer }()
	return fn()
}

// Open connects to the configured database and brings the schema up to date. MySQL is
// waited for up to Database.ConnectTimeout while it is unreachable; SQLite, a local file,
// and any other failure fail at once. log receives gorm's warnings (slow queries, errors).
func Open(ctx context.Context, cfg setting.Database, log *zap.Logger) (*gorm.DB, error) {
	var db *gorm.DB
	var err error
	if cfg.DBType == "mysql" {
		err = retry(ctx, cfg.ConnectTimeout, log, func() (err error) {
			db, err = open(ctx, cfg, log)
			return err
		})
	} else {
		// What fails on a local file fails again on a retry, but for SQLITE_BUSY: processes
		// opening a new database at once (replicas, a worker beside its master's probe)
		// race to switch it to WAL, and SQLite answers the losers without its busy handler.
		err = waitWhileBusy(ctx, func() (err error) {
			db, err = open(ctx, cfg, log)
			return err
		})
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfg.DBType, err)
	}
	sqlDB, _ := db.DB()
	if err := markUnavailable(db); err != nil {
		sqlDB.Close()
		return nil, err
	}
	if err := Migrate(ctx, db, log); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("migrate schema: %w", err)
	}
	return db, nil
}

// open makes one attempt: gorm.Open (which asks MySQL for its version) and a ping.
func open(ctx context.Context, cfg setting.Database, log *zap.Logger) (*gorm.DB, error) {
	dialector, pool, err := dialect(cfg, log)
	if err != nil {
		return nil, err
	}
	if pool != nil {
		// gorm.Open asks MySQL for its version without a context: a host that accepts the
		// connection and never greets would hold the start-up, and a stop signal, forever.
		// Connected under ctx first, the pool has a greeted connection for that query.
		if err := ping(ctx, pool); err != nil {
			pool.Close()
			return nil, err
		}
	}
	db, err := gorm.Open(dialector, &gorm.Config{
		NamingStrategy: schema.NamingStrategy{TablePrefix: model.TablePrefix, SingularTable: true},
		// Reuse prepared statements: on MySQL each query otherwise costs a prepare and a
		// close round trip, on SQLite a parse and a plan (modernc.org/sqlite keeps a
		// prepared statement compiled). The API has a bounded set of statement shapes.
		PrepareStmt:        true,
		PrepareStmtMaxSize: 256,
		// gorm's default of 24 hours evicts every statement once a day, and eviction closes
		// it under whoever took it from the cache a moment before ("sql: statement is
		// closed"). The shapes are few; only the size bound evicts.
		PrepareStmtTTL: 100 * 365 * 24 * time.Hour,
		Logger:         newQueryLog(log),
	})
	if err != nil {
		if pool != nil {
			pool.Close()
		} else if db != nil { // the dialector's own pool (SQLite), opened before the ping failed
			if sqlDB, err := db.DB(); err == nil {
				sqlDB.Close()
			}
		}
		return nil, err
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	if cache, ok := db.ConnPool.(*gorm.PreparedStmtDB); ok {
		cache.ConnPool = detachedPrepare{sqlDB}
	}
	maxOpen, lifetime := cfg.MaxOpenConns, cfg.ConnMaxLifetime
	if cfg.DBType == "sqlite" {
		// A connection per core, and at least two, so that the writer (Dao.write admits
		// one) never holds the only one. The pure-Go engine is CPU-bound: a read beyond
		// one per core runs no sooner, and every read takes and releases its lock on the
		// WAL index under a mutex that the connections of a process share. With two per
		// core, reads queued at that mutex: the tags page's p99 was 1.2-1.35x the floor's,
		// against 1.03-1.1x with one. Each connection also keeps its own page cache (2 MB).
		maxOpen = min(maxOpen, max(2, runtime.GOMAXPROCS(0)))
		// No server closes an idle file: a connection kept for ever keeps its cache and
		// its prepared statements, and database/sql reads the clock two times fewer per query.
		lifetime = 0
	}
	sqlDB.SetMaxOpenConns(maxOpen)
	sqlDB.SetMaxIdleConns(cfg.MaxIdleConns)
	sqlDB.SetConnMaxLifetime(lifetime)
	if err := ping(ctx, sqlDB); err != nil {
		sqlDB.Close()
		return nil, err
	}
	return db, nil
}

// detachedPrepare is the pool under gorm's statement cache, which prepares each statement
// once for every caller that wants it meanwhile: with the first caller's context, whose
// client leaving failed them all as "context canceled" (another client's GET answered 503,
// cancelled, just after a start; a POST that had committed answered so too, and its client
// would send it again). Statements are prepared for the process, not for a request, so
// whoever asks first, the preparation does not end with its client; prepareTimeout bounds it.
type detachedPrepare struct{ *sql.DB }

const prepareTimeout = 10 * time.Second

func (p detachedPrepare) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), prepareTimeout)
	defer cancel()
	return p.DB.PrepareContext(ctx, query)
}

// GetDBConn is how gorm's DB() finds the pool under the cache.
func (p detachedPrepare) GetDBConn() (*sql.DB, error) { return p.DB, nil }

// ping connects, or checks a connection, for at most 5 seconds.
func ping(ctx context.Context, db *sql.DB) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// retry calls attempt until it succeeds, backing off from 100 ms to 2 s, for at most
// limit: replicas often start before their database is up. An error that waiting cannot
// cure (access denied, unknown database) is returned at once.
func retry(ctx context.Context, limit time.Duration, log *zap.Logger, attempt func() error) error {
	deadline := time.Now().Add(limit)
	for delay := 100 * time.Millisecond; ; delay = min(2*delay, 2*time.Second) {
		err := attempt()
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case !transient(err):
			return err
		case time.Now().Add(delay).After(deadline):
			return fmt.Errorf("not reachable within %v (Database.ConnectTimeout): %w", limit, err)
		}
		log.Warn("database not reachable yet; retrying", zap.Duration("in", delay), zap.Error(err))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
	}
}

// Trace makes every query a span of the request's trace (pkg/gormtrace), without the
// query's values (they may be secrets).
func Trace(db *gorm.DB, tp trace.TracerProvider) error {
	return db.Use(gormtrace.New(tp))
}

// Close closes the database's connection pool.
func Close(db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping reports whether the database answers, for readiness checks.
func (d *Dao) Ping(ctx context.Context) error {
	sqlDB, err := d.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// dialect is cfg's gorm dialector. For MySQL it comes with its pool, opened and not yet
// connected, whose driver writes its messages to log; for SQLite the dialector opens the
// pool itself, adding its own DSN parameters.
func dialect(cfg setting.Database, log *zap.Logger) (gorm.Dialector, *sql.DB, error) {
	switch cfg.DBType {
	case "sqlite":
		if err := checkSQLitePath(cfg.Path); err != nil {
			return nil, nil, err
		}
		return sqlite.Open(SQLiteDSN(cfg.Path, cfg.BusyTimeout)), nil, nil
	case "mysql":
		dsn := MySQLDSN(cfg)
		mc, err := mysqldriver.ParseDSN(dsn)
		if err != nil {
			return nil, nil, err
		}
		mc.Logger = driverLog{log}
		conn, err := mysqldriver.NewConnector(mc)
		if err != nil {
			return nil, nil, err
		}
		pool := sql.OpenDB(conn)
		return mysql.New(mysql.Config{DSN: dsn, Conn: pool}), pool, nil
	}
	return nil, nil, fmt.Errorf("unknown database type %q", cfg.DBType)
}

// driverLog takes go-sql-driver's messages (a connection the server closed, a packet out
// of order), which it would print to stderr as plain text, into the service's log.
type driverLog struct{ log *zap.Logger }

func (l driverLog) Print(v ...any) {
	l.log.Warn("mysql driver", zap.String("detail", fmt.Sprint(v...)))
}

// SQLiteDSN makes SQLite safe for concurrent writers, including a second process during an
// upgrade: WAL lets readers run beside the writer, busy_timeout makes a writer wait for the
// lock instead of failing with "database is locked", and _txlock=immediate takes the write
// lock when a transaction begins, so two transactions never deadlock upgrading read locks.
// The keys are modernc.org/sqlite's (TestSQLitePragmasTakeEffect reads each back). Loading
// the dialector, github.com/libtnb/sqlite, also switches on for the whole process: locks
// owned by the open file rather than the process (OFD, Linux), fdatasync at commit, and a
// _pragma holding more than one statement refused.
func SQLiteDSN(path string, busy time.Duration) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// MySQLDSN builds a go-sql-driver DSN from the book's keys. clientFoundRows makes an UPDATE
// report matched rows, so "no such row" is not confused with "nothing changed".
// The dial timeout keeps a request from hanging on a database host that is down.
func MySQLDSN(cfg setting.Database) string {
	return fmt.Sprintf("%s:%s@tcp(%s)/%s?charset=%s&parseTime=%t&loc=Local&clientFoundRows=true&timeout=5s",
		cfg.UserName, cfg.Password, cfg.Host, cfg.DBName, cfg.Charset, cfg.ParseTime)
}

// now is the book's timestamp: Unix seconds.
func now() uint32 { return uint32(time.Now().Unix()) }
