package dao_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/go-programming-tour-book/blog-service/internal/dao"
	"github.com/go-programming-tour-book/blog-service/internal/dao/daotest"
	"github.com/go-programming-tour-book/blog-service/internal/setting"
)

func TestTransient(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", refused, true},
		{"wrapped", fmt.Errorf("ping: %w", refused), true},
		{"no such host", &net.DNSError{Err: "no such host", Name: "db", IsNotFound: true}, true},
		{"attempt timed out", context.DeadlineExceeded, true},
		{"bad connection", driver.ErrBadConn, true},
		{"invalid connection", mysql.ErrInvalidConn, true},
		{"too many connections", &mysql.MySQLError{Number: 1040}, true},
		{"server shutting down", &mysql.MySQLError{Number: 1053}, true},
		{"access denied", &mysql.MySQLError{Number: 1045}, false},
		{"unknown database", &mysql.MySQLError{Number: 1049}, false},
		{"anything else", errors.New("unknown database type"), false},
	}
	for _, tt := range tests {
		if got := dao.Transient(tt.err); got != tt.want {
			t.Errorf("%s: Transient(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}

// openLogged opens cfg's database and returns the log's retry lines and the error.
func openLogged(t *testing.T, cfg setting.Database) (int, error) {
	t.Helper()
	core, logs := observer.New(zap.WarnLevel)
	db, err := dao.Open(context.Background(), cfg, zap.New(core))
	if err == nil {
		dao.Close(db)
	}
	return logs.FilterMessageSnippet("retrying").Len(), err
}

// A SQLite file that cannot be written fails at once with the cause, never SQLite's
// "out of memory (14)" after a retry.
func TestOpenUnwritableSQLiteFailsAtOnce(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := daotest.Config(t)
	cfg.DBType, cfg.Path, cfg.ConnectTimeout = "sqlite", filepath.Join(file, "blog.db"), time.Minute
	retries, err := openLogged(t, cfg)
	if err == nil || !strings.Contains(err.Error(), "not a directory") || !strings.Contains(err.Error(), file) || retries > 0 {
		t.Errorf("Open under a file: %v after %d retries, want \"not a directory\" naming %s and no retry", err, retries, file)
	}
}

func TestOpenReadOnlySQLiteFileFailsAtOnce(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes into a read-only file")
	}
	cfg := daotest.Config(t)
	cfg.DBType, cfg.Path = "sqlite", filepath.Join(t.TempDir(), "blog.db")
	if err := os.WriteFile(cfg.Path, nil, 0o444); err != nil {
		t.Fatal(err)
	}
	retries, err := openLogged(t, cfg)
	if err == nil || !strings.Contains(err.Error(), "permission denied") || retries > 0 {
		t.Errorf("Open of a read-only file: %v after %d retries, want permission denied and no retry", err, retries)
	}
}

// MySQL's refusals (bad credentials, no such database) are not waited out.
func TestOpenMySQLRefusalFailsAtOnce(t *testing.T) {
	if os.Getenv(daotest.MySQLEnv) == "" {
		t.Skipf("needs MySQL or MariaDB: set %s (CI does)", daotest.MySQLEnv)
	}
	good := daotest.Config(t)
	good.ConnectTimeout = time.Minute
	tests := []struct {
		name string
		edit func(*setting.Database)
		want string
	}{
		{"access denied", func(c *setting.Database) { c.UserName, c.Password = "blog_no_such_user", "wrong-password" }, "Error 1045"},
		{"unknown database", func(c *setting.Database) { c.DBName = "blog_no_such_database" }, "Error 1049"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.edit(&cfg)
			retries, err := openLogged(t, cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) || retries > 0 {
				t.Errorf("Open: %v after %d retries, want %s and no retry", err, retries, tt.want)
			}
		})
	}
}

// A MySQL host that accepts the connection and never greets (a stuck proxy, a server
// frozen mid-start) must not hold the service past its stop signal: Open returns when its
// context ends. gorm's own version query runs without a context, so the handshake has to
// happen before it, under Open's.
func TestOpenGivesUpOnAMuteMySQLWhenCancelled(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	held := make(chan net.Conn, 16)
	defer func() {
		ln.Close()
		close(held)
		for c := range held {
			c.Close()
		}
	}()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			select {
			case held <- c: // kept open, silent
			default:
				c.Close()
			}
		}
	}()
	cfg := daotest.Config(t)
	cfg.DBType, cfg.Host, cfg.DBName, cfg.ConnectTimeout = "mysql", ln.Addr().String(), "blog", time.Minute
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		db, err := dao.Open(ctx, cfg, zap.NewNop())
		if err == nil {
			dao.Close(db)
		}
		done <- err
	}()
	time.Sleep(300 * time.Millisecond) // Open is waiting for the greeting
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Open after its context was cancelled: %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second): // it returns at once; without the fix, never
		t.Fatal("Open still waiting for a mute server 30 s after its context was cancelled")
	}
}

// The MySQL driver's own messages reach the service's log, not stderr as plain text.
func TestMySQLDriverMessagesGoToTheLog(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close() // hangs up before the greeting: the driver reports an unexpected EOF
		}
	}()
	cfg := daotest.Config(t)
	cfg.DBType, cfg.Host, cfg.DBName, cfg.ConnectTimeout = "mysql", ln.Addr().String(), "blog", 200*time.Millisecond
	core, logs := observer.New(zap.WarnLevel)
	if db, err := dao.Open(context.Background(), cfg, zap.New(core)); err == nil {
		dao.Close(db)
		t.Fatal("Open succeeded on a host that hangs up")
	}
	if n := logs.FilterMessage("mysql driver").Len(); n == 0 {
		t.Errorf("no \"mysql driver\" line in the log; it has %d lines: %v", logs.Len(), logs.All())
	}
}

// SQLite connections are kept whatever Database.ConnMaxLifetime says: that setting is for a
// server that closes idle connections, and reopening a SQLite file reads its schema and
// prepares every statement again.
func TestSQLiteKeepsItsConnections(t *testing.T) {
	cfg := daotest.Config(t)
	if cfg.DBType != "sqlite" {
		t.Skip("SQLite only")
	}
	cfg.ConnMaxLifetime = time.Millisecond
	db, err := dao.Open(context.Background(), cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer dao.Close(db)
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		time.Sleep(5 * time.Millisecond) // past the lifetime
		if err := sqlDB.PingContext(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if s := sqlDB.Stats(); s.MaxLifetimeClosed != 0 || s.MaxIdleTimeClosed != 0 {
		t.Errorf("connections closed for their age: %+v", s)
	}
}
