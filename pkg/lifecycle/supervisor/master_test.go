//go:build unix

package supervisor

// Unit tests of the master's loop, with stand-in workers and timers the test fires
// (standin_test.go).

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

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

// A SIGHUP while the master waits to retry a worker that died starts the upgrade's worker
// at once, and the retry it was waiting for is called off: its timer, firing later, must
// not start a second worker, which would replace the first in the master's view and leave
// it serving unwatched (or deploy whatever binary is on disk by then).
func TestSIGHUPDuringARespawnBackOffCallsTheRetryOff(t *testing.T) {
	h := newHarness(t)
	h.serving(t).exit(-1, "") // killed
	h.nextWorker(t).exit(3, "config: unknown key Sever")
	retry := h.nextTimer(t)
	w := h.upgrade(t) // the config fixed, SIGHUP
	retry.fire()
	w.serve()
	h.expectNotes(t, "READY=1")
	select {
	case s := <-h.started:
		t.Fatalf("worker %d started by the called-off retry", s.pid)
	case <-time.After(200 * time.Millisecond): // the loop has the timer's tick by then; a start would be here
	}
	if st := h.status(t); st.seq != 1 || !st.ok {
		t.Errorf("status = %+v, want seq 1 ok: the upgrade's worker serves", st)
	}
	h.stop(t, w)
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

// SIGTERM or SIGINT during an upgrade stops every worker: the serving and the starting one,
// and the one draining after the previous hand-over (to a worker in a hand-over's drain,
// the signal brings a stop's deadline, not a forced stop), and waits for all.
func TestStopDuringAnUpgrade(t *testing.T) {
	for _, sig := range []os.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			h := newHarness(t)
			draining, serving := h.handedOver(t)
			starting := h.upgrade(t)

			h.signal(t, sig)
			h.expectNotes(t, "STOPPING=1")
			serving.expectSignal(t, SignalStop)
			starting.expectSignal(t, SignalStop)
			draining.expectSignal(t, SignalStop)
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

// A stop closes the master's copy of the socket at once, while the worker still serves its
// drain delay on its own copy. Closed on a timer of the same delay, the master's copy could
// outlive the worker's: connections queued in between were reset with a request sent (a
// POST answered 502 by nginx in the rolling drill).
func TestStopClosesTheMastersSocketAtOnce(t *testing.T) {
	h := newHarness(t)
	w := h.serving(t)
	h.signal(t, syscall.SIGTERM)
	w.expectSignal(t, SignalStop)
	if err := h.ln.SetDeadline(time.Now().Add(2 * time.Second)); err != nil && !errors.Is(err, net.ErrClosed) {
		t.Fatal(err)
	}
	if _, err := h.ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("the master's socket after the stop signal: Accept = %v, want it closed", err)
	}
	w.exit(0, "")
	if err := h.wait(t); err != nil {
		t.Errorf("loop = %v", err)
	}
}

// A stop is sent to the old worker still draining after a hand-over too (it then cuts
// what outlives a stop's deadline); during a stop, SIGHUP is ignored, a second stop signal
// is passed on to every worker (they stop at once), and past StopTimeout every worker is
// killed.
func TestStopEscalates(t *testing.T) {
	h := newHarness(t)
	draining, serving := h.handedOver(t)

	h.signal(t, syscall.SIGTERM)
	serving.expectSignal(t, SignalStop)
	draining.expectSignal(t, SignalStop)
	hardStop := h.nextTimer(t)
	if hardStop.d != stopTimeout {
		t.Fatalf("the stop's timer: %v, want the stop timeout %v", hardStop.d, stopTimeout)
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
	if err := h.wait(t); err == nil || err.Error() != "worker 102 exited with status -1; worker 101 exited with status -1" {
		t.Errorf("loop = %v, want the killed workers' statuses", err)
	}
}

// A re-executed master keeps its socket's port and its PID file, whatever the new
// configuration says, and its first outcome tells reload that those changes wait for a
// restart: a SIGHUP cannot move the port, and reload looks for the status where the PID
// file was.
func TestReexecutedMasterKeepsItsPortAndPIDFile(t *testing.T) {
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := t.TempDir()
	started := filepath.Join(dir, "a.pid")
	m := &master{cfg: Config{Addr: ":1", PIDFile: filepath.Join(dir, "b.pid")}, log: zap.NewNop()}
	m.keepStarted(masterState{pidFile: started, hasPIDFile: true}, ln)
	if m.cfg.PIDFile != started {
		t.Errorf("PID file %q, want the one the master started with, %q", m.cfg.PIDFile, started)
	}
	m.report(true, "worker 102 serves")
	st, err := readStatus(StatusFile(started))
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	for _, want := range []string{"worker 102 serves", "the port stays " + port, "(now configured: 1)", `the PID file stays "` + started} {
		if !strings.Contains(st.detail, want) {
			t.Errorf("outcome %q does not say %q", st.detail, want)
		}
	}
	m.report(true, "worker 103 serves") // said once
	if st, _ := readStatus(StatusFile(started)); st.detail != "worker 103 serves" {
		t.Errorf("the next outcome %q, want it alone", st.detail)
	}
}

// A SIGHUP while no worker serves upgrades the worker only (there is none to carry over
// into a new image), and its outcome says the master kept its code.
func TestSIGHUPWithNoWorkerServingSaysTheMasterKeptItsCode(t *testing.T) {
	h := newHarness(t)
	h.m.canReexec = true // it is not reached: no worker serves
	h.serving(t).exit(-1, "")
	h.nextWorker(t).exit(3, "config: unknown key Sever")
	h.nextTimer(t) // the retry, called off by the SIGHUP's worker
	w := h.upgrade(t)
	w.serve()
	h.expectNotes(t, "READY=1")
	if st := h.status(t); !st.ok || !strings.Contains(st.detail, "the master keeps its old code: no worker serves") {
		t.Errorf("status = %+v, want ok, saying the master kept its code", st)
	}
	h.stop(t, w)
}

// SIGHUPs whose workers fail while no worker serves (an operator fixing a config, reload
// after reload) do not count toward giving up: only the master's own retries do.
func TestFailedUpgradesWithNoWorkerServingDoNotEndTheMaster(t *testing.T) {
	h := newHarness(t)
	h.serving(t).exit(-1, "")
	h.nextWorker(t).exit(3, "config: unknown key Sever") // the master's first retry
	h.nextTimer(t)
	for i := range maxRespawns + 1 {
		w := h.upgrade(t)
		w.exit(3, "config: unknown key Sever")
		if tm := h.nextTimer(t); tm.d != firstBackoff {
			t.Fatalf("upgrade %d failed: next retry in %v, want %v", i+1, tm.d, firstBackoff)
		}
		if st := h.status(t); st.ok || st.seq != i+1 {
			t.Fatalf("status after upgrade %d = %+v, want it failed", i+1, st)
		}
	}
	w := h.upgrade(t) // the config fixed
	w.serve()
	h.expectNotes(t, "READY=1")
	h.stop(t, w)
}

// settle is Config.Settle in the tests that set it: distinct from the other durations.
const settle = 7 * time.Second

// settling runs a master with Settle whose upgrade's new worker (w) has begun to serve,
// the old one handed over; tm is the settle time's timer.
func settling(t *testing.T) (h *harness, old, w *standIn, tm fakeTimer) {
	t.Helper()
	h = newHarness(t)
	h.m.cfg.Settle = settle
	old = h.serving(t)
	w = h.upgrade(t)
	w.serve()
	old.expectSignal(t, SignalHandOver) // at once: two workers never take connections together
	if tm = h.nextTimer(t); tm.d != settle {
		t.Fatalf("timer %v after the new worker served, want the settle time %v", tm.d, settle)
	}
	h.expectNotes(t, "READY=1")
	return h, old, w, tm
}

// With Settle, an upgrade is reported done once its new worker has served that long.
func TestUpgradeIsReportedOnceTheNewWorkerSettles(t *testing.T) {
	h, old, w, tm := settling(t)
	if got := h.status(t); got.seq != 0 {
		t.Errorf("status before the settle time = %+v, want no outcome yet", got)
	}
	tm.fire()
	got := h.status(t)
	for deadline := time.Now().Add(guard); got.seq == 0 && time.Now().Before(deadline); got = h.status(t) {
		time.Sleep(time.Millisecond)
	}
	if want := (status{seq: 1, ok: true, detail: "worker 102 serves"}); got != want {
		t.Errorf("status = %+v, want %+v", got, want)
	}
	old.exit(0, "")
	h.stop(t, w)
}

// A new worker that exits within its settle time (a release that crashes on its first
// requests) fails the upgrade: reload said it served, and the master restarted it in a
// tight loop. It is replaced after a back-off.
func TestNewWorkerExitingWithinItsSettleTimeFailsTheUpgrade(t *testing.T) {
	h, old, w, _ := settling(t) // the settle time is never fired
	old.exit(0, "")
	w.exit(3, "")
	tm := h.nextTimer(t)
	if tm.d != 500*time.Millisecond {
		t.Fatalf("timer %v after the new worker died, want the first back-off", tm.d)
	}
	if st := h.status(t); st.seq != 1 || st.ok || !strings.Contains(st.detail, "new worker 102 exited with status 3") {
		t.Errorf("status = %+v, want the upgrade failed: 102 exited", st)
	}
	tm.fire()
	h.stop(t, h.nextWorker(t))
}

// A SIGHUP within the settle time upgrades at once, and the upgrade it supersedes is
// reported done: a deploy does not wait for the one before to settle.
func TestSIGHUPWithinTheSettleTimeUpgradesAtOnce(t *testing.T) {
	h, old, w, _ := settling(t)
	old.exit(0, "")
	h.signal(t, syscall.SIGHUP)
	h.expectNotes(t, "RELOADING=1")
	if st := h.status(t); st.seq != 1 || !st.ok || !strings.HasPrefix(st.detail, "worker 102 serves (a newer upgrade followed") {
		t.Errorf("status = %+v, want the superseded upgrade done", st)
	}
	n := h.nextWorker(t)
	h.handOverAndStop(t, w, n)
}

// Serving workers that die as soon as they serve are replaced after a doubling back-off,
// and the master gives up after maxRespawns in a row, for the process manager to act.
func TestServingWorkersDyingAtOnceAreRetriedWithBackOff(t *testing.T) {
	h := newHarness(t)
	h.m.cfg.Settle = settle
	h.serving(t).exit(3, "")
	for _, backoff := range []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second} {
		tm := h.nextTimer(t)
		if tm.d != backoff {
			t.Fatalf("back-off %v, want %v", tm.d, backoff)
		}
		tm.fire()
		w := h.nextWorker(t)
		w.serve()
		h.expectNotes(t, "READY=1")
		w.exit(3, "")
	}
	err := h.wait(t)
	if err == nil || !strings.Contains(err.Error(), "gave up after 5 serving workers in a row exited within 7s of serving") {
		t.Errorf("loop = %v, want it to give up", err)
	}
}

// A worker that dies after it has served longer than Settle is replaced at once.
func TestWorkerDyingAfterItsSettleTimeIsReplacedAtOnce(t *testing.T) {
	h := newHarness(t)
	h.m.cfg.Settle = 100 * time.Millisecond
	w := h.serving(t)
	time.Sleep(150 * time.Millisecond)
	w.exit(3, "")
	h.nextWorker(t).serve() // at once: nextWorker fails on any other timer first
	h.expectNotes(t, "READY=1")
}

// A SIGHUP within the settle time of an upgrade that has another queued behind it starts
// one upgrade, not two: the queued one and this one read the same files.
func TestSIGHUPWithinTheSettleTimeAndOneQueuedUpgradesOnce(t *testing.T) {
	h := newHarness(t)
	h.m.cfg.Settle = settle
	old := h.serving(t)
	w := h.upgrade(t)
	h.signal(t, syscall.SIGHUP) // during the upgrade: queued
	w.serve()
	old.expectSignal(t, SignalHandOver)
	h.nextTimer(t) // the settle time, never fired
	h.expectNotes(t, "READY=1")
	old.exit(0, "")
	h.signal(t, syscall.SIGHUP)
	h.expectNotes(t, "RELOADING=1")
	n := h.nextWorker(t)
	select {
	case s := <-h.started:
		t.Errorf("worker %d started beside worker %d", s.pid, n.pid)
	case <-time.After(100 * time.Millisecond):
	}
	h.handOverAndStop(t, w, n)
}

// handOverAndStop has n, an upgrade's worker under Settle, serve: w is handed over, and
// once it has drained the loop is stopped.
func (h *harness) handOverAndStop(t *testing.T, w, n *standIn) {
	t.Helper()
	n.serve()
	w.expectSignal(t, SignalHandOver)
	h.nextTimer(t) // n's settle time
	h.expectNotes(t, "READY=1")
	w.exit(0, "")
	h.stop(t, n)
}

// An old worker's end is logged when it comes, not at the next upgrade or stop, which may
// be days later: a drain cut at its deadline (status 1) is the operator's to know at once.
func TestOldWorkersEndIsLoggedWhenItComes(t *testing.T) {
	h := newHarness(t)
	core, logs := observer.New(zap.InfoLevel)
	h.m.log = zap.New(core)
	old := h.serving(t)
	w := h.upgrade(t)
	w.serve()
	h.expectNotes(t, "READY=1")
	old.expectSignal(t, SignalHandOver)
	old.exit(1, "")
	for end := time.Now().Add(guard); logs.FilterMessageSnippet("old worker exited").Len() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("no line about the old worker's end within %v of it", guard)
		}
	}
	if got := logs.FilterMessageSnippet("old worker exited").All(); len(got) != 1 || got[0].Level != zap.WarnLevel || got[0].ContextMap()["status"] != int64(1) {
		t.Errorf("old worker's end logged as %+v, want one warning with status 1", got)
	}
	h.stop(t, w)
}

