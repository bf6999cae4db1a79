//go:build linux || darwin || freebsd

package upload

import (
	"os"
	"syscall"
)

// lockPart marks f as held by this process until it is closed. The kernel drops the lock
// when the process ends, however it ends, so a part file nobody holds was left by a dead
// writer. On a file system without locks nothing is marked, and abandoned never says so.
func lockPart(f *os.File) { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) }

// abandoned reports whether no live process holds the part file at path.
func abandoned(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil // held: EWOULDBLOCK
}
