package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-programming-tour-book/blog-service/internal/blogproc"
)

// versionDrill starts an older build (from) as the master and, under read and write load,
// upgrades it to the newer one (to), back to from, and to to again, each time as a deploy
// does: the executable file replaced by a rename, then SIGHUP. Consecutive releases must
// run on one database in both directions (see "expand, then contract" in the README). It
// prints one table and returns the exit status: 1 if any request failed, an upgrade did not
// hand over to the version it installed, or an acknowledged write is not readable at the
// end; 2 if the drill itself could not run.
func versionDrill(from, to, mysqlDSN string, every time.Duration) int {
	d, err := newVersionRun(from, to, mysqlDSN)
	if err != nil {
		fmt.Fprintf(os.Stderr, "upgrade drill: %v\n", err)
		return 2
	}
	defer d.close()
	failure := d.run(every)
	d.print()
	if failure != "" {
		fmt.Printf("\nFAIL: %s\n", failure)
		if errs := errorLines(d.svc.Log(), 5); errs != "" {
			fmt.Printf("\nthe service's log, errors:\n%s", errs)
		}
		return 1
	}
	fmt.Printf("\nPASS: %d upgrades, every request answered, every acknowledged write readable\n", len(d.steps)-1)
	return 0
}

// versionRun is one version drill: the service, its load, and what each step saw.
type versionRun struct {
	svc             *blogproc.Service
	dir             string
	cleanup         []func()
	from, to        build
	db              string
	reads, writes   *counter
	steps           []*versionStep
	acked, readable int
}

// build is a binary and the version it reports.
type build struct{ bin, version string }

// versionStep is one deploy and the requests completed until the next one.
type versionStep struct {
	deploy        string
	pid           int
	version       string
	handOver      time.Duration // SIGHUP to the new worker's first answer; 0 for the start
	reads, writes tally
}

func newVersionRun(from, to, mysqlDSN string) (*versionRun, error) {
	d := &versionRun{reads: newCounter(), writes: newCounter(), db: "SQLite"}
	var err error
	if d.from, err = versionOf(from); err != nil {
		return nil, err
	}
	if d.to, err = versionOf(to); err != nil {
		return nil, err
	}
	if d.dir, err = os.MkdirTemp("", "blog-upgrade-drill"); err != nil {
		return nil, err
	}
	d.cleanup = append(d.cleanup, func() { os.RemoveAll(d.dir) })
	env := []string{"BLOG_LOG_LEVEL=warn"} // debug mode: the demo credential; warn: no access log
	if mysqlDSN != "" {
		db, drop, err := createDatabase(mysqlDSN)
		if err != nil {
			d.close()
			return nil, err
		}
		d.cleanup = append(d.cleanup, drop)
		env = append(env, db.env()...)
		d.db = "MySQL " + db.cfg.Addr
	}
	port, err := blogproc.FreePort()
	if err != nil {
		d.close()
		return nil, err
	}
	d.svc = &blogproc.Service{Exe: filepath.Join(d.dir, "blog-service"), Dir: d.dir, Port: port,
		PIDFile: filepath.Join(d.dir, "blog.pid"), Env: env}
	return d, nil
}

// versionOf runs `bin -version`, which every release prints as "blog-service VERSION (...".
func versionOf(bin string) (build, error) {
	out, err := exec.Command(bin, "-version").Output()
	if err != nil {
		return build{}, fmt.Errorf("%s -version: %w", bin, err)
	}
	f := strings.Fields(string(out))
	if len(f) < 2 || f[0] != "blog-service" {
		return build{}, fmt.Errorf("%s -version printed %q", bin, out)
	}
	return build{bin: bin, version: f[1]}, nil
}

func (d *versionRun) close() {
	if d.svc != nil {
		d.svc.Kill()
	}
	for i := len(d.cleanup) - 1; i >= 0; i-- {
		d.cleanup[i]()
	}
}