// A stop's status is the requests it cut, not the ones an upgrade cut: an old worker whose
// hand-over drain cut requests (StatusHandOverCut) can exit just as a stop begins, and the
// stop exited 1 or 0 by which of the two the master saw first. Each worker the stop cut is
// named, and each old worker's end is logged.
func TestStopCountsTheCutsItMade(t *testing.T) {
	tests := []struct {
		name             string
		draining, serves int // exit statuses
		wantErr, wantLog string
	}{
		{"the upgrade's cut", StatusHandOverCut, 0, "", "old worker exited: requests cut at its hand-over deadline"},
		{"the stop's cuts", 1, 1, "worker 102 exited with status 1; worker 101 exited with status 1", "old worker exited with a failure status"},
		{"clean", 0, 0, "", "old worker exited"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			core, logs := observer.New(zap.InfoLevel)
			h.m.log = zap.New(core)
			draining, serving := h.handedOver(t)
			h.signal(t, syscall.SIGTERM)
			serving.expectSignal(t, SignalStop)
			draining.expectSignal(t, SignalStop)
			draining.exit(tt.draining, "")
			serving.exit(tt.serves, "")
			if err := h.wait(t); fmt.Sprint(err) != cmp.Or(tt.wantErr, "<nil>") {
				t.Errorf("loop = %v, want %q", err, tt.wantErr)
			}
			if got := logs.FilterMessageSnippet(tt.wantLog).Len(); got != 1 {
				t.Errorf("%d lines %q, want 1; log: %v", got, tt.wantLog, logs.All())
			}
		})
	}
}
