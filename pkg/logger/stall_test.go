package logger

import (
	"os"
	"syscall"
	"testing"
)

// The descriptor bounded writes through is closed on exec: the master re-executes itself
// on every upgrade and starts workers, and a copy inherited each time would pile up.
func TestTheBoundedCopyOfAPipeIsNotInherited(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	u, ok := bounded(w).(*unstuck)
	if !ok {
		t.Fatal("a pipe is not written with a deadline")
	}
	defer u.f.Close()
	flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, u.f.Fd(), syscall.F_GETFD, 0)
	if errno != 0 {
		t.Fatal(errno)
	}
	if flags&syscall.FD_CLOEXEC == 0 {
		t.Error("the copy of the pipe's descriptor is inherited across exec")
	}
}
