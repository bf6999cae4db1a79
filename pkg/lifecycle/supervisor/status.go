//go:build unix

package supervisor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The master writes the outcome of each upgrade to StatusFile(pidFile), a line
// "<seq> ok|failed <detail>", so that Reload can wait for the outcome of the SIGHUP it
// sends: a sequence number after the one it read first.

// StatusFile is where a master with this PID file reports upgrade outcomes.
func StatusFile(pidFile string) string { return pidFile + ".status" }

type status struct {
	seq    int
	ok     bool
	detail string
}

func writeStatus(path string, s status) error {
	word := "failed"
	if s.ok {
		word = "ok"
	}
	return writeFileAtomic(path, fmt.Sprintf("%d %s %s\n", s.seq, word, s.detail))
}

func readStatus(path string) (status, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return status{seq: -1}, err
	}
	fields := strings.SplitN(strings.TrimSpace(string(b)), " ", 3)
	if len(fields) < 2 {
		return status{seq: -1}, fmt.Errorf("%s: malformed status %q", path, b)
	}
	seq, err := strconv.Atoi(fields[0])
	if err != nil {
		return status{seq: -1}, fmt.Errorf("%s: %w", path, err)
	}
	s := status{seq: seq, ok: fields[1] == "ok"}
	if len(fields) == 3 {
		s.detail = fields[2]
	}
	return s, nil
}

// writeFileAtomic writes through a temporary file and a rename, so a reader never sees a
// partial file.
func writeFileAtomic(path, content string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".supervisor-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// ErrUpgradeFailed wraps the reason an upgrade that Reload asked for did not happen.
var ErrUpgradeFailed = errors.New("upgrade failed")

// Reload sends SIGHUP to the master named in pidFile and waits, at most timeout, for the
// outcome: nil with a description once a new worker serves, else an error with the reason.
func Reload(ctx context.Context, pidFile string, timeout time.Duration) (string, error) {
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return "", fmt.Errorf("read the PID file: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return "", fmt.Errorf("PID file %s holds %q, not a PID", pidFile, b)
	}
	before, err := readStatus(StatusFile(pidFile))
	if err != nil {
		return "", fmt.Errorf("the master of %s reports no status (is it running, and a version with reload?): %w", pidFile, err)
	}
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		return "", fmt.Errorf("signal master %d: %w", pid, err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("%w: no outcome from master %d within %v", ErrUpgradeFailed, pid, timeout)
		case <-tick.C:
		}
		now, err := readStatus(StatusFile(pidFile))
		if err != nil || now.seq <= before.seq {
			if syscall.Kill(pid, 0) != nil {
				return "", fmt.Errorf("%w: master %d is gone", ErrUpgradeFailed, pid)
			}
			continue
		}
		if !now.ok {
			return "", fmt.Errorf("%w: %s", ErrUpgradeFailed, now.detail)
		}
		return now.detail, nil
	}
}
