// Package daotest opens a real, empty database for a test: SQLite in t.TempDir() by
// default, or a fresh MySQL/MariaDB database when BLOG_TEST_MYSQL_DSN is set (a
// go-sql-driver DSN without a database name, e.g. root@tcp(127.0.0.1:3306)/?parseTime=true).
// Each test gets its own database, so tests run in parallel and in any order.
package daotest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"go.uber.org/zap"
	"gorm.io/gorm"

	"github.com/go-programming-tour-book/blog-service/internal/dao"
	"github.com/go-programming-tour-book/blog-service/internal/setting"
)

// MySQLEnv names the variable that switches the suite to MySQL/MariaDB.
const MySQLEnv = "BLOG_TEST_MYSQL_DSN"

// RedisEnv names the variable that points the rate-limit tests at a Redis (host:port).
const RedisEnv = "BLOG_TEST_REDIS_ADDR"

// Open returns an open, migrated, empty database that is closed (and, on MySQL, dropped)
// when the test ends.
func Open(t testing.TB) *gorm.DB {
	t.Helper()
	return OpenConfig(t, Config(t))
}

// OpenConfig opens the database of cfg (from Config) with a pool of its own, closed when
// the test ends: a second one stands for another process on the same database.
func OpenConfig(t testing.TB, cfg setting.Database) *gorm.DB {
	t.Helper()
	db, err := dao.Open(context.Background(), cfg, zap.NewNop())
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { dao.Close(db) })
	return db
}

// Config returns the settings of a new, empty test database (created on MySQL).
func Config(t testing.TB) setting.Database {
	t.Helper()
	cfg := setting.Database{
		DBType:         "sqlite",
		Path:           filepath.Join(t.TempDir(), "blog.db"),
		BusyTimeout:    5 * time.Second,
		MaxIdleConns:   10,
		MaxOpenConns:   30,
		ConnectTimeout: 10 * time.Second,
	}
	dsn := os.Getenv(MySQLEnv)
	if dsn == "" {
		return cfg
	}
	mc, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s: %v", MySQLEnv, err)
	}
	name := "blog_test_" + randomHex(6)
	admin, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatalf("connect to MySQL: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4"); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("mysql", dsn)
		if err != nil {
			t.Errorf("connect to MySQL: %v", err)
			return
		}
		defer admin.Close()
		if _, err := admin.Exec("DROP DATABASE " + name); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	cfg.DBType = "mysql"
	cfg.Host = mc.Addr
	cfg.UserName = mc.User
	cfg.Password = mc.Passwd
	cfg.DBName = name
	cfg.Charset = "utf8mb4"
	cfg.ParseTime = true
	return cfg
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
