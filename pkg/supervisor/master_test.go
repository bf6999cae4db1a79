//go:build unix

package supervisor

// Unit tests of the master's loop. Workers are stand-ins the test drives (report ready,
// exit) and whose signals it reads; the loop's timers are fired by the test; signals come
// through a channel the test sends on. Everything waits on channels: the only timeout,
// guard, turns a loop gone wrong into a failure instead of a hang.

import (
	"context"
	"errors"
	"fmt"
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
	drainDelay     = 2 * time.Second
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
			DrainDelay:     drainDelay,
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
	return st
}

func TestFirstWorkerServesThenCancelStops(t *testing.T) {
	h := newHarness(t)
	w := h.serving(t)
	b, err := os.ReadFile(h.m.cfg.PIDFile)
	if want := fmt.Sprintf("%d\n", os.Getpid()); err != nil || string(b) != want {
		t.Errorf("PID file = %q %v, want %q", b, err, want)
	}
	if got, want := h.status(t), (status{seq: 0, ok: true, detail: "started"}); got != want {
		t.Errorf("status = %+v, want %+v", got, want)
	}

	h.stop(t, w)
	for _, f := range []string{h.m.cfg.PIDFile, StatusFile(h.m.cfg.PIDFile)} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s after the stop: %v, want it removed", f, err)
		}
	}
	if _, err := h.ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept after the stop: %v, want the socket closed", err)
	}
}

func TestFirstWorkerExitingFailsStart(t *testing.T) {
	h := newHarness(t)
	h.run(t)
	h.nextWorker(t).exit(3, "config: unknown key Sever")
	err := h.wait(t)
	if want := "the first worker exited with status 3 before serving"; err == nil || err.Error() != want {
		t.Errorf("loop = %v, want %q", err, want)
	}
	if _, err := os.Stat(h.m.cfg.PIDFile); !os.IsNotExist(err) {
		t.Errorf("PID file of a master that never served: %v, want none", err)
	}
}

func TestUpgradeHandsOver(t *testing.T) {
	h := newHarness(t)
	old := h.serving(t)
	w := h.upgrade(t)
	old.expectNoSignal(t) // the old worker serves until the new one does
	w.serve()
	h.expectNotes(t, "READY=1")
	old.expectSignal(t, SignalHandOver)
	if got, want := h.status(t), (status{seq: 1, ok: true, detail: "worker 102 serves"}); got != want {
		t.Errorf("status = %+v, want %+v", got, want)
	}
	old.exit(0, "") // drained
	h.stop(t, w)
}

func TestUpgradeFailsWhenTheNewWorkerExits(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		reason     string
		wantDetail string
	}{
		{"with its start-up error", 1, "config: unknown key App.DefaultPageSise",
			"new worker 102 exited with status 1 before serving: config: unknown key App.DefaultPageSise"},
		{"crashed, nothing reported", -1, "",
			"new worker 102 exited with status -1 before serving: see the service log"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			old := h.serving(t)
			h.upgrade(t).exit(tt.status, tt.reason)
			h.expectNotes(t, "READY=1") // the old worker serves on
			old.expectNoSignal(t)
			if got, want := h.status(t), (status{seq: 1, ok: false, detail: tt.wantDetail}); got != want {
				t.Errorf("status = %+v, want %+v", got, want)
			}
			// A later SIGHUP still upgrades.
			w := h.upgrade(t)
			w.serve()
			h.expectNotes(t, "READY=1")
			old.expectSignal(t, SignalHandOver)
			if st := h.status(t); st.seq != 2 || !st.ok {
				t.Errorf("status after a good upgrade = %+v, want seq 2 ok", st)
			}
			h.stop(t, w, old)
		})
	}
}

