package dao

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/go-programming-tour-book/blog-service/pkg/gormtrace"
)

// read runs query, a SELECT of fixed shape written in this package, with database/sql on
// a statement prepared once, calls scan for each row, and returns how many it scanned.
// The lists' reads (a page with its count) take this path: through gorm, building the
// statement, running its callbacks and filling the model by reflection cost the tags page
// over a quarter of its CPU, for queries that never change. What gorm's callbacks do for
// its queries, read does too: the query is a span of the request's trace, a slow or failed
// query reaches the query log, and an unreachable database is a 503.
func (d *Dao) read(ctx context.Context, table, query string, scan func(*sql.Rows) error, args ...any) (int64, error) {
	begin := time.Now()
	qctx, end := gormtrace.Query(ctx, d.db, query, table)
	n := int64(-1)
	stmt, err := d.prepared(qctx, query)
	if err == nil {
		n, err = d.query(qctx, stmt, scan, args)
	}
	end(n, err)
	d.db.Logger.Trace(ctx, begin, func() (string, int64) { return query, n }, err)
	return n, unavailable(ctx, err)
}

// query runs stmt and scans its rows; n is -1 when it did not run. On MySQL the query
// stops with the request. On SQLite it waits for its turn at d.readers, which a request
// that ends leaves, and then runs to its end without watching the request: a read here
// is bounded (an index seek and a page, or for a page by number at most
// App.MaxPageOffset index entries, a few ms at a million rows, docs/BENCHMARKS.md), and
// a context that can end costs every query two goroutines, database/sql's and the
// driver's, each watching it to stop the query: 8% of the tags page's CPU.
func (d *Dao) query(ctx context.Context, stmt *sql.Stmt, scan func(*sql.Rows) error, args []any) (int64, error) {
	if d.readers != nil {
		select {
		case d.readers <- struct{}{}:
		case <-ctx.Done():
			return -1, ctx.Err()
		}
		defer func() { <-d.readers }()
		if err := ctx.Err(); err != nil { // it ended as its turn came
			return -1, err
		}
		ctx = context.WithoutCancel(ctx) // its values, the trace's span among them, stay
	}
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return -1, err
	}
	return eachRow(rows, scan)
}

// prepared returns query's statement, preparing it the first time. The dao writes a few
// shapes of query, so the statements are few; database/sql prepares each again on every
// connection that runs it.
func (d *Dao) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := d.stmts.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	db, err := d.db.DB()
	if err != nil {
		return nil, err
	}
	s, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if first, raced := d.stmts.LoadOrStore(query, s); raced {
		_ = s.Close() // another request prepared it first: use that one
		return first.(*sql.Stmt), nil
	}
	return s, nil
}

// eachRow calls scan for each row and closes rows; n counts the rows scanned.
func eachRow(rows *sql.Rows, scan func(*sql.Rows) error) (n int64, err error) {
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

// unsigned scans an integer column into an unsigned field: scan(col(&t.ID)). database/sql
// scans into an unsigned destination through a decimal string (FormatInt, then
// ParseUint, by reflection), which cost the tags page about as much CPU as SQLite spent
// reading its rows. A struct holding one pointer is stored in an interface without an
// allocation.
type unsigned[T uint8 | uint32] struct{ p *T }

func col[T uint8 | uint32](p *T) unsigned[T] { return unsigned[T]{p} }

// colOrZero is col for a column that a LEFT JOIN leaves NULL when it finds no row (an
// article without a live link): NULL scans as 0.
func colOrZero[T uint8 | uint32](p *T) orZero[T] { return orZero[T]{unsigned[T]{p}} }

type orZero[T uint8 | uint32] struct{ unsigned[T] }

func (z orZero[T]) Scan(src any) error {
	if src == nil {
		*z.p = 0
		return nil
	}
	return z.unsigned.Scan(src)
}

// Scan takes what the drivers return for an integer column: int64 (SQLite, and MySQL's
// binary protocol), uint64 (MySQL, above the int64 range), or its digits as text.
func (u unsigned[T]) Scan(src any) error {
	var v uint64
	var err error
	switch s := src.(type) {
	case int64:
		if s < 0 {
			err = errors.New("negative")
		}
		v = uint64(s)
	case uint64:
		v = s
	case []byte:
		v, err = strconv.ParseUint(string(s), 10, 64)
	case string:
		v, err = strconv.ParseUint(s, 10, 64)
	default:
		err = errors.New("not an integer")
	}
	if err == nil && v > uint64(^T(0)) {
		err = errors.New("out of range")
	}
	if err != nil {
		return fmt.Errorf("scan %v (%T) into %T: %w", src, src, *u.p, err)
	}
	*u.p = T(v)
	return nil
}
