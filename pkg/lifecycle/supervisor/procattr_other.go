//go:build unix && !linux

package supervisor

import (
	"syscall"
	"time"
)

// sysProcAttr puts a worker in its own process group, so a terminal's Ctrl+C reaches only
// the master. Without Pdeathsig, a worker notices a dead master only when it is signalled.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// probeProcAttr puts a probe in its own process group, to be killed whole.
func probeProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// clockGettimeMonotonic is only used for systemd, which is Linux's.
func clockGettimeMonotonic(ts *syscall.Timespec) error {
	*ts = syscall.NsecToTimespec(time.Now().UnixNano())
	return nil
}

// exitedUnreaped is false: an exit counts once the worker's watcher has reaped it.
func exitedUnreaped(int) bool { return false }

// onMainThread is false where the master does not re-execute itself.
func onMainThread() bool { return false }

// ReleasePages does nothing here.
func ReleasePages() error { return nil }
