package logger

import (
	"errors"
	"io"
	"os"
	"syscall"
	"time"
)

// StallLimit is how long a write may wait for an output that takes nothing, a pipe or a
// socket whose reader hangs without closing it. Past it the logger drops lines rather than
// hold up every request and the stop with it.
const StallLimit = 2 * time.Second

// After a write gave up, writes for stalledFor try only briefly (stalledTry), and each that
// gives up extends it: an output that stays stuck costs no further StallLimit waits, while
// one that moves again takes every line at once, as a pipe with room does. (A stuck pipe
// may still take a short line or two into the room left in its last page: no sign that its
// reader is back.)
const (
	stalledFor = 30 * time.Second
	stalledTry = time.Millisecond
)

// unstuck writes to a pipe or a socket with a deadline.
type unstuck struct {
	f       *os.File  // nonblocking, so that a write can give up
	stalled time.Time // until when writes try only briefly; its caller serializes the writes
}

// bounded returns w, or, when w is a pipe or a socket, a writer whose writes give up after
// StallLimit. That needs the output in nonblocking mode, a setting of the open pipe that
// every process writing to it shares: the master and its workers (whose own loggers do
// the same) and whatever else was given the same output. A terminal or a file is left as
// it is: a write to either ends.
func bounded(w io.Writer) io.Writer {
	f, ok := w.(*os.File)
	if !ok {
		return w
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode()&(os.ModeNamedPipe|os.ModeSocket) == 0 {
		return w
	}
	// Closed on exec, as Go opens every descriptor: the master re-executes itself on an
	// upgrade and starts its workers, and each would inherit another copy.
	syscall.ForkLock.RLock()
	fd, err := syscall.Dup(int(f.Fd()))
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return w
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		_ = syscall.Close(fd)
		return w
	}
	nb := os.NewFile(uintptr(fd), f.Name()) // in nonblocking mode, so in Go's poller: deadlines work
	if nb.SetWriteDeadline(time.Time{}) != nil {
		_ = nb.Close()
		return w
	}
	return &unstuck{f: nb}
}

func (u *unstuck) Write(p []byte) (int, error) {
	now := time.Now()
	limit := StallLimit
	if now.Before(u.stalled) {
		limit = stalledTry
	}
	_ = u.f.SetWriteDeadline(now.Add(limit))
	n, err := u.f.Write(p)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		u.stalled = time.Now().Add(stalledFor)
	}
	return n, err
}

// Sync: a pipe or a socket holds nothing to sync.
func (u *unstuck) Sync() error { return nil }
