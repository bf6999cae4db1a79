package supervisor

import (
	"os"
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

func clockGettimeMonotonic(ts *syscall.Timespec) error {
	var t unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &t); err != nil {
		return err
	}
	*ts = syscall.Timespec{Sec: t.Sec, Nsec: t.Nsec}
	return nil
}

// onMainThread reports whether the caller runs on the process's main thread. The master
// forks its workers and re-executes itself from that thread only: Pdeathsig belongs to
// the thread that forked, and execve ends every other thread, which would signal their
// workers that the master died.
func onMainThread() bool { return unix.Gettid() == os.Getpid() }
