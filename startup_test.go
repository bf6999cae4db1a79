package main

// Start-up tests: what the binary says it runs with, and how it fails when it cannot start.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/go-programming-tour-book/blog-service/internal/dao/daotest"
)

// startLines returns the fields of each "starting" line of log, console or JSON.
func startLines(t *testing.T, log string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, line := range strings.Split(log, "\n") {
		i := strings.Index(line, "{") // console lines end in a JSON object of fields
		var fields map[string]any
		if !strings.Contains(line, "starting") || i < 0 || json.Unmarshal([]byte(line[i:]), &fields) != nil {
			continue
		}
		if _, ok := fields["config"]; ok {
			lines = append(lines, fields)
		}
	}
	return lines
}

// checkStartLines checks that the master and the worker each logged a start-up line with
// the fields of want.
func checkStartLines(t *testing.T, log string, want map[string]any) {
	t.Helper()
	seen := map[bool]bool{} // worker → logged
	for _, fields := range startLines(t, log) {
		for k, v := range want {
			if fields[k] != v {
				t.Errorf("start-up line %v: %s = %v, want %v", fields, k, fields[k], v)
			}
		}
		seen[fields["worker"] == true] = true
	}
	if !seen[false] || !seen[true] {
		t.Errorf("want a start-up line from the master and from the worker; log:\n%s", log)
	}
}

// Start-up names the config file (or the built-in defaults), the database and the mode,
// in the master and in the worker that opens the database; never a database password.
func TestStartupLogsConfigDatabaseAndMode(t *testing.T) {
	t.Parallel()
	const password = "db-password-never-logged-7c41e9"
	t.Run("built-in defaults", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir() // no configs/config.yaml there
		p := startProcIn(t, dir, "BLOG_DATABASE_PASSWORD="+password)
		p.signal(syscall.SIGTERM)
		p.wait(10 * time.Second)
		checkStartLines(t, p.Log(), map[string]any{"config": "built-in defaults", "mode": "debug",
			"database": "sqlite", "db_path": filepath.Join(dir, "storage", "blog.db")})
		if strings.Contains(p.Log(), password) {
			t.Errorf("the log shows the database password:\n%s", p.Log())
		}
	})
	t.Run("config file", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		cfgPath := filepath.Join(dir, "blog.yaml")
		if err := os.WriteFile(cfgPath, []byte("Database:\n  Path: data/my.db\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		p := launchExe(t, binary, dir, freePort(t), []string{"-config", "blog.yaml"}, append(releaseEnv, "BLOG_DATABASE_PASSWORD="+password)...)
		p.waitReady()
		p.signal(syscall.SIGTERM)
		p.wait(10 * time.Second)
		checkStartLines(t, p.Log(), map[string]any{"config": cfgPath, "mode": "release",
			"database": "sqlite", "db_path": filepath.Join(dir, "data", "my.db")})
		if strings.Contains(p.Log(), password) {
			t.Errorf("the log shows the database password:\n%s", p.Log())
		}
	})
	t.Run("mysql", func(t *testing.T) {
		if os.Getenv(daotest.MySQLEnv) == "" {
			t.Skipf("needs MySQL or MariaDB: set %s (CI does)", daotest.MySQLEnv)
		}
		t.Parallel()
		db := daotest.Config(t)
		p := startProc(t, "BLOG_DATABASE_DBTYPE=mysql", "BLOG_DATABASE_HOST="+db.Host,
			"BLOG_DATABASE_USERNAME="+db.UserName, "BLOG_DATABASE_PASSWORD="+db.Password, "BLOG_DATABASE_DBNAME="+db.DBName)
		p.signal(syscall.SIGTERM)
		p.wait(10 * time.Second)
		checkStartLines(t, p.Log(), map[string]any{"config": "built-in defaults", "mode": "debug",
			"database": "mysql", "db_host": db.Host, "db_name": db.DBName})
		if db.Password != "" && strings.Contains(p.Log(), db.Password) {
			t.Errorf("the log shows the database password:\n%s", p.Log())
		}
	})
}

