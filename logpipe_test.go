package main

import (
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/go-programming-tour-book/blog-service/internal/blogproc"
)

// A standard output that takes nothing more (a pipe whose reader hangs without closing
// it: a stuck log collector) holds a log write up for logger.StallLimit, not for ever:
// every request is answered, and one SIGTERM still stops master and worker within the
// drain. Before, the pipe filled, requests hung, and the master, writing "stopping",
// never passed the signal on (an attack helper's finding).
func TestAStuckLogPipeHoldsUpNeitherRequestsNorTheStop(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close() // open and never read: writes block once the pipe is full
	p := launchService(t, &blogproc.Service{Exe: binary, Dir: t.TempDir(), Port: freePort(t), Output: w, Env: releaseEnv})
	w.Close() // the processes hold their own copies
	p.waitReady()
	client := &http.Client{Timeout: 30 * time.Second}
	for i := range 2000 { // about 600 KB of access lines: many times what the pipe holds
		resp, err := client.Get(p.Base() + "/healthz")
		if err != nil {
			t.Fatalf("request %d, the log pipe full: %v", i, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d, the log pipe full: status %d", i, resp.StatusCode)
		}
	}
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	status, err := p.Wait(30 * time.Second)
	if err != nil {
		t.Fatalf("SIGTERM with the log pipe full: %v", err)
	}
	if status != 0 {
		t.Errorf("exit status %d after SIGTERM, want 0", status)
	}
}