// run starts from, puts the load on, deploys to, from, to, and checks the writes. It
// returns why the drill failed, or "".
func (d *versionRun) run(every time.Duration) string {
	if err := blogproc.Install(d.from.bin, d.svc.Exe); err != nil {
		return err.Error()
	}
	if err := d.svc.Start(); err != nil {
		return "start " + d.from.version + ": " + err.Error()
	}
	token, err := d.svc.Token()
	if err != nil {
		return err.Error()
	}
	first := &versionStep{deploy: "start " + d.from.version + " (the master)"}
	first.pid, first.version = d.svc.Serving()
	d.steps = append(d.steps, first)
	if first.version != d.from.version {
		return fmt.Sprintf("the first worker serves version %q, want %q", first.version, d.from.version)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	tl := newTimeline() // the clients record into one; this drill draws no chart
	for range 2 {
		wg.Add(1)
		go func() { defer wg.Done(); keepAliveReads(ctx, d.svc.Addr(), token, d.reads, tl) }()
	}
	for i := range 4 {
		wg.Add(1)
		go func() { defer wg.Done(); writes(ctx, d.svc.Base(), token, fmt.Sprint("v", i), d.writes, tl) }()
	}
	reads, writes := d.reads.snapshot(), d.writes.snapshot()
	endStep := func() {
		r, w := d.reads.snapshot(), d.writes.snapshot()
		last := d.steps[len(d.steps)-1]
		last.reads, last.writes = r.since(reads), w.since(writes)
		reads, writes = r, w
	}
	var failure string
	for _, next := range []build{d.to, d.from, d.to} {
		time.Sleep(every)
		endStep()
		prev := d.steps[len(d.steps)-1].version
		s := &versionStep{deploy: prev + " → " + next.version}
		d.steps = append(d.steps, s)
		if failure = d.upgrade(s, next); failure != "" {
			break
		}
	}
	if failure == "" {
		time.Sleep(every)
	}
	cancel()
	wg.Wait()
	endStep()

	// Every acknowledged write is readable, under the id it was acknowledged with.
	stored, err := d.svc.Tags(token)
	if err != nil && failure == "" {
		failure = "read the tags back: " + err.Error()
	}
	acks := d.writes.acks()
	d.acked = len(acks)
	for _, a := range acks {
		if stored[a.id] == a.name {
			d.readable++
		}
	}
	switch {
	case failure != "":
		return failure
	case d.reads.snapshot().failed()+d.writes.snapshot().failed() > 0:
		return "requests failed (see the table)"
	case d.readable != d.acked:
		return fmt.Sprintf("%d acknowledged writes are not readable", d.acked-d.readable)
	}
	if err := d.svc.Stop(); err != nil {
		return "stop: " + err.Error()
	}
	return ""
}

// upgrade installs next as the executable, sends SIGHUP to the master and waits until a new
// worker answers /healthz with next's version. It returns why it did not, or "".
func (d *versionRun) upgrade(s *versionStep, next build) string {
	old := d.steps[len(d.steps)-2].pid
	logFrom := len(d.svc.Log()) // the log only grows
	if err := blogproc.Install(next.bin, d.svc.Exe); err != nil {
		return err.Error()
	}
	t0 := time.Now()
	if err := d.svc.Signal(syscall.SIGHUP); err != nil {
		return err.Error()
	}
	// Generous: a new worker has Server.UpgradeTimeout (30 s) before the master kills it.
	for deadline := t0.Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if pid, version := d.svc.Serving(); pid != 0 && pid != old {
			s.handOver, s.pid, s.version = time.Since(t0), pid, version
			if version != next.version {
				return fmt.Sprintf("%s: the new worker %d serves version %q, want %q", s.deploy, pid, version, next.version)
			}
			return ""
		}
		for _, bad := range []string{"upgrade failed", "exited before serving", "not ready in time"} {
			if strings.Contains(d.svc.Log()[logFrom:], bad) {
				return fmt.Sprintf("%s: the master says %q", s.deploy, bad)
			}
		}
		select {
		case <-d.svc.Exited:
			return s.deploy + ": the master exited"
		default:
		}
	}
	return s.deploy + ": no new worker answered within 60 s"
}

// errorLines returns up to n lines of the log that report an error, first ones first: the
// logger's, and a process's last words ("blog-service: open database: ...").
func errorLines(log string, n int) string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "ERROR") || strings.Contains(line, `"level":"error"`) || strings.HasPrefix(line, "blog-service: ") {
			out = append(out, line)
		}
	}
	if len(out) > n {
		out = append(out[:n], fmt.Sprintf("... and %d more", len(out)-n))
	}
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, "\n") + "\n"
}

// print writes the steps as a Markdown table.
func (d *versionRun) print() {
	fmt.Printf("upgrade drill on %s: %s and %s; the master stays %s throughout; 2 keep-alive readers and 4 writers that never retry\n\n",
		d.db, d.from.version, d.to.version, d.from.version)
	fmt.Println("| step | deploy | then serving (version, pid) | hand-over (ms) | keep-alive GETs, never retried | POSTs |")
	fmt.Println("|---|---|---|---|---|---|")
	for i, s := range d.steps {
		ms := "–"
		if i > 0 {
			ms = fmt.Sprint(s.handOver.Milliseconds())
		}
		serving := "none"
		if s.pid != 0 {
			serving = fmt.Sprintf("%s, %d", s.version, s.pid)
		}
		fmt.Printf("| %d | %s | %s | %s | %s | %s |\n", i, s.deploy, serving, ms, tallyCell(s.reads), tallyCell(s.writes))
	}
	fmt.Printf("| all | | | | %s | %s |\n", counterCell(d.reads), counterCell(d.writes))
	fmt.Printf("\nwrites acknowledged / readable at the end, same id and name: %d / %d\n", d.acked, d.readable)
}
