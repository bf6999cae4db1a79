package supervisor

import (
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
