//go:build unix

package supervisor

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap"
)

// Supported reports whether Run can upgrade in place on this platform.
const Supported = true

// Signals a worker gets: stop (drain after DrainDelay, as for SIGTERM from outside), hand
// over (drain now: the socket stays open and a new worker serves it) and master gone (the
// kernel's, when the master dies: drain now, once, and exit).
const (
	SignalStop       = syscall.SIGTERM
	SignalHandOver   = syscall.SIGUSR1
	SignalMasterGone = syscall.SIGUSR2
)

// DrainNowSignals are the signals that tell a worker to drain at once, and never to cut
// its requests: a new worker has taken over, or the master is gone.
func DrainNowSignals() []os.Signal { return []os.Signal{SignalHandOver, SignalMasterGone} }

// respawn backs off between attempts to replace a worker that died; after maxRespawns
// failed attempts in a row the master gives up and exits, for the process manager to act.
const (
	firstBackoff = 500 * time.Millisecond
	maxBackoff   = 30 * time.Second
	maxRespawns  = 5
)

type worker struct {
	pid int
	// signal sends it a signal: to its process group in production (processWorker); a
	// test's stand-in records it instead.
	signal func(syscall.Signal)
	ready  chan struct{} // closed when it reports that it serves
	exited chan struct{} // closed once it has exited and been reaped, and its report read
	// waited closes once it has been reaped and status is set: before exited, which also
	// waits for its report pipe to close (a process it started may hold it open). Nil for
	// a test's stand-in, whose end is exited closing.
	waited chan struct{}
	status int
	lost   bool   // reaped by the master's image before this one: its status went with it
	reason string // why it could not start, as it reported (set before exited closes)
	// timedOut: the master killed it for not serving in time; since: when it began to
	// serve (the loop's own fields).
	timedOut bool
	since    time.Time
}

// processWorker is the worker for a child process. Signals go to its process group (it
// leads its own), so anything a starting worker runs (a wrapper script, say) goes too.
func processWorker(pid int) *worker {
	w := &worker{pid: pid, ready: make(chan struct{}), exited: make(chan struct{}), waited: make(chan struct{})}
	w.signal = func(sig syscall.Signal) {
		select {
		case <-w.exited: // reaped: its PID may be another process's by now
		default:
			_ = syscall.Kill(-pid, sig)
		}
	}
	return w
}

// ended reports whether the worker has exited, its status set. One that has exited but is
// not reaped yet (the goroutine that waits for it can run late on a busy machine) is
// reaped now: a stop signalled just after an old worker's drain ended must not count that
// worker as one it stopped.
func (w *worker) ended() bool {
	if w.waited == nil {
		select {
		case <-w.exited:
			return true
		default:
			return false
		}
	}
	select {
	case <-w.waited:
		return true
	default:
	}
	if !exitedUnreaped(w.pid) {
		return false
	}
	<-w.waited // its Wait returns at once
	return true
}

// watch reaps the worker's process when it exits (no zombies) and records its status.
func (w *worker) watch(proc *os.Process) {
	st, err := proc.Wait()
	switch {
	case errors.Is(err, syscall.ECHILD):
		// Adopted, but it had exited and been reaped in the image before this one, between
		// its last look (reap) and the re-execution: it ended draining, its status unknown.
		w.status, w.lost = 0, true
	case err != nil:
		w.status = -1
	default:
		w.status = st.ExitCode() // -1 when killed by a signal
	}
	close(w.waited)
	close(w.exited)
}

type master struct {
	cfg       Config
	log       *zap.Logger
	ln        *net.TCPListener
	canReexec bool
	seq       int            // the last upgrade outcome written to the status file
	pending   []string       // what the next outcome must also say: a change not applied, old code kept
	began     int64          // when the upgrade under way began (Unix nanoseconds), for its outcome
	sigs      chan os.Signal // the signals Run listens to
	startedAs string         // see startedAs; "" in tests
	// start starts a worker (spawn: this binary, forked and executed) and after sets a
	// timer (time.After): the loop's only ways to the outside, which tests replace with
	// stand-in workers and timers they fire themselves.
	start func() (*worker, error)
	after func(time.Duration) <-chan time.Time
	// release (ReleasePages) runs once a worker serves; nil in tests.
	release func() error
}

