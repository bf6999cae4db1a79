//go:build linux || darwin || freebsd

package upload

import (
	"os"
	"syscall"
)

// lockPart marks f as held by this process until it is closed. The kernel drops the lock
// when the process ends, however it ends, so a part file nobody holds was left by a dead
// writer. On a file system without locks nothing is marked, and held always says held.
func lockPart(f *os.File) { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) }

// held reports whether a live process holds the part file at path. It opens without
// blocking: a FIFO put in the file's place must not hang the sweep.
func held(path string) (bool, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return false, err
	}
	defer f.Close()
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil, nil // held: EWOULDBLOCK
}