func TestUpgradeTimeoutKillsTheNewWorker(t *testing.T) {
	h := newHarness(t)
	old := h.serving(t)
	w := h.upgrade(t)
	w.deadline.fire()
	w.expectSignal(t, syscall.SIGKILL)
	w.exit(-1, "")
	h.expectNotes(t, "READY=1")
	old.expectNoSignal(t)
	want := status{seq: 1, ok: false,
		detail: "new worker 102 exited with status -1 before serving: not serving within the upgrade timeout (30s): killed"}
	if got := h.status(t); got != want {
		t.Errorf("status = %+v, want %+v", got, want)
	}
	h.stop(t, old)
}

func TestUpgradeFailsWhenNoWorkerStarts(t *testing.T) {
	h := newHarness(t)
	old := h.serving(t)
	h.startErr <- errors.New("find executable: no such file or directory")
	h.signal(t, syscall.SIGHUP)
	h.expectNotes(t, "RELOADING=1", "READY=1")
	old.expectNoSignal(t)
	want := status{seq: 1, ok: false, detail: "the current worker keeps serving: find executable: no such file or directory"}
	if got := h.status(t); got != want {
		t.Errorf("status = %+v, want %+v", got, want)
	}
	h.stop(t, old)
}

func TestDeadWorkerIsRespawned(t *testing.T) {
	h := newHarness(t)
	h.serving(t).exit(-1, "") // killed
	w := h.nextWorker(t)
	w.serve()
	h.expectNotes(t, "READY=1")
	// A respawn is no upgrade: the status still answers the last reload.
	if got, want := h.status(t), (status{seq: 0, ok: true, detail: "started"}); got != want {
		t.Errorf("status = %+v, want %+v", got, want)
	}
	h.stop(t, w)
}

// The serving worker dies while a new one starts: the new one takes over, and no
// replacement is started besides. (The loop may see the death and the readiness in either
// order; both must end this way.)
func TestWorkerDyingDuringAnUpgradeLeavesItToTheNewOne(t *testing.T) {
	h := newHarness(t)
	old := h.serving(t)
	w := h.upgrade(t)
	old.exit(-1, "")
	w.serve()
	h.expectNotes(t, "READY=1")
	if st := h.status(t); st.seq != 1 || !st.ok {
		t.Errorf("status = %+v, want seq 1 ok", st)
	}
	h.stop(t, w)
	select {
	case s := <-h.started:
		t.Errorf("worker %d started besides the upgrade's", s.pid)
	default:
	}
}

// Replacements that keep failing are retried with a doubling back-off, then the loop
// gives up and returns an error, for the process manager to act.
func TestMasterGivesUpWhenRespawnsKeepFailing(t *testing.T) {
	h := newHarness(t)
	h.serving(t).exit(-1, "")
	for _, backoff := range []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second} {
		h.nextWorker(t).exit(3, "")
		tm := h.nextTimer(t)
		if tm.d != backoff {
			t.Fatalf("back-off %v, want %v", tm.d, backoff)
		}
		tm.fire()
	}
	h.nextWorker(t).exit(3, "") // the fifth attempt
	err := h.wait(t)
	if want := "gave up after 5 failed attempts to start a worker"; err == nil || err.Error() != want {
		t.Errorf("loop = %v, want %q", err, want)
	}
	if _, err := os.Stat(h.m.cfg.PIDFile); !os.IsNotExist(err) {
		t.Errorf("PID file after giving up: %v, want it removed", err)
	}
}