// Run listens on cfg.Addr, starts the first worker and supervises workers until ctx is
// done or SIGINT/SIGTERM arrives; a second signal forces the stop. SIGHUP upgrades: the
// master first re-executes itself from the executable's current file (same PID, socket
// and workers carried over), then replaces the worker. It returns an error if the listener
// or the first worker fails, when replacing a worker that died keeps failing (maxRespawns
// attempts in a row), or when the serving worker did not stop cleanly.
//
// Call Run from the main goroutine locked to the main thread (runtime.LockOSThread in an
// init function of package main): workers are forked, and the master re-executed, from
// that thread only (see onMainThread). Elsewhere the master does not re-execute itself.
func Run(ctx context.Context, cfg Config) error {
	st, isResumed, err := resumed()
	if err != nil {
		return err
	}
	var ln *net.TCPListener
	if isResumed {
		ln, err = st.listener()
	} else {
		var l net.Listener
		l, err = net.Listen("tcp", cfg.Addr)
		if err == nil {
			ln = l.(*net.TCPListener)
		}
	}
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	m := &master{cfg: cfg, log: cfg.Log.Named("master"), ln: ln, canReexec: onMainThread(), after: time.After,
		release: ReleasePages, startedAs: startedAs()}
	m.start = m.spawn
	defer ln.Close()
	if cfg.Notify == nil {
		m.cfg.Notify = func(string) {}
	}
	if !m.canReexec {
		m.log.Warn("not on the main thread: SIGHUP will upgrade workers, not the master")
	}
	sigs := make(chan os.Signal, 4)
	m.sigs = sigs
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if isResumed {
		m.seq = st.seq
		m.log.Info("master re-executed: upgrading the worker", zap.Int("serving", st.serving), zap.Ints("draining", st.draining))
		m.keepStarted(st, ln)
		return m.loop(ctx, sigs, &st)
	}
	return m.loop(ctx, sigs, nil)
}

// keepStarted keeps what a re-executed master carries over from its start, whatever the
// configuration says now: the socket, whose port a SIGHUP cannot move (the workers share
// it, and clients are connected to it), and the PID file, where reload and the process
// manager look. A change to either takes effect at the next start; the upgrade's outcome
// says so, so that reload does not report it done.
func (m *master) keepStarted(st masterState, ln *net.TCPListener) {
	if _, want, err := net.SplitHostPort(m.cfg.Addr); err == nil {
		if _, have, _ := net.SplitHostPort(ln.Addr().String()); want != have {
			m.pending = append(m.pending, fmt.Sprintf("the port stays %s until the service restarts (now configured: %s)", have, want))
		}
	}
	if st.hasPIDFile && st.pidFile != m.cfg.PIDFile {
		m.pending = append(m.pending, fmt.Sprintf("the PID file stays %q until the service restarts (now configured: %q)", st.pidFile, m.cfg.PIDFile))
		m.cfg.PIDFile = st.pidFile
	}
	for _, p := range m.pending {
		m.log.Warn("configuration not applied: " + p)
	}
}

// report writes an upgrade's outcome for Reload, and logs it.
func (m *master) report(ok bool, detail string) {
	if len(m.pending) > 0 { // the first outcome of this image carries what it did not apply
		detail += "; " + strings.Join(m.pending, "; ")
		m.pending = nil
	}
	if ok {
		m.log.Info("upgrade done", zap.String("detail", detail))
	} else {
		m.log.Error("upgrade failed", zap.String("detail", detail))
	}
	if m.cfg.PIDFile == "" {
		return
	}
	m.seq++
	if err := writeStatus(StatusFile(m.cfg.PIDFile), status{seq: m.seq, ok: ok, detail: detail, began: m.began}, false); err != nil {
		m.log.Error("write status file", zap.Error(err))
	}
}

