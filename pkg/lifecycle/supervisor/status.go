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

// The master writes the outcome of each upgrade to StatusFile(pidFile), the newest first,
// one a line: "<seq> ok|failed began=<unix nanoseconds> <detail>", where began is when the
// upgrade began. Reload waits for the outcome of the SIGHUP it sends: the first with a
// sequence number after the newest it read before, of an upgrade that began after the
// signal was sent. An upgrade already under way then may have read the binary and the
// config before they were replaced, so the master queues another for that SIGHUP; reloads
// sent close together each find their own outcome among the last few. (A master of an
// earlier release writes one line without began: its next outcome is taken.)

// StatusFile is where a master with this PID file reports upgrade outcomes.
func StatusFile(pidFile string) string { return pidFile + ".status" }

// statusHistory is how many outcomes the status file keeps.
const statusHistory = 8

type status struct {
	seq    int
	ok     bool
	detail string
	began  int64 // when the upgrade began, in Unix nanoseconds; 0 if not said
}

func (s status) line() string {
	word := "failed"
	if s.ok {
		word = "ok"
	}
	return fmt.Sprintf("%d %s began=%d %s", s.seq, word, s.began, strings.ReplaceAll(s.detail, "\n", " "))
}

// writeStatus puts s first in the status file, before the newest outcomes already there,
// or alone when fresh (a master's first).
func writeStatus(path string, s status, fresh bool) error {
	lines := []string{s.line()}
	if !fresh {
		old, _ := readStatuses(path) // none readable: s alone
		for _, o := range old[:min(len(old), statusHistory-1)] {
			lines = append(lines, o.line())
		}
	}
	return writeFileAtomic(path, strings.Join(lines, "\n")+"\n")
}

// readStatus returns the newest outcome.
func readStatus(path string) (status, error) {
	all, err := readStatuses(path)
	if err != nil {
		return status{seq: -1}, err
	}
	return all[0], nil
}

// readStatuses returns the outcomes in the status file, the newest first: at least one.
func readStatuses(path string) ([]status, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var all []status
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		fields := strings.SplitN(line, " ", 3)
		if len(fields) < 2 {
			return nil, fmt.Errorf("%s: malformed status %q", path, line)
		}
		seq, err := strconv.Atoi(fields[0])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		st := status{seq: seq, ok: fields[1] == "ok"}
		if len(fields) == 3 {
			st.detail = fields[2]
			if v, ok := strings.CutPrefix(st.detail, "began="); ok {
				var num string
				num, st.detail, _ = strings.Cut(v, " ")
				st.began, _ = strconv.ParseInt(num, 10, 64)
			}
		}
		all = append(all, st)
	}
	return all, nil
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

// ErrUpgradeFailed wraps the reason an upgrade that Reload asked for did not happen;
// ErrNoOutcome says that Reload could not learn whether it did.
var (
	ErrUpgradeFailed = errors.New("upgrade failed")
	ErrNoOutcome     = errors.New("upgrade outcome unknown")
)

// Reload sends SIGHUP to the master named in pidFile and waits, at most timeout, for the
// outcome: nil with a description once a new worker serves, else an error with the reason.
// When the signal came during another upgrade, its own waits for that one: the timeout
// counts again from that one's outcome.
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
		return "", fmt.Errorf("master %d has no readable status file, so its outcome could not be told (a release before reload writes none; a deleted one is written again at the next upgrade, kill -HUP %d): %w", pid, pid, err)
	}
	sent := time.Now().UnixNano()
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		return "", fmt.Errorf("signal master %d: %w", pid, err)
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-deadline.C:
			// Not "failed": a master that cannot write the status file (a full disk)
			// may have upgraded; its log says.
			return "", fmt.Errorf("%w: master %d wrote no outcome within %v; whether the upgrade happened is in its log, and in /healthz's pid and version", ErrNoOutcome, pid, timeout)
		case <-tick.C:
		}
		all, _ := readStatuses(StatusFile(pidFile))
		for i := len(all) - 1; i >= 0; i-- { // the oldest first
			o := all[i]
			if o.seq <= before.seq {
				continue // before this signal
			}
			if o.began != 0 && o.began < sent {
				// An upgrade under way when the signal came has ended: this signal's
				// upgrade, queued behind it, starts now.
				before = o
				deadline.Reset(timeout)
				continue
			}
			if !o.ok {
				return "", fmt.Errorf("%w: %s", ErrUpgradeFailed, o.detail)
			}
			return o.detail, nil
		}
		if syscall.Kill(pid, 0) != nil {
			return "", fmt.Errorf("%w: master %d is gone", ErrUpgradeFailed, pid)
		}
	}
}
