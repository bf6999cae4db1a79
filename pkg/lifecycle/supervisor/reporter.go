package supervisor

import (
	"fmt"
	"os"
	"strings"
	"sync"
)

// Reporter writes the worker's one report to the master: ready, or the error that stopped
// its start-up. The first report closes the pipe; later ones are ignored.
type Reporter struct {
	mu   sync.Mutex
	pipe *os.File
}

// Ready tells the master this worker serves.
func (r *Reporter) Ready() error { return r.report(readyLine) }

// Fail tells the master why this worker could not start; the master passes the reason on
// to whoever asked for the upgrade (the reload command).
func (r *Reporter) Fail(err error) {
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	_ = r.report(failPrefix + msg + "\n")
}

func (r *Reporter) report(line string) error {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pipe == nil {
		return nil
	}
	defer func() { r.pipe.Close(); r.pipe = nil }()
	if _, err := r.pipe.WriteString(line); err != nil {
		return fmt.Errorf("report to the master: %w", err)
	}
	return nil
}