// loop is the master's state machine: cur serves, next is starting, draining ones finish.
func (m *master) loop(ctx context.Context, sigs <-chan os.Signal, resume *masterState) error {
	drained := make(chan struct{}, 1) // a draining worker exited: reap logs how
	var (
		cur, next   *worker
		settled     <-chan time.Time // set while an upgrade's worker serves its first Config.Settle
		draining    []*worker
		pending     bool // a SIGHUP arrived during an upgrade: upgrade again after it
		failures    int  // failed starts in a row while no worker serves
		early       int  // serving workers in a row that died within Config.Settle
		deadline    <-chan time.Time
		respawn     <-chan time.Time
		pidWritten  bool
		released    bool // ReleasePages ran in this image
		nextOrigin  = "start"
		startWorker = func(origin string) error {
			w, err := m.start()
			if err != nil {
				return err
			}
			next, nextOrigin = w, origin
			deadline = m.after(m.cfg.UpgradeTimeout)
			respawn = nil // a retry still waiting would start a second worker beside this one
			m.log.Info("worker starting", zap.String("why", origin), zap.Int("pid", w.pid))
			return nil
		}
	)
	// drain adds w to the draining workers, and has its exit logged as it comes, not at the
	// next upgrade or stop: a drain cut at its deadline is news to the operator. One
	// pending wake-up reaps every worker that has exited by then.
	drain := func(w *worker) {
		draining = append(draining, w)
		go func() {
			<-w.exited
			select {
			case drained <- struct{}{}:
			default:
			}
		}()
	}
	// upgrade starts a new worker; if even that fails, the current one serves on. It reads
	// the binary and the config from now on: its outcome answers the SIGHUPs sent before.
	upgrade := func() {
		m.began = time.Now().UnixNano()
		m.cfg.Notify(reloading())
		if err := startWorker("upgrade"); err != nil {
			m.report(false, "the current worker keeps serving: "+err.Error())
			m.cfg.Notify("READY=1")
		}
	}
	// upgradeAll re-executes the master from the executable's current file, which goes on
	// with upgrade in its new image; if it cannot, this image says why and upgrades the
	// worker itself.
	upgradeAll := func() (stop os.Signal) {
		exe, err := m.executable()
		if err == nil && cur != nil {
			stillDraining := func() []*worker { draining = m.reap(draining); return draining }
			stop, err = m.reexec(exe, cur, stillDraining, m.seq, sigs)
		}
		if stop != nil {
			return stop
		}
		if err == nil && cur == nil {
			err = errors.New("no worker serves for it to carry over; the next SIGHUP while one serves upgrades it")
		}
		if err != nil {
			m.log.Error("master not upgraded: it keeps running its old code", zap.Error(err))
			if m.canReexec { // else it never does, as it logged at start
				m.pending = append(m.pending, "the master keeps its old code: "+err.Error())
			}
		}
		upgrade()
		return nil
	}
	// stopAll stops every worker.
	stopAll := func() error { return m.stop(sigs, cur, next, draining) }
	// stopOn stops every worker, for sig.
	stopOn := func(sig os.Signal) error {
		m.log.Info("stopping", zap.Stringer("signal", sig))
		return stopAll()
	}
	// retryLater schedules another start while no worker serves, or gives up.
	retryLater := func() error {
		if respawn, failures = m.backoff(failures); respawn == nil {
			return fmt.Errorf("gave up after %d failed attempts to start a worker", failures)
		}
		return nil
	}
	// respawnNow starts a replacement at once, or schedules a retry.
	respawnNow := func() error {
		if err := startWorker("respawn"); err != nil {
			m.log.Error("respawn", zap.Error(err))
			return retryLater()
		}
		return nil
	}
	// settle reports the upgrade whose worker serves as done, and upgrades again for a
	// SIGHUP that came meanwhile.
	settle := func(note string) (stop os.Signal) {
		settled = nil
		m.report(true, fmt.Sprintf("worker %d serves%s", cur.pid, note))
		if pending { // a SIGHUP came during this upgrade: a newer binary or config
			pending = false
			return upgradeAll()
		}
		return nil
	}
	// serve makes w, which serves, the serving worker: the old one is handed over and
	// drains. An upgrade's outcome waits until w has served Config.Settle (settled).
	serve := func(w *worker) (stop os.Signal) {
		old := cur
		cur, failures = w, 0
		m.log.Info("worker serving", zap.Int("pid", cur.pid), zap.String("why", nextOrigin))
		if old != nil {
			old.signal(SignalHandOver)
			drain(old)
			m.log.Info("old worker draining", zap.Int("pid", old.pid))
		}
		upgraded := false
		if !pidWritten && m.cfg.PIDFile != "" {
			// The status first: Reload reads it once the PID file is there.
			err := writeStatus(StatusFile(m.cfg.PIDFile), status{seq: m.seq, ok: true, detail: "started"}, true)
			if err == nil {
				err = writeFileAtomic(m.cfg.PIDFile, fmt.Sprintf("%d\n", os.Getpid()))
			}
			if err != nil {
				m.log.Error("write PID file", zap.Error(err))
			} else {
				pidWritten = true
			}
		} else if nextOrigin == "upgrade" {
			upgraded = true
			if m.cfg.Settle > 0 {
				settled = m.after(m.cfg.Settle)
			} else {
				m.report(true, fmt.Sprintf("worker %d serves", cur.pid))
			}
		}
		m.cfg.Notify("READY=1")
		draining = m.reap(draining)
		if !released && m.release != nil {
			// Once per image, after everything its first hand-over runs (logs, files,
			// sd_notify): what start-up touched and the loop never runs again.
			released = true
			if err := m.release(); err != nil {
				m.log.Warn("release start-up pages", zap.Error(err))
			}
		}
		if upgraded && settled == nil && pending { // a SIGHUP came during this upgrade
			pending = false
			return upgradeAll()
		}
		return nil
	}
	if resume != nil {
		cur, pidWritten = adopt(resume.serving, true), m.cfg.PIDFile != ""
		cur.since = time.Now() // as far as this image knows
		for _, pid := range resume.draining {
			drain(adopt(pid, false))
		}
		upgrade()
	} else if err := startWorker("start"); err != nil {
		return err
	}
	defer func() {
		if pidWritten {
			os.Remove(m.cfg.PIDFile)
			os.Remove(StatusFile(m.cfg.PIDFile))
		}
	}()
	for {
		var nextReady, nextExited, curExited chan struct{}
		if next != nil {
			nextReady, nextExited = next.ready, next.exited
		}
		if cur != nil {
			curExited = cur.exited
		}
		select {
		case <-ctx.Done():
			return stopAll()

		case sig := <-sigs:
			if sig != syscall.SIGHUP {
				return stopOn(sig)
			}
			if next != nil {
				pending = true
				m.log.Info("SIGHUP during an upgrade: another upgrade follows it")
				continue
			}
			if settled != nil { // this one supersedes the upgrade still settling
				pending = false // and stands for one queued behind it, if any
				if sig := settle(" (a newer upgrade followed before it had served its settle time)"); sig != nil {
					return stopOn(sig)
				}
			}
			if sig := upgradeAll(); sig != nil {
				return stopOn(sig)
			}

		case <-nextReady:
			w := next
			next, deadline, w.since = nil, nil, time.Now()
			if sig := serve(w); sig != nil {
				return stopOn(sig)
			}

		case <-settled:
			if sig := settle(""); sig != nil {
				return stopOn(sig)
			}

		case <-drained:
			draining = m.reap(draining)

		case <-nextExited:
			failed := next
			next, deadline = nil, nil
			if cur == nil && nextOrigin == "start" {
				return fmt.Errorf("the first worker exited with status %d before serving", failed.status)
			}
			m.log.Error("new worker exited before serving", zap.Int("pid", failed.pid),
				zap.Int("status", failed.status), zap.String("reason", failed.reason), zap.Bool("old_worker_serving", cur != nil))
			if nextOrigin == "upgrade" {
				reason := failed.reason
				switch {
				case failed.timedOut:
					reason = fmt.Sprintf("not serving within the upgrade timeout (%v): killed", m.cfg.UpgradeTimeout)
				case reason == "":
					reason = "see the service log"
				}
				m.report(false, fmt.Sprintf("new worker %d exited with status %d before serving: %s", failed.pid, failed.status, reason))
			}
			switch {
			case cur == nil && nextOrigin == "upgrade":
				// An operator's attempt, answered by its reload: it does not bring the
				// master nearer to giving up, and the next retry comes after the first
				// back-off. (SIGHUPs sent while a bad config was fixed ended the master.)
				respawn = m.after(firstBackoff)
			case cur == nil:
				if err := retryLater(); err != nil {
					return err
				}
			default:
				m.cfg.Notify("READY=1")
				if pending { // a SIGHUP came during the failed upgrade: the fix it may bring
					pending = false
					if sig := upgradeAll(); sig != nil {
						return stopOn(sig)
					}
				}
			}

		case <-deadline:
			m.log.Error("new worker not ready in time: killing it", zap.Int("pid", next.pid),
				zap.Duration("upgrade_timeout", m.cfg.UpgradeTimeout))
			next.signal(syscall.SIGKILL)
			deadline = nil // its exit arrives as nextExited
			next.timedOut = true

		case <-curExited:
			served := time.Since(cur.since)
			m.log.Error("serving worker died: replacing it", zap.Int("pid", cur.pid), zap.Int("status", cur.status),
				zap.Duration("served", served))
			if settled != nil { // an upgrade's worker, within its settle time: it failed
				settled = nil
				m.report(false, fmt.Sprintf("new worker %d exited with status %d %v after it began to serve; the old worker had been handed over, so the master replaces the new one, with back-off",
					cur.pid, cur.status, served.Round(time.Millisecond)))
			}
			cur = nil
			switch {
			case next != nil: // the worker starting now takes over
			case pending: // a SIGHUP came meanwhile: the fix it may bring
				pending = false
				if sig := upgradeAll(); sig != nil {
					return stopOn(sig)
				}
			case m.cfg.Settle > 0 && served < m.cfg.Settle:
				// It died as it began to serve (a release that crashes on its first
				// requests): replaced after a back-off, and given up on after a few, so
				// that the process manager acts, rather than restarted in a tight loop.
				if respawn, early = m.backoff(early); respawn == nil {
					return fmt.Errorf("gave up after %d serving workers in a row exited within %v of serving", early, m.cfg.Settle)
				}
			default:
				early = 0
				if err := respawnNow(); err != nil {
					return err
				}
			}

		case <-respawn:
			respawn = nil
			if err := respawnNow(); err != nil {
				return err
			}
		}
	}
}