// SIGHUPs during an upgrade are folded into one more upgrade after it.
func TestSIGHUPStormUpgradesOnceMore(t *testing.T) {
	h := newHarness(t)
	w1 := h.serving(t)
	w2 := h.upgrade(t)
	for range 4 {
		h.signal(t, syscall.SIGHUP) // the loop has each before the next send returns
	}
	w2.serve()
	h.expectNotes(t, "READY=1", "RELOADING=1") // done, and the queued upgrade begins
	w1.expectSignal(t, SignalHandOver)
	w3 := h.nextWorker(t)
	w3.serve()
	h.expectNotes(t, "READY=1")
	w2.expectSignal(t, SignalHandOver)
	if st := h.status(t); st.seq != 2 || !st.ok {
		t.Errorf("status = %+v, want seq 2 ok", st)
	}
	h.cancel()
	h.expectNotes(t, "STOPPING=1") // and no third upgrade before it
	select {
	case s := <-h.started:
		t.Errorf("worker %d started after the storm's one extra upgrade", s.pid)
	default:
	}
	w3.expectSignal(t, SignalStop)
	for _, w := range []*standIn{w1, w2, w3} {
		w.exit(0, "")
	}
	if err := h.wait(t); err != nil {
		t.Errorf("loop = %v", err)
	}
}

// SIGTERM or SIGINT during an upgrade stops the serving and the starting worker (a
// draining one drains on: a second signal would cut its requests) and waits for all.
func TestStopDuringAnUpgrade(t *testing.T) {
	for _, sig := range []os.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			h := newHarness(t)
			draining := h.serving(t)
			serving := h.upgrade(t)
			serving.serve()
			h.expectNotes(t, "READY=1")
			draining.expectSignal(t, SignalHandOver)
			starting := h.upgrade(t)

			h.signal(t, sig)
			h.expectNotes(t, "STOPPING=1")
			serving.expectSignal(t, SignalStop)
			starting.expectSignal(t, SignalStop)
			draining.expectNoSignal(t)
			for _, w := range []*standIn{draining, serving, starting} {
				w.exit(0, "")
			}
			if err := h.wait(t); err != nil {
				t.Errorf("loop = %v, want nil", err)
			}
			if _, err := h.ln.Accept(); !errors.Is(err, net.ErrClosed) {
				t.Errorf("Accept after the stop: %v, want the socket closed", err)
			}
		})
	}
}

func TestStopReportsTheServingWorkersStatus(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		wantErr string
	}{
		{"clean drain", 0, ""},
		{"requests cut at the drain deadline", 1, "worker 101 exited with status 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			w := h.serving(t)
			h.signal(t, syscall.SIGTERM)
			w.expectSignal(t, SignalStop)
			w.exit(tt.status, "")
			err := h.wait(t)
			if got := fmt.Sprint(err); (tt.wantErr == "" && err != nil) || (tt.wantErr != "" && got != tt.wantErr) {
				t.Errorf("loop = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// During a stop, SIGHUP is ignored, a second stop signal is passed on to every worker
// (they stop at once), and past StopTimeout every worker is killed.
func TestStopEscalates(t *testing.T) {
	h := newHarness(t)
	draining := h.serving(t)
	serving := h.upgrade(t)
	serving.serve()
	h.expectNotes(t, "READY=1")
	draining.expectSignal(t, SignalHandOver)

	h.signal(t, syscall.SIGTERM)
	serving.expectSignal(t, SignalStop)
	if tm := h.nextTimer(t); tm.d != drainDelay {
		t.Fatalf("first timer of the stop: %v, want the drain delay %v", tm.d, drainDelay)
	}
	hardStop := h.nextTimer(t)
	if hardStop.d != stopTimeout {
		t.Fatalf("second timer of the stop: %v, want the stop timeout %v", hardStop.d, stopTimeout)
	}
	h.signal(t, syscall.SIGHUP)
	h.signal(t, syscall.SIGTERM)
	draining.expectSignal(t, SignalStop) // the first signal after SIGHUP: SIGHUP did nothing
	serving.expectSignal(t, SignalStop)
	hardStop.fire()
	draining.expectSignal(t, syscall.SIGKILL)
	serving.expectSignal(t, syscall.SIGKILL)
	draining.exit(-1, "")
	serving.exit(-1, "")
	if err := h.wait(t); err == nil || err.Error() != "worker 102 exited with status -1" {
		t.Errorf("loop = %v, want the killed worker's status", err)
	}
}
