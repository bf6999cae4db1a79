//go:build unix

package supervisor

// The harness of the loop's tests (master_test.go). Workers are stand-ins the test drives
// (report ready, exit) and whose signals it reads; the loop's timers are fired by the
// test; signals come through a channel the test sends on. Everything waits on channels:
// the only timeout, guard, turns a loop gone wrong into a failure instead of a hang.

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"
)

const guard = 10 * time.Second

// The master's durations in these tests: distinct, so a timer says which one it is.
const (
	upgradeTimeout = 30 * time.Second
	stopTimeout    = 20 * time.Second
)

// fakeTimer is a timer the master set; it fires when the test says.
type fakeTimer struct {
	d time.Duration
	c chan time.Time
}

func (tm fakeTimer) fire() { tm.c <- time.Time{} }

// standIn is a worker with no process: the test decides when it serves or exits, and
// reads the signals the master sends it.
type standIn struct {
	*worker
	signals  chan syscall.Signal
	deadline fakeTimer // the upgrade timeout the master set when it started this worker
	exitOnce sync.Once // the cleanup ends whatever the test left running
}

func newStandIn(pid int) *standIn {
	s := &standIn{signals: make(chan syscall.Signal, 16)}
	s.worker = &worker{pid: pid, ready: make(chan struct{}), exited: make(chan struct{}),
		signal: func(sig syscall.Signal) { s.signals <- sig }}
	return s
}

// serve reports ready, as a worker does once its /readyz answers.
func (s *standIn) serve() { close(s.ready) }

// exit ends the worker with status (-1: killed by a signal) and the start-up error it
// reported, if any.
func (s *standIn) exit(status int, reason string) {
	s.exitOnce.Do(func() {
		s.status, s.reason = status, reason
		close(s.exited)
	})
}

func (s *standIn) expectSignal(t *testing.T, want syscall.Signal) {
	t.Helper()
	select {
	case got := <-s.signals:
		if got != want {
			t.Fatalf("worker %d got %v, want %v", s.pid, got, want)
		}
	case <-time.After(guard):
		t.Fatalf("worker %d got no signal, want %v", s.pid, want)
	}
}

// expectNoSignal checks that nothing was sent so far; call it after a point the loop has
// passed (a notification, a started worker), so "so far" means something.
func (s *standIn) expectNoSignal(t *testing.T) {
	t.Helper()
	select {
	case got := <-s.signals:
		t.Errorf("worker %d got %v, want no signal", s.pid, got)
	default:
	}
}

// harness runs master.loop with stand-in workers, fake timers and a signal channel.
type harness struct {
	m        *master
	ln       *net.TCPListener
	sigs     chan os.Signal // unbuffered: a send returns once the loop has the signal
	cancel   context.CancelFunc
	started  chan *standIn  // each worker the master starts, in order
	timers   chan fakeTimer // each timer the master sets, in order
	notes    chan string    // what the master tells the process manager, in order
	startErr chan error     // an error here makes the next start fail
	finished chan struct{}  // closed when loop has returned err
	err      error
	mu       sync.Mutex
	all      []*standIn // every worker started, for the cleanup
	nextPID  int
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	h := &harness{
		ln:       ln,
		sigs:     make(chan os.Signal),
		started:  make(chan *standIn, 16),
		timers:   make(chan fakeTimer, 64),
		notes:    make(chan string, 64),
		startErr: make(chan error, 1),
		finished: make(chan struct{}),
		nextPID:  101,
	}
	h.m = &master{
		cfg: Config{
			PIDFile:        filepath.Join(t.TempDir(), "blog.pid"),
			UpgradeTimeout: upgradeTimeout,
			StopTimeout:    stopTimeout,
			Notify:         func(state string) { h.notes <- state },
		},
		log:   zap.NewNop(),
		ln:    ln,
		start: h.start,
		after: h.after,
		// canReexec is false: a SIGHUP goes straight to upgrading the worker.
	}
	return h
}

func (h *harness) start() (*worker, error) {
	select {
	case err := <-h.startErr:
		return nil, err
	default:
	}
	s := newStandIn(h.nextPID)
	h.nextPID++
	h.mu.Lock()
	h.all = append(h.all, s)
	h.mu.Unlock()
	h.started <- s
	return s.worker, nil
}

