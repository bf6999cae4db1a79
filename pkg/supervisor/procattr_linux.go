package supervisor

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// sysProcAttr puts a worker in its own process group, so a terminal's Ctrl+C reaches only
// the master (which then stops the worker once, not twice), and has the kernel send it
// SIGTERM if the master dies, so no worker outlives it.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

func clockGettimeMonotonic(ts *syscall.Timespec) error {
	var t unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &t); err != nil {
		return err
	}
	*ts = syscall.Timespec{Sec: t.Sec, Nsec: t.Nsec}
	return nil
}