// A misspelt key fails start-up, naming it and the key meant.
func TestUnknownKeysFailStartup(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "configs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "configs", "config.yaml"), []byte("Server:\n  ShutdownTimout: 1s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := launchIn(t, dir, freePort(t), "BLOG_SERVER_SHUTDOWNTIMOUT=1s")
	if status := p.wait(10 * time.Second); status == 0 {
		t.Error("exit status 0 with unknown keys, want non-zero")
	}
	for _, want := range []string{
		"unknown key Server.ShutdownTimout in configs/config.yaml; did you mean Server.ShutdownTimeout?",
		"unknown environment variable BLOG_SERVER_SHUTDOWNTIMOUT; did you mean BLOG_SERVER_SHUTDOWNTIMEOUT?",
	} {
		if !strings.Contains(p.Log(), want) {
			t.Errorf("the output should say %q:\n%s", want, p.Log())
		}
	}
}

// A directory the service cannot write fails start-up at once with the cause: no retries
// (SQLite's own word for it was "out of memory (14)", retried for 30 s).
func TestUnwritableStorageFailsStartup(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	file := filepath.Join(tmp, "file") // a regular file where a directory should be: even root cannot write under it
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	readOnly := filepath.Join(tmp, "read-only")
	if err := os.Mkdir(readOnly, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(readOnly, 0o755) })
	tests := []struct {
		name, env string
		want      []string
	}{
		{"database under a file", "BLOG_DATABASE_PATH=" + filepath.Join(file, "blog.db"), []string{file, "not a directory"}},
		{"database in a read-only directory", "BLOG_DATABASE_PATH=" + filepath.Join(readOnly, "blog.db"), []string{readOnly, "permission denied"}},
		{"uploads under a file", "BLOG_APP_UPLOADSAVEPATH=" + filepath.Join(file, "uploads"), []string{"App.UploadSavePath", file, "not a directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.Contains(tt.name, "read-only") && os.Geteuid() == 0 {
				t.Skip("root writes into a read-only directory")
			}
			t.Parallel()
			p := launch(t, freePort(t), tt.env)
			if status := p.wait(10 * time.Second); status == 0 {
				t.Errorf("exit status 0 with %s, want non-zero", tt.env)
			}
			log := p.Log()
			for _, want := range tt.want {
				if !strings.Contains(log, want) {
					t.Errorf("the output should say %q:\n%s", want, log)
				}
			}
			if strings.Contains(log, "retrying") || strings.Contains(log, "out of memory") {
				t.Errorf("start-up retried, or hid the cause:\n%s", log)
			}
		})
	}
}

// MySQL refusing the credentials fails start-up at once: only an unreachable server is
// waited for (Database.ConnectTimeout, 30 s by default).
func TestMySQLAccessDeniedFailsStartup(t *testing.T) {
	dsn := os.Getenv(daotest.MySQLEnv)
	if dsn == "" {
		t.Skipf("needs MySQL or MariaDB: set %s (CI does)", daotest.MySQLEnv)
	}
	t.Parallel()
	mc, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	const password = "wrong-password-never-logged-52b8d0"
	p := launch(t, freePort(t), "BLOG_DATABASE_DBTYPE=mysql", "BLOG_DATABASE_HOST="+mc.Addr,
		"BLOG_DATABASE_USERNAME=blog_no_such_user", "BLOG_DATABASE_PASSWORD="+password)
	if status := p.wait(10 * time.Second); status == 0 {
		t.Error("exit status 0 with a wrong password, want non-zero")
	}
	log := p.Log()
	if !strings.Contains(log, "Access denied") || strings.Contains(log, "retrying") {
		t.Errorf("want the server's refusal and no retry:\n%s", log)
	}
	if strings.Contains(log, password) {
		t.Errorf("the log shows the database password:\n%s", log)
	}
}
