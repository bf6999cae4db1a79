package main

import (
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-programming-tour-book/blog-service/internal/dao/daotest"
)

// The binary runs on MySQL/MariaDB configured through the environment alone, with the
// book's keys: on an empty database it creates the schema and, in debug mode, seeds the
// demo credential, as on SQLite.
func TestBinaryOnMySQLFromEnvironment(t *testing.T) {
	if os.Getenv(daotest.MySQLEnv) == "" {
		t.Skipf("needs MySQL or MariaDB: set %s (CI does)", daotest.MySQLEnv)
	}
	t.Parallel()
	db := daotest.Config(t) // a new, empty database
	p := startProc(t,
		"BLOG_DATABASE_DBTYPE=mysql",
		"BLOG_DATABASE_HOST="+db.Host,
		"BLOG_DATABASE_USERNAME="+db.UserName,
		"BLOG_DATABASE_PASSWORD="+db.Password,
		"BLOG_DATABASE_DBNAME="+db.DBName)
	token := p.token()
	req, _ := http.NewRequest("POST", p.Base()+"/api/v1/tags", strings.NewReader(url.Values{"name": {"Go"}, "created_by": {"me"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("token", token)
	if r := roundTrip(oneShot, req); r.status != 200 || !strings.Contains(r.body, `"name":"Go"`) {
		t.Errorf("create a tag on MySQL: %+v", r)
	}
	p.signal(syscall.SIGTERM)
	if status := p.wait(15 * time.Second); status != 0 {
		t.Errorf("stop: status %d", status)
	}
}

// Start-up waits for the database with back-off, then fails with a clear error.
func TestUnreachableDatabaseFailsStartAfterConnectTimeout(t *testing.T) {
	t.Parallel()
	p := launch(t, freePort(t), "BLOG_DATABASE_DBTYPE=mysql", "BLOG_DATABASE_HOST=127.0.0.1:1",
		"BLOG_DATABASE_CONNECTTIMEOUT=1s")
	if status := p.wait(20 * time.Second); status == 0 {
		t.Error("status 0 with no database, want non-zero")
	}
	if log := p.Log(); !strings.Contains(log, "not reachable within 1s") || !strings.Contains(log, "retrying") {
		t.Errorf("the log should show the retries and the reason:\n%s", log)
	}
}