// backoff schedules the next respawn, or returns nil once too many have failed.
func (m *master) backoff(failures int) (<-chan time.Time, int) {
	failures++
	if failures >= maxRespawns {
		return nil, failures
	}
	d := min(firstBackoff<<(failures-1), maxBackoff)
	m.log.Warn("retrying to start a worker", zap.Duration("in", d), zap.Int("attempt", failures+1))
	return m.after(d), failures
}

// stop asks every worker to stop (the starting one, the serving one, and the old ones
// still draining after a hand-over, which then cut what outlives a stop's deadline) and
// waits for them; its own copy of the socket closes at once (see below). Each further SIGINT
// or SIGTERM is forwarded to every worker, which makes them stop at once (a SIGHUP is
// ignored now); past StopTimeout they are killed. The error reports a serving or draining
// worker that did not stop cleanly.
func (m *master) stop(sigs <-chan os.Signal, cur, next *worker, draining []*worker) error {
	m.cfg.Notify("STOPPING=1")
	draining = m.reap(draining) // the status is the stop's: of the workers it stops
	if next != nil {
		next.signal(SignalStop) // not serving yet: it gives up starting
	}
	if cur != nil {
		cur.signal(SignalStop)
	}
	for _, w := range draining {
		w.signal(SignalStop)
	}
	all := append(append([]*worker{}, draining...), cur, next)
	// The master's copy of the socket closes now: the serving worker's copy keeps it open
	// through the worker's drain delay, and the worker closes it last, after accepting what
	// the kernel had queued. Closed by a timer of the same delay here, it was a race: when
	// the master's close came after the worker's, connections queued meanwhile had no one
	// to accept them and were reset at the master's close, a request already sent on them
	// (nginx answered a POST 502 in the rolling drill). With no worker serving, a refused
	// connection is the answer a load balancer can retry.
	m.ln.Close()
	hardStop := m.after(m.cfg.StopTimeout)
	for _, w := range all {
		if w == nil {
			continue
		}
	wait:
		for {
			select {
			case <-w.exited:
				break wait
			case sig := <-sigs:
				if sig == syscall.SIGHUP {
					continue
				}
				m.log.Warn("second signal: forcing the workers to stop", zap.Stringer("signal", sig))
				for _, o := range all {
					if o != nil {
						o.signal(SignalStop)
					}
				}
			case <-hardStop:
				m.log.Error("workers still running after the stop timeout: killing them", zap.Duration("timeout", m.cfg.StopTimeout))
				for _, o := range all {
					if o != nil {
						o.signal(syscall.SIGKILL)
					}
				}
				hardStop = nil
			}
		}
	}
	m.ln.Close()
	var failed []string
	for _, w := range append([]*worker{cur}, draining...) {
		if w != nil && w.status != 0 && w.status != StatusHandOverCut {
			failed = append(failed, fmt.Sprintf("worker %d exited with status %d", w.pid, w.status))
		}
	}
	m.reap(draining) // logs how each ended
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "; "))
	}
	return nil
}

