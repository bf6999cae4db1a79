package supervisor

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// sysProcAttr puts a worker in its own process group, so a terminal's Ctrl+C reaches only
// the master (which then stops the worker once, not twice), and has the kernel send it
// SignalMasterGone if the master dies, so no worker outlives it. Not SIGTERM: the kernel
// sends the signal as each thread of the dying master exits, and a worker takes a second
// SIGTERM as "stop now"; SignalMasterGone only ever starts one drain.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: SignalMasterGone}
}

// probeProcAttr puts a probe in its own process group, to be killed whole, and has the
// kernel kill it if the master dies while it runs.
func probeProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func clockGettimeMonotonic(ts *syscall.Timespec) error {
	var t unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &t); err != nil {
		return err
	}
	*ts = syscall.Timespec{Sec: t.Sec, Nsec: t.Nsec}
	return nil
}

// exitedUnreaped reports whether the child pid has exited, reaped or not yet. waitid with
// WNOWAIT only looks, so the goroutine that waits for the child still gets its status.
func exitedUnreaped(pid int) bool {
	var info unix.Siginfo
	err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
	if err != nil {
		return errors.Is(err, unix.ECHILD) // reaped already: no longer a child
	}
	return info.Signo != 0 // zero: still running (WNOHANG)
}

// onMainThread reports whether the caller runs on the process's main thread. The master
// forks its workers and re-executes itself from that thread only: Pdeathsig belongs to
// the thread that forked, and execve ends every other thread, which would signal their
// workers that the master died.
func onMainThread() bool { return unix.Gettid() == os.Getpid() }

// ReleasePages drops from the process's resident set the pages of its executable it has
// touched, and returns its free heap to the system. Called once it serves, it drops what
// starting touched: every package's initialisation, the config, the logger, the
// migrations. The master then runs a small loop, a worker its request path, and holding
// ~25 MB of code they no longer run would make an idle master cost as much as a worker.
// Called when a worker falls idle (idle.Handler), it drops what the requests touched.
// Only read-only mappings of files with no anonymous (copied-on-write) page are released,
// so no data is lost: a page used again is read back from the file.
func ReleasePages() error {
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return err
	}
	type mapping struct {
		start, end uintptr
		clean      bool
	}
	var maps []mapping
	for _, line := range strings.Split(string(smaps), "\n") {
		fields := strings.Fields(line)
		switch {
		case len(fields) >= 6 && strings.Contains(fields[0], "-") && (fields[1] == "r-xp" || fields[1] == "r--p") && fields[4] != "0":
			lo, hi, _ := strings.Cut(fields[0], "-")
			start, err1 := strconv.ParseUint(lo, 16, 64)
			end, err2 := strconv.ParseUint(hi, 16, 64)
			if err1 == nil && err2 == nil {
				maps = append(maps, mapping{start: uintptr(start), end: uintptr(end), clean: true})
			}
		case len(fields) >= 5 && strings.Contains(fields[0], "-"):
			maps = append(maps, mapping{}) // another kind of mapping: not ours to release
		case len(maps) > 0 && len(fields) >= 2 && fields[0] == "Anonymous:" && fields[1] != "0":
			maps[len(maps)-1].clean = false
		}
	}
	for _, m := range maps {
		if !m.clean || m.end <= m.start {
			continue
		}
		// The raw call: the range is the process's own mapping, not a Go object.
		if _, _, errno := unix.Syscall(unix.SYS_MADVISE, m.start, m.end-m.start, unix.MADV_DONTNEED); errno != 0 {
			return fmt.Errorf("madvise %#x-%#x: %w", m.start, m.end, errno)
		}
	}
	debug.FreeOSMemory() // and the heap's free pages
	return nil
}
