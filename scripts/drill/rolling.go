package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"text/template"
	"time"

	"github.com/go-programming-tour-book/blog-service/internal/blogproc"

	"github.com/go-sql-driver/mysql"
)

// rollingDrill puts nginx on loopback in front of two replicas sharing one MySQL database
// and, under read and write load through nginx, upgrades each replica in turn: first by
// SIGHUP, then as Kubernetes does, by SIGTERM with a drain delay, then a fresh start. It
// prints one table and returns the exit status: 1 if any request failed or an
// acknowledged write is missing; 2 if the drill itself could not run.
func rollingDrill(bin, dsn string, every time.Duration) int {
	r, err := rolling(bin, dsn, every)
	if err != nil {
		fmt.Fprintf(os.Stderr, "rolling drill: %v\n", err)
		return 2
	}
	fmt.Println("| pass | wrk keep-alive | wrk Connection: close | keep-alive GETs, never retried | POSTs | writes acknowledged / present |")
	fmt.Println("|---|---|---|---|---|---|")
	failed := false
	for _, p := range r {
		fmt.Printf("| %s | %s | %s | %s | %s | %d / %d |\n", p.mode, wrkCell(p.wrkKeepAlive), wrkCell(p.wrkClose),
			counterCell(p.reads), counterCell(p.writes), p.acked, p.present)
		failed = failed || p.failed() > 0 || p.acked != p.present
	}
	if failed {
		fmt.Println("\nFAIL: a request failed or an acknowledged write is missing")
		return 1
	}
	return 0
}

func rolling(bin, dsn string, every time.Duration) ([]*run, error) {
	dir, err := os.MkdirTemp("", "blog-rolling")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	db, cleanup, err := createDatabase(dsn)
	if err != nil {
		return nil, err
	}
	defer cleanup()

	// Two replicas, each from its own directory and binary copy, one database.
	var replicas []*blogproc.Service
	for i := range 2 {
		rdir := filepath.Join(dir, fmt.Sprint("replica", i))
		if err := os.MkdirAll(rdir, 0o755); err != nil {
			return nil, err
		}
		port, err := blogproc.FreePort()
		if err != nil {
			return nil, err
		}
		s := &blogproc.Service{Exe: filepath.Join(rdir, "blog-service"), Dir: rdir, Port: port,
			PIDFile: filepath.Join(rdir, "blog.pid"), Env: append(db.env(), "BLOG_SERVER_DRAINDELAY=2s", "BLOG_LOG_LEVEL=warn")}
		if err := blogproc.Install(bin, s.Exe); err != nil {
			return nil, err
		}
		if err := s.Start(); err != nil {
			return nil, err
		}
		defer s.Kill()
		replicas = append(replicas, s)
	}
	lb, err := startNginx(dir, replicas)
	if err != nil {
		return nil, err
	}
	defer lb.stop()
	token, err := lb.token()
	if err != nil {
		return nil, err
	}

	var runs []*run
	for _, mode := range []string{"rolling SIGHUP upgrade", "rolling SIGTERM + drain delay, then start"} {
		r := &run{mode: mode, reads: newCounter(), writes: newCounter(), timeline: newTimeline()}
		load := every*3 + 2*time.Second
		if strings.Contains(mode, "SIGTERM") {
			load += 8 * time.Second // each replica drains for its delay, then restarts
		}
		ctx, cancel := context.WithTimeout(context.Background(), load)
		var wg sync.WaitGroup
		target := lb.base() + "/api/v1/tags?page_size=1"
		wg.Add(2)
		go func() { defer wg.Done(); r.wrkKeepAlive = runWrk(load, target, token, false) }()
		go func() { defer wg.Done(); r.wrkClose = runWrk(load, target, token, true) }()
		for i := range 2 {
			wg.Add(2)
			go func() { defer wg.Done(); keepAliveReads(ctx, lb.addr(), token, r.reads, r.timeline) }()
			go func() {
				defer wg.Done()
				writes(ctx, lb.base(), token, fmt.Sprintf("%d-%d", len(runs), i), r.writes, r.timeline)
			}()
		}
		for i, s := range replicas {
			time.Sleep(every)
			var err error
			if strings.Contains(mode, "SIGHUP") {
				_, err = s.Upgrade(bin)
			} else {
				err = rollOut(s, bin)
			}
			if err != nil {
				cancel()
				wg.Wait()
				return nil, fmt.Errorf("%s, replica %d: %w", mode, i, err)
			}
		}
		wg.Wait()
		cancel()
		r.acked = len(r.writes.names())
		if r.present, err = replicas[0].CountPresent(token, r.writes.names()); err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	return runs, nil
}

// rollOut replaces a replica the way Kubernetes does: SIGTERM (its /readyz fails and it
// serves on for its drain delay, then closes its socket and drains), then a new process of
// the new binary. nginx is not reloaded: a reload closes idle client keep-alive connections
// under clients that are just sending (nginx's behaviour, not the service's). Open-source
// nginx does not probe readiness either, so it keeps sending during the delay, which the
// replica serves, and afterwards retries refused connections on the other replica.
func rollOut(s *blogproc.Service, bin string) error {
	if err := s.Stop(); err != nil {
		return err
	}
	if err := blogproc.Install(bin, s.Exe); err != nil {
		return err
	}
	return s.Start()
}

// database is the MySQL database both replicas use.
type database struct {
	cfg *mysql.Config
}

func (d database) env() []string {
	return []string{"BLOG_DATABASE_DBTYPE=mysql", "BLOG_DATABASE_HOST=" + d.cfg.Addr,
		"BLOG_DATABASE_USERNAME=" + d.cfg.User, "BLOG_DATABASE_PASSWORD=" + d.cfg.Passwd,
		"BLOG_DATABASE_DBNAME=" + d.cfg.DBName}
}

func createDatabase(dsn string) (database, func(), error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return database{}, nil, err
	}
	b := make([]byte, 4)
	rand.Read(b)
	name := "blog_drill_" + hex.EncodeToString(b)
	admin, err := sql.Open("mysql", dsn)
	if err != nil {
		return database{}, nil, err
	}
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4"); err != nil {
		admin.Close()
		return database{}, nil, fmt.Errorf("create database: %w", err)
	}
	cfg.DBName = name
	return database{cfg: cfg}, func() { _, _ = admin.Exec("DROP DATABASE " + name); admin.Close() }, nil
}

