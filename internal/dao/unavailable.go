package dao

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"github.com/go-programming-tour-book/blog-service/internal/errcode"
)

// markUnavailable makes every query that fails because the database cannot be reached
// carry errcode.ServiceUnavailable, so clients get a 503 (and can retry elsewhere) rather
// than a 500, and the log still has the cause.
func markUnavailable(db *gorm.DB) error {
	mark := func(tx *gorm.DB) { tx.Error = unavailable(tx.Statement.Context, tx.Error) }
	cb := db.Callback()
	for name, err := range map[string]error{
		"create": cb.Create().After("gorm:create").Register("blog:unavailable", mark),
		"query":  cb.Query().After("gorm:query").Register("blog:unavailable", mark),
		"update": cb.Update().After("gorm:update").Register("blog:unavailable", mark),
		"delete": cb.Delete().After("gorm:delete").Register("blog:unavailable", mark),
		"row":    cb.Row().After("gorm:row").Register("blog:unavailable", mark),
		"raw":    cb.Raw().After("gorm:raw").Register("blog:unavailable", mark),
	} {
		if err != nil {
			return fmt.Errorf("register %s callback: %w", name, err)
		}
	}
	return nil
}

// unavailable wraps err with errcode.ServiceUnavailable when it means the database could
// not be reached; other errors pass unchanged. When the request (ctx) has ended, its end
// broke the dial or the connection, not the database: err is wrapped with the context's
// error and answered as the request's end (a client that hung up while its query dialed
// was told the database was unavailable).
func unavailable(ctx context.Context, err error) error {
	if err == nil || !unreachable(err) || errors.Is(err, errcode.ServiceUnavailable) {
		return err
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%w: %w", ctx.Err(), err)
	}
	return fmt.Errorf("%w: %w", errcode.ServiceUnavailable.WithDetail("the database is unavailable", "数据库不可用"), err)
}

// transaction runs fn in a writing transaction; failing to begin one is marked like a query.
func (d *Dao) transaction(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return d.write(ctx, func() error { // which answers a transaction whose client left
		return unavailable(ctx, d.db.WithContext(ctx).Transaction(fn))
	})
}

// unreachable reports whether err means the database could not be reached or the
// connection broke, as opposed to a query the database refused.
func unreachable(err error) bool {
	var netErr *net.OpError
	return errors.As(err, &netErr) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn)
}