// executable is the binary an upgrade runs: the path the master was started by, whose
// symlinks the kernel resolves afresh at each start (a release switched by pointing a
// symlink elsewhere, /opt/app/current -> releases/v2, is found), or else os.Executable(),
// the file this image runs as it is named now.
func (m *master) executable() (string, error) {
	if m.startedAs != "" {
		return m.startedAs, nil
	}
	return os.Executable()
}

// startedAs is the absolute path by which this process was started (argv[0], looked up in
// PATH if bare), symlinks left in; "" if argv[0] does not name this binary (a launcher
// may set it to anything).
func startedAs() string {
	name := os.Args[0]
	if !strings.ContainsRune(name, filepath.Separator) {
		p, err := exec.LookPath(name)
		if err != nil {
			return ""
		}
		name = p
	}
	abs, err := filepath.Abs(name)
	if err != nil {
		return ""
	}
	self, err := os.Executable()
	if err != nil {
		return ""
	}
	a, errA := os.Stat(abs)
	b, errB := os.Stat(self)
	if errA != nil || errB != nil || !os.SameFile(a, b) {
		return ""
	}
	return abs
}

// spawn launches a worker with a copy of the socket and a readiness pipe.
func (m *master) spawn() (*worker, error) {
	exe, err := m.executable()
	if err != nil {
		return nil, fmt.Errorf("find executable: %w", err)
	}
	lnFile, err := dupListener(m.ln)
	if err != nil {
		return nil, err
	}
	defer lnFile.Close()
	readR, readW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("readiness pipe: %w", err)
	}
	defer readW.Close() // the worker holds its own copy
	cmd := exec.Command(exe, m.cfg.Args...)
	cmd.Dir = m.cfg.Dir
	cmd.Env = append(m.env(), workerEnv+"=1", masterPIDEnv+"="+strconv.Itoa(os.Getpid()))
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{lnFile, readW} // fds 3 and 4
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		readR.Close()
		return nil, fmt.Errorf("start worker %s: %w", exe, err)
	}
	w := processWorker(cmd.Process.Pid)
	reported := make(chan struct{})
	go func() {
		defer close(reported)
		defer readR.Close()
		line, _ := bufio.NewReader(readR).ReadString('\n')
		if line == readyLine {
			close(w.ready)
		} else if reason, ok := strings.CutPrefix(line, failPrefix); ok {
			w.reason = strings.TrimSpace(reason)
		}
	}()
	go func() {
		st, err := cmd.Process.Wait()
		w.status = -1 // killed by a signal, or not waitable
		if err == nil {
			w.status = st.ExitCode()
		}
		close(w.waited)
		<-reported // the pipe closes at exit at the latest: the reason is in before exited
		close(w.exited)
	}()
	return w, nil
}