// nginx is a load balancer on loopback in front of the replicas.
type nginx struct {
	dir      string
	port     int
	replicas []*blogproc.Service
	cmd      *exec.Cmd
}

var nginxConf = template.Must(template.New("nginx").Parse(`worker_processes 1;
pid {{.Dir}}/nginx.pid;
error_log {{.Dir}}/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path {{.Dir}}/body;
  proxy_temp_path {{.Dir}}/proxy;
  fastcgi_temp_path {{.Dir}}/fastcgi;
  uwsgi_temp_path {{.Dir}}/uwsgi;
  scgi_temp_path {{.Dir}}/scgi;
  upstream blog {
{{- range .Ports}}
    server 127.0.0.1:{{.}} max_fails=1 fail_timeout=1s;
{{- end}}
  }
  server {
    listen 127.0.0.1:{{.Port}};
    location / {
      proxy_pass http://blog;
      proxy_set_header Host $host;
      # A refused connection is tried on the other replica: nothing was sent yet, so this
      # is safe for POSTs too.
      proxy_next_upstream error timeout;
    }
  }
}
`))

func startNginx(dir string, replicas []*blogproc.Service) (*nginx, error) {
	port, err := blogproc.FreePort()
	if err != nil {
		return nil, err
	}
	lb := &nginx{dir: dir, port: port, replicas: replicas}
	if err := lb.write(); err != nil {
		return nil, err
	}
	lb.cmd = exec.Command("nginx", "-p", dir, "-c", filepath.Join(dir, "nginx.conf"), "-g", "daemon off;")
	lb.cmd.Stdout, lb.cmd.Stderr = os.Stderr, os.Stderr
	if err := lb.cmd.Start(); err != nil {
		return nil, fmt.Errorf("nginx: %w", err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := blogproc.OneShot.Get(lb.base() + "/healthz"); err == nil {
			resp.Body.Close()
			return lb, nil
		}
	}
	return nil, fmt.Errorf("nginx did not serve within 10 s (see %s)", filepath.Join(dir, "nginx-error.log"))
}

func (lb *nginx) addr() string { return fmt.Sprintf("127.0.0.1:%d", lb.port) }
func (lb *nginx) base() string { return "http://" + lb.addr() }

func (lb *nginx) token() (string, error) {
	s := &blogproc.Service{Port: lb.port}
	return s.Token()
}

// write renders the config.
func (lb *nginx) write() error {
	var ports []int
	for _, s := range lb.replicas {
		ports = append(ports, s.Port)
	}
	f, err := os.Create(filepath.Join(lb.dir, "nginx.conf"))
	if err != nil {
		return err
	}
	defer f.Close()
	return nginxConf.Execute(f, map[string]any{"Dir": lb.dir, "Port": lb.port, "Ports": ports})
}

func (lb *nginx) stop() {
	_ = lb.cmd.Process.Signal(syscall.SIGQUIT) // graceful stop; killed below if it hangs
	done := make(chan struct{})
	go func() { _ = lb.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = lb.cmd.Process.Kill()
	}
}