func (h *harness) after(d time.Duration) <-chan time.Time {
	tm := fakeTimer{d: d, c: make(chan time.Time, 1)}
	h.timers <- tm
	return tm.c
}

// run starts the loop. If the test ends early, the cleanup stops it and lets every
// stand-in exit, so no goroutine outlives the test.
func (h *harness) run(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() {
		h.err = h.m.loop(ctx, h.sigs, nil)
		close(h.finished)
	}()
	t.Cleanup(func() {
		cancel()
		for {
			h.mu.Lock()
			all := h.all
			h.mu.Unlock()
			for _, s := range all {
				s.exit(0, "")
			}
			select {
			case <-h.finished:
				return
			case <-time.After(10 * time.Millisecond): // a worker may start meanwhile
			}
		}
	})
}

// nextWorker returns the next worker the master starts, with its upgrade deadline.
func (h *harness) nextWorker(t *testing.T) *standIn {
	t.Helper()
	var s *standIn
	select {
	case s = <-h.started:
	case <-time.After(guard):
		t.Fatal("the master started no worker")
	}
	if s.deadline = h.nextTimer(t); s.deadline.d != upgradeTimeout {
		t.Fatalf("worker %d started with a %v timer, want the upgrade timeout %v", s.pid, s.deadline.d, upgradeTimeout)
	}
	return s
}

func (h *harness) nextTimer(t *testing.T) fakeTimer {
	t.Helper()
	select {
	case tm := <-h.timers:
		return tm
	case <-time.After(guard):
		t.Fatal("the master set no timer")
		return fakeTimer{}
	}
}

// expectNotes checks the master's next notifications (their first lines: RELOADING=1
// carries a timestamp on the second).
func (h *harness) expectNotes(t *testing.T, want ...string) {
	t.Helper()
	for _, w := range want {
		select {
		case got := <-h.notes:
			if first, _, _ := strings.Cut(got, "\n"); first != w {
				t.Fatalf("master notified %q, want %q", got, w)
			}
		case <-time.After(guard):
			t.Fatalf("master sent no notification, want %q", w)
		}
	}
}

func (h *harness) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	select {
	case h.sigs <- sig:
	case <-time.After(guard):
		t.Fatalf("the loop did not take %v", sig)
	}
}

// wait returns the loop's error once it has returned.
func (h *harness) wait(t *testing.T) error {
	t.Helper()
	select {
	case <-h.finished:
		return h.err
	case <-time.After(guard):
		t.Fatal("the loop did not return")
		return nil
	}
}

// serving runs the loop and has its first worker serve.
func (h *harness) serving(t *testing.T) *standIn {
	t.Helper()
	h.run(t)
	w := h.nextWorker(t)
	w.serve()
	h.expectNotes(t, "READY=1")
	return w
}

// upgrade sends SIGHUP and returns the worker the master starts for it.
func (h *harness) upgrade(t *testing.T) *standIn {
	t.Helper()
	h.signal(t, syscall.SIGHUP)
	h.expectNotes(t, "RELOADING=1")
	return h.nextWorker(t)
}

// handedOver has the first worker serve, upgrades, and returns both once the new one
// serves and the old one drains.
func (h *harness) handedOver(t *testing.T) (draining, serving *standIn) {
	t.Helper()
	draining = h.serving(t)
	serving = h.upgrade(t)
	serving.serve()
	h.expectNotes(t, "READY=1")
	draining.expectSignal(t, SignalHandOver)
	return draining, serving
}

// stop cancels the loop's context: the serving worker is told to stop; then every worker
// given exits, and the loop must return nil.
func (h *harness) stop(t *testing.T, serving *standIn, others ...*standIn) {
	t.Helper()
	h.cancel()
	h.expectNotes(t, "STOPPING=1")
	serving.expectSignal(t, SignalStop)
	for _, w := range append(others, serving) {
		w.exit(0, "")
	}
	if err := h.wait(t); err != nil {
		t.Errorf("loop = %v, want nil after a clean stop", err)
	}
}

func (h *harness) status(t *testing.T) status {
	t.Helper()
	st, err := readStatus(StatusFile(h.m.cfg.PIDFile))
	if err != nil {
		t.Fatal(err)
	}
	st.began = 0 // a time: the tests compare the rest
	return st
}