// dupListener returns a new descriptor for the socket. It duplicates through
// SyscallConn().Control rather than (*TCPListener).File: File's descriptor switches the
// shared socket to blocking mode once exec passes it on, and after a failed upgrade the
// serving worker's Accept would then block for good and its stop hang. os.NewFile on a
// non-blocking descriptor keeps it non-blocking.
func dupListener(ln *net.TCPListener) (*os.File, error) {
	rc, err := ln.SyscallConn()
	if err != nil {
		return nil, err
	}
	var fd int
	var dupErr error
	err = rc.Control(func(s uintptr) {
		syscall.ForkLock.RLock() // no fork between dup and close-on-exec
		defer syscall.ForkLock.RUnlock()
		if fd, dupErr = syscall.Dup(int(s)); dupErr == nil {
			syscall.CloseOnExec(fd)
		}
	})
	if err == nil {
		err = dupErr
	}
	if err != nil {
		return nil, fmt.Errorf("duplicate listener: %w", err)
	}
	return os.NewFile(uintptr(fd), "listener"), nil
}

// reap returns the workers of ws still running, and logs how each of the others ended: an
// old worker's drain, over before a stop or an upgrade that follows, is not theirs to report.
func (m *master) reap(ws []*worker) []*worker {
	live := ws[:0]
	for _, w := range ws {
		switch {
		case !w.ended():
			live = append(live, w)
		case w.lost:
			m.log.Info("old worker exited; its status went with the master's previous image", zap.Int("pid", w.pid))
		case w.status == 0:
			m.log.Info("old worker exited", zap.Int("pid", w.pid))
		case w.status == StatusHandOverCut:
			m.log.Warn("old worker exited: requests cut at its hand-over deadline", zap.Int("pid", w.pid), zap.Int("status", w.status))
		case w.status == -1:
			m.log.Warn("old worker killed by a signal", zap.Int("pid", w.pid))
		default:
			m.log.Warn("old worker exited with a failure status: requests cut at a stop's deadline, or it failed", zap.Int("pid", w.pid), zap.Int("status", w.status))
		}
	}
	return live
}

// reloading is the sd_notify message for an upgrade that starts now.
func reloading() string {
	var ts syscall.Timespec
	_ = clockGettimeMonotonic(&ts)
	return fmt.Sprintf("RELOADING=1\nMONOTONIC_USEC=%d", ts.Nano()/1000)
}
