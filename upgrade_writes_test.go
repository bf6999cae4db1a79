//go:build linux

package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/go-programming-tour-book/blog-service/internal/dao/daotest"
)

// Ten SIGHUP upgrades in a row while eight clients write without pause: each one hands
// over to a new worker, no write fails, and every acknowledged write is stored. A new
// worker starts beside one that is writing all the time; on SQLite, a start-up that took
// the write lock to check its migrations waited behind those writes until it gave up, and
// the upgrade silently did not happen (issue 11).
func TestTenUpgradesUnderWritesLoseNothing(t *testing.T) {
	t.Parallel()
	upgradesUnderWrites(t)
}

// The same on MySQL/MariaDB, whose migration check must not wait either.
func TestTenUpgradesUnderWritesLoseNothingOnMySQL(t *testing.T) {
	if os.Getenv(daotest.MySQLEnv) == "" {
		t.Skipf("needs MySQL or MariaDB: set %s (CI does)", daotest.MySQLEnv)
	}
	t.Parallel()
	db := daotest.Config(t) // a new, empty database, dropped at the end
	upgradesUnderWrites(t,
		"BLOG_DATABASE_DBTYPE=mysql",
		"BLOG_DATABASE_HOST="+db.Host,
		"BLOG_DATABASE_USERNAME="+db.UserName,
		"BLOG_DATABASE_PASSWORD="+db.Password,
		"BLOG_DATABASE_DBNAME="+db.DBName)
}

func upgradesUnderWrites(t *testing.T, env ...string) {
	const upgrades, writers = 10, 8
	u := startUpgradable(t, env...)
	token := u.token()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // a failed upgrade ends the test: stop the writers too
	var wg sync.WaitGroup
	var posts loadStats
	for i := range writers {
		wg.Add(1)
		go func() { defer wg.Done(); writes(ctx, u.Base(), token, fmt.Sprint("w", i), &posts) }()
	}
	workers := map[int]bool{u.ServingPID(): true}
	for i := range upgrades {
		// Each worker serves writes before it is replaced: wait for progress, not for time.
		awaitAcked(t, &posts, 20)
		u.replace(t, binary)
		pid := u.upgrade(t) // fails the test unless a new worker serves within 20 s
		if workers[pid] {
			t.Fatalf("upgrade %d: worker %d served before", i+1, pid)
		}
		workers[pid] = true
	}
	awaitAcked(t, &posts, 20)
	cancel()
	wg.Wait()
	u.awaitOneWorker(t) // the old workers have drained and exited

	if n := posts.failed.Load(); n != 0 {
		t.Errorf("%d of %d writes failed across %d upgrades: %v", n, n+posts.ok.Load(), upgrades, posts.errs)
	}
	stored := u.storedTagNames(token)
	missing := 0
	for _, name := range posts.acked {
		if !stored[name] {
			missing++
		}
	}
	if missing != 0 || len(stored) != len(posts.acked) {
		t.Errorf("%d writes acknowledged, %d rows stored, %d acknowledged missing", len(posts.acked), len(stored), missing)
	}
	t.Logf("%d upgrades, %d workers, %d writes acknowledged, all stored", upgrades, len(workers), len(posts.acked))
}

// awaitAcked waits until the writers have had n more writes acknowledged.
func awaitAcked(t *testing.T, s *loadStats, n int64) {
	t.Helper()
	want := s.ok.Load() + n
	for deadline := time.Now().Add(30 * time.Second); s.ok.Load() < want; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			s.mu.Lock()
			defer s.mu.Unlock()
			t.Fatalf("writers stalled: %d acknowledged, %d failed (%v)", s.ok.Load(), s.failed.Load(), s.errs)
		}
	}
}

// storedTagNames reads every page of tags: the names stored.
func (p *proc) storedTagNames(token string) map[string]bool {
	p.t.Helper()
	tags, err := p.Tags(token)
	if err != nil {
		p.t.Fatal(err)
	}
	names := map[string]bool{}
	for _, name := range tags {
		names[name] = true
	}
	return names
}

// The drills read every tag back (storedTagNames): past App.MaxPageOffset rows a page number
// is a 400, so they follow next_after_id. An upgrade drill that wrote 10,100 tags failed
// reading page 102.
func TestEveryTagIsReadBackPastThePageBound(t *testing.T) {
	t.Parallel()
	p := startProc(t, "BLOG_APP_MAXPAGEOFFSET=100")
	token := p.token()
	const n = 250 // page 3 of 100 starts 200 rows in
	for i := range n {
		if code, body := p.post(http.DefaultClient, token, "/api/v1/tags", fmt.Sprintf(`{"name":"tag %d","created_by":"test"}`, i)); code != 200 {
			t.Fatalf("POST tag %d = %d %s", i, code, body)
		}
	}
	if got := len(p.storedTagNames(token)); got != n {
		t.Errorf("read back %d tags, want %d", got, n)
	}
}
