package dao

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"

	"github.com/go-sql-driver/mysql"

	"github.com/go-programming-tour-book/blog-service/pkg/writable"
)

// MySQL server errors worth waiting out: too many connections, and shutdown in progress
// (a restart).
const (
	erConCount       = 1040
	erServerShutdown = 1053
)

// transient reports whether a failed attempt to reach MySQL may succeed later: the server
// cannot be reached yet (refused, timed out, no such host yet), the connection broke, or
// the server is full or restarting. Anything else fails the same way every time.
func transient(err error) bool {
	var opErr *net.OpError
	var dnsErr *net.DNSError
	var myErr *mysql.MySQLError
	switch {
	case errors.As(err, &opErr), errors.As(err, &dnsErr):
		return true
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, mysql.ErrInvalidConn):
		return true
	case errors.Is(err, context.DeadlineExceeded): // open's bound on one attempt
		return true
	case errors.As(err, &myErr):
		return myErr.Number == erConCount || myErr.Number == erServerShutdown
	}
	return false
}

// checkSQLitePath fails with the cause when SQLite could not write the database at path:
// SQLite itself reports an unwritable directory as "out of memory (14)".
func checkSQLitePath(path string) error {
	if err := writable.Dir(filepath.Dir(path)); err != nil {
		return err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(abs, os.O_RDWR, 0)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil // SQLite creates it
	case err != nil:
		return fmt.Errorf("database file: %w", err) // err names the file
	}
	return f.Close()
}
