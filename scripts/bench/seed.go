package main

import (
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "modernc.org/sqlite"

	"github.com/go-programming-tour-book/blog-service/internal/blogproc"
)

// seed inserts 1,000 tags and 10,000 articles (ten per tag, each linked) in one
// transaction, with the statements of the service's schema.
func seed(db *sql.DB) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	now := time.Now().Unix()
	for i := 1; i <= 1000; i++ {
		if _, err := tx.Exec("INSERT INTO blog_tag (name, state, created_by, created_on, modified_on) VALUES (?, 1, 'bench', ?, ?)",
			fmt.Sprintf("tag-%04d", i), now, now); err != nil {
			return err
		}
	}
	for i := 1; i <= 10000; i++ {
		if _, err := tx.Exec("INSERT INTO blog_article (title, `desc`, content, cover_image_url, state, created_by, created_on, modified_on) VALUES (?, 'A description', 'Some content of an article.', 'https://example.com/cover.png', 1, 'bench', ?, ?)",
			fmt.Sprintf("article-%05d", i), now, now); err != nil {
			return err
		}
		if _, err := tx.Exec("INSERT INTO blog_article_tag (article_id, tag_id, created_by, created_on, modified_on) VALUES (?, ?, 'bench', ?, ?)",
			i, (i-1)%1000+1, now, now); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func seedSQLite(path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	if err != nil {
		return err
	}
	defer db.Close()
	return seed(db)
}

// mysqlScenarios runs the service's scenarios on a fresh MySQL database.
func mysqlScenarios(bin, dir, dsn string, dur time.Duration, conns int, afterIdle time.Duration) ([]result, memory, error) {
	env, db, drop, err := mysqlDatabase(dsn, "blog_bench")
	if err != nil {
		return nil, memory{}, err
	}
	defer drop()
	defer db.Close()
	return scenarios(bin, dir, env, "mysql", dur, conns, afterIdle, func() error { return seed(db) }, nil)
}

// mysqlDatabase creates a database named prefix plus a number on the server at dsn (a DSN
// without database), and returns the service's environment for it, a connection to it,
// and drop, which removes it.
func mysqlDatabase(dsn, prefix string) (env []string, db *sql.DB, drop func(), err error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, nil, nil, err
	}
	admin, err := sql.Open("mysql", dsn)
	if err != nil {
		return nil, nil, nil, err
	}
	name := fmt.Sprintf("%s_%d", prefix, time.Now().UnixNano()%1e9)
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4"); err != nil {
		admin.Close()
		return nil, nil, nil, err
	}
	drop = func() {
		_, _ = admin.Exec("DROP DATABASE " + name) // best effort: a scratch database
		admin.Close()
	}
	cfg.DBName = name
	if db, err = sql.Open("mysql", cfg.FormatDSN()); err != nil {
		drop()
		return nil, nil, nil, err
	}
	env = []string{"BLOG_DATABASE_DBTYPE=mysql", "BLOG_DATABASE_HOST=" + cfg.Addr, "BLOG_DATABASE_USERNAME=" + cfg.User,
		"BLOG_DATABASE_PASSWORD=" + cfg.Passwd, "BLOG_DATABASE_DBNAME=" + name}
	return env, db, drop, nil
}

// floorProc is the running floor program.
type floorProc struct {
	cmd *exec.Cmd
	url string
}

func startFloor(bin, dbPath string) (*floorProc, error) {
	port, err := blogproc.FreePort()
	if err != nil {
		return nil, err
	}
	f := &floorProc{url: fmt.Sprintf("http://127.0.0.1:%d", port)}
	f.cmd = exec.Command(bin, "-db", dbPath, "-addr", fmt.Sprintf("127.0.0.1:%d", port))
	f.cmd.Stdout, f.cmd.Stderr = os.Stderr, os.Stderr
	f.cmd.Dir = filepath.Dir(dbPath)
	if err := f.cmd.Start(); err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if resp, err := blogproc.OneShot.Get(f.url + "/api/v1/tags"); err == nil {
			resp.Body.Close()
			return f, nil
		}
	}
	return nil, fmt.Errorf("floor did not serve")
}

func (f *floorProc) stop() {
	_ = f.cmd.Process.Signal(syscall.SIGTERM)
	_ = f.cmd.Wait() // killed on purpose: its status says nothing
}
