// Command drill measures what a deploy does to clients: it starts blog-service, puts read
// and write load on it (wrk with keep-alive and with Connection: close, plus its own
// clients that never retry), performs N upgrades, and counts every request. It runs the
// in-place upgrade (binary replaced, SIGHUP) and, beside it, a plain stop-then-start, then
// prints one table and writes a timeline chart. It exits non-zero if the upgrade run
// failed a request or lost an acknowledged write.
//
//	cd scripts && go run ./drill -bin ../bin/blog-service -upgrades 5 -chart ../docs/drill.svg
//
// scripts/deploy-drill.sh (make drill) builds the binary and runs it. With -rolling it drills
// a rolling deploy behind nginx (make rolling-drill); with -from, upgrades between two
// versions and back (make upgrade-drill).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/go-programming-tour-book/blog-service/internal/blogproc"
)

func main() {
	bin := flag.String("bin", "bin/blog-service", "the blog-service binary to drill")
	upgrades := flag.Int("upgrades", 5, "deploys per run")
	every := flag.Duration("every", 2*time.Second, "time between deploys")
	chart := flag.String("chart", "", "write the timeline chart here (SVG)")
	rolling := flag.String("rolling", "", "instead: a rolling deploy of two replicas behind nginx sharing this MySQL (a DSN without database, e.g. root@tcp(127.0.0.1:3306)/)")
	from := flag.String("from", "", "instead: an upgrade drill: start this older build as the master, then upgrade to -bin, back, and to -bin again, -every apart")
	mysqlDSN := flag.String("mysql", "", "with -from: use a new database on this MySQL server (a DSN without database) instead of SQLite")
	flag.Parse()
	if *rolling != "" {
		os.Exit(rollingDrill(*bin, *rolling, *every))
	}
	if *from != "" {
		os.Exit(versionDrill(*from, *bin, *mysqlDSN, *every))
	}
	var runs []*run
	for _, mode := range []string{modeUpgrade, modeRestart} {
		r, err := drill(mode, *bin, *upgrades, *every)
		if err != nil {
			fmt.Fprintf(os.Stderr, "drill %s: %v\n", mode, err)
			os.Exit(2)
		}
		runs = append(runs, r)
	}
	printTable(os.Stdout, runs)
	if *chart != "" {
		if err := drawChart(*chart, runs); err != nil {
			fmt.Fprintf(os.Stderr, "chart: %v\n", err)
			os.Exit(2)
		}
		fmt.Printf("\nchart: %s\n", *chart)
	}
	if up := runs[0]; up.failed() > 0 || up.acked != up.present {
		fmt.Println("\nFAIL: the in-place upgrade failed requests or lost acknowledged writes")
		os.Exit(1)
	}
}

const (
	modeUpgrade = "upgrade (SIGHUP)"
	modeRestart = "stop then start"
)

// run is one drill's results.
type run struct {
	mode           string
	wrkKeepAlive   wrkResult
	wrkClose       wrkResult
	reads, writes  *counter
	acked, present int
	handOver       []time.Duration
	deploys        []time.Duration // since the load started
	timeline       *timeline
}

func (r *run) failed() int64 {
	return r.wrkKeepAlive.errors + r.wrkClose.errors + r.reads.failed() + r.writes.failed()
}

func drill(mode, bin string, upgrades int, every time.Duration) (*run, error) {
	dir, err := os.MkdirTemp("", "blog-drill")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	exe := filepath.Join(dir, "blog-service")
	if err := blogproc.Install(bin, exe); err != nil {
		return nil, err
	}
	port, err := blogproc.FreePort()
	if err != nil {
		return nil, err
	}
	// Debug mode seeds the demo credential; warn level keeps the access log out.
	svc := &blogproc.Service{Exe: exe, Dir: dir, Port: port, PIDFile: filepath.Join(dir, "blog.pid"), Env: []string{"BLOG_LOG_LEVEL=warn"}}
	if err := svc.Start(); err != nil {
		return nil, err
	}
	defer svc.Kill()
	token, err := svc.Token()
	if err != nil {
		return nil, err
	}

	r := &run{mode: mode, reads: newCounter(), writes: newCounter(), timeline: newTimeline()}
	load := every*time.Duration(upgrades+1) + time.Second
	ctx, cancel := context.WithTimeout(context.Background(), load)
	defer cancel()
	var wg sync.WaitGroup
	wrkURL := svc.Base() + "/api/v1/tags?page_size=1"
	wg.Add(2)
	go func() { defer wg.Done(); r.wrkKeepAlive = runWrk(load, wrkURL, token, false) }()
	go func() { defer wg.Done(); r.wrkClose = runWrk(load, wrkURL, token, true) }()
	for i := range 2 {
		wg.Add(2)
		go func() { defer wg.Done(); keepAliveReads(ctx, svc.Addr(), token, r.reads, r.timeline) }()
		go func() { defer wg.Done(); writes(ctx, svc.Base(), token, fmt.Sprint("w", i), r.writes, r.timeline) }()
	}
	for range upgrades {
		select {
		case <-time.After(every):
		case <-ctx.Done():
		}
		r.deploys = append(r.deploys, r.timeline.since())
		var took time.Duration
		if mode == modeUpgrade {
			took, err = svc.Upgrade(bin)
		} else {
			took, err = svc.Restart()
		}
		if err != nil {
			cancel()
			wg.Wait()
			return nil, err
		}
		r.handOver = append(r.handOver, took)
	}
	wg.Wait()
	r.acked = len(r.writes.names())
	r.present, err = svc.CountPresent(token, r.writes.names())
	if err != nil {
		return nil, err
	}
	return r, svc.Stop()
}
