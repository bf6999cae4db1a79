//go:build unix

package supervisor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap"
)

// The master upgrades itself by execve: the same PID, so systemd, the PID file and a
// terminal keep tracking it, with the listening socket and its workers carried over. The
// new image finds them described in masterStateEnv.
const (
	masterStateEnv = "SUPERVISOR_MASTER_STATE"
	// probeTimeout bounds a probe (or Config.UpgradeTimeout, if shorter).
	probeTimeout = 10 * time.Second
)

// masterState is what a master hands to its next image.
type masterState struct {
	fd       int    // the listening socket, not close-on-exec
	serving  int    // the serving worker's PID
	draining []int  // workers still draining
	seq      int    // the last reload outcome written
	pidFile  string // where the PID file and the status are: reload reads them there
	// hasPIDFile: the state names pidFile (a master of an older release does not)
	hasPIDFile bool
}

func (s masterState) String() string {
	d := make([]string, len(s.draining))
	for i, pid := range s.draining {
		d[i] = strconv.Itoa(pid)
	}
	return fmt.Sprintf("fd=%d serving=%d draining=%s seq=%d pidfile=%s", s.fd, s.serving, strings.Join(d, ","), s.seq, url.PathEscape(s.pidFile))
}

func parseMasterState(v string) (masterState, error) {
	var s masterState
	for _, field := range strings.Fields(v) {
		key, val, _ := strings.Cut(field, "=")
		var err error
		switch key {
		case "fd":
			s.fd, err = strconv.Atoi(val)
		case "serving":
			s.serving, err = strconv.Atoi(val)
		case "seq":
			s.seq, err = strconv.Atoi(val)
		case "pidfile":
			s.pidFile, err = url.PathUnescape(val)
			s.hasPIDFile = true
		case "draining":
			for _, p := range strings.Split(val, ",") {
				if p == "" {
					continue
				}
				pid, perr := strconv.Atoi(p)
				if perr != nil {
					err = perr
				}
				s.draining = append(s.draining, pid)
			}
		}
		if err != nil {
			return s, fmt.Errorf("%s %q: %w", masterStateEnv, v, err)
		}
	}
	if s.fd < 3 || s.serving <= 0 {
		return s, fmt.Errorf("%s %q: no socket or serving worker", masterStateEnv, v)
	}
	return s, nil
}

// resumed returns the state a previous image of this master left, if it re-executed.
// The variable is removed so that workers do not see it.
func resumed() (masterState, bool, error) {
	v, ok := os.LookupEnv(masterStateEnv)
	if !ok {
		return masterState{}, false, nil
	}
	os.Unsetenv(masterStateEnv)
	s, err := parseMasterState(v)
	return s, err == nil, err
}

// listener rebuilds the carried-over socket.
func (s masterState) listener() (*net.TCPListener, error) {
	syscall.CloseOnExec(s.fd)
	f := os.NewFile(uintptr(s.fd), "listener")
	defer f.Close()
	ln, err := net.FileListener(f) // it duplicates the descriptor
	if err != nil {
		return nil, fmt.Errorf("carried-over listener: %w", err)
	}
	return ln.(*net.TCPListener), nil
}

// adopt supervises a worker started by a previous image of this master: still its child,
// so it can be waited for.
func adopt(pid int, serving bool) *worker {
	proc, _ := os.FindProcess(pid) // never fails on unix
	w := processWorker(pid)
	if serving {
		close(w.ready)
	}
	go w.watch(proc)
	return w
}

// probe asks exe, with the master's arguments, whether it can take over as master. It
// ends with ctx, or at probeTimeout: then exe and whatever it started are killed, and the
// wait for its output ends a second later even if something still holds the pipe.
func (m *master) probe(ctx context.Context, exe string) error {
	timeout := probeTimeout
	if t := m.cfg.UpgradeTimeout; t > 0 && t < timeout {
		timeout = t
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, m.cfg.Args...)
	cmd.Dir = m.cfg.Dir
	cmd.Env = append(m.env(), workerEnv+"=1", probeEnv+"=1")
	// Its own process group, killed whole: a wrapper script that runs the binary without
	// exec would otherwise leave it running, holding the output pipe.
	cmd.SysProcAttr = probeProcAttr()
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if i := bytes.Index(out, []byte(ProbeReply)); i >= 0 && err == nil {
		// The answer names the process that gave it (a release before that did not): the
		// one started, which execve makes the master, not one it ran, as a wrapper script
		// that runs the binary without exec does, which would leave the master a shell.
		line, _, _ := bytes.Cut(out[i+len(ProbeReply):], []byte("\n"))
		pid, named := strings.CutPrefix(strings.TrimSpace(string(line)), "pid=")
		if !named || pid == strconv.Itoa(cmd.Process.Pid) {
			return nil
		}
		return fmt.Errorf("%s cannot take over as master: it answered from process %s, which it started, not as process %d: "+
			"a wrapper script must exec the binary, or the service must be started by the binary's own path", exe, pid, cmd.Process.Pid)
	}
	last := strings.TrimSpace(string(out))
	if i := strings.LastIndexByte(last, '\n'); i >= 0 {
		last = last[i+1:]
	}
	if len(last) > 500 {
		last = last[:500]
	}
	if err == nil {
		err = fmt.Errorf("it does not speak %q", ProbeReply)
	}
	return fmt.Errorf("%s cannot take over as master: %w: %s", exe, err, last)
}

// errStopFirst: a stop signal came while the master prepared to re-execute.
var errStopFirst = errors.New("a stop signal came first")

// reexec replaces this master's image with exe, carrying over the socket and the workers:
// cur, and those stillDraining returns once exe is checked. It returns only on failure,
// and this image then goes on; errStopFirst (with the signal) means a stop was asked for
// meanwhile, and the master must stop instead.
func (m *master) reexec(exe string, cur *worker, stillDraining func() []*worker, seq int, sigs <-chan os.Signal) (os.Signal, error) {
	if !m.canReexec {
		return nil, fmt.Errorf("the master does not run on the main thread: see Run")
	}
	checked, sig, err := m.check(exe, sigs)
	if sig != nil || err != nil {
		return sig, err
	}
	// A signal caught now would be lost with this image. From here SIGINT and SIGTERM have
	// their default effect (the master dies, and its worker drains, as after kill -9) and
	// SIGHUP is ignored until the next image listens again; ignoring survives execve.
	signal.Reset(syscall.SIGINT, syscall.SIGTERM)
	signal.Ignore(syscall.SIGHUP)
	restore := func() { signal.Notify(m.sigs, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM) }
	for pending := true; pending; {
		select {
		case sig := <-sigs:
			if sig != syscall.SIGHUP {
				restore()
				return sig, errStopFirst
			}
		default:
			pending = false
		}
	}
	st := masterState{serving: cur.pid, seq: seq, pidFile: m.cfg.PIDFile, hasPIDFile: true}
	// Reaped after the check, not before: an old worker that exits during the probe is
	// logged by this image, which has its status; the next image adopts the rest.
	for _, w := range stillDraining() {
		st.draining = append(st.draining, w.pid)
	}
	rc, err := m.ln.SyscallConn()
	if err != nil {
		restore()
		return nil, err
	}
	var dupErr error
	if err := rc.Control(func(fd uintptr) { st.fd, dupErr = syscall.Dup(int(fd)) }); err != nil || dupErr != nil {
		restore()
		return nil, fmt.Errorf("duplicate listener: %w", errors.Join(err, dupErr))
	}
	// execve opens exe again: if it was replaced while the probe ran, what would run is not
	// what was checked (a broken file there would end the master).
	if now, err := os.Stat(exe); err != nil || !unchanged(checked, now) {
		syscall.Close(st.fd)
		restore()
		return nil, fmt.Errorf("%s changed while it was checked: the next SIGHUP checks it again", exe)
	}
	env := append(m.env(), masterStateEnv+"="+st.String())
	m.log.Info("master re-executing", zap.String("executable", exe), zap.Stringer("state", st))
	_ = m.log.Sync() // best effort before the image goes
	err = syscall.Exec(exe, append([]string{os.Args[0]}, m.cfg.Args...), env)
	syscall.Close(st.fd)
	restore()
	return nil, fmt.Errorf("execve %s: %w", exe, err)
}

// recheckLimit bounds the checks of one re-execution when SIGHUPs keep coming.
const recheckLimit = 3

// check probes exe and returns what it found there. A SIGHUP during a probe may come with
// a newer file: that one is checked instead (a SIGHUP that only waited in line, behind the
// one being served, would otherwise be lost with this image). A stop signal meanwhile is
// returned, with errStopFirst.
func (m *master) check(exe string, sigs <-chan os.Signal) (os.FileInfo, os.Signal, error) {
	for range recheckLimit {
		checked, err := os.Stat(exe)
		if err != nil {
			return nil, nil, err
		}
		hup, sig, err := m.probeWatching(exe, sigs)
		if sig != nil || err != nil {
			return nil, sig, err
		}
		for more := true; more; {
			select {
			case sig := <-sigs:
				if sig != syscall.SIGHUP {
					return nil, sig, errStopFirst
				}
				hup = true
			default:
				more = false
			}
		}
		if !hup {
			return checked, nil, nil
		}
		m.log.Info("SIGHUP during the check of the new binary: checking it again")
	}
	return nil, nil, fmt.Errorf("SIGHUPs kept coming during %d checks of %s: the next SIGHUP checks it again", recheckLimit, exe)
}

// probeWatching probes exe while it takes the signals that arrive: a stop signal ends the
// probe at once and is returned, with errStopFirst (the loop waits for the check, and a
// stop must not wait for a binary that hangs); hup reports a SIGHUP.
func (m *master) probeWatching(exe string, sigs <-chan os.Signal) (hup bool, stop os.Signal, err error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- m.probe(ctx, exe) }()
	for {
		select {
		case err := <-done:
			return hup, nil, err
		case sig := <-sigs:
			if sig != syscall.SIGHUP {
				cancel()
				m.log.Info("stop signal during the check of the new binary: check ended", zap.NamedError("check", <-done))
				return hup, sig, errStopFirst
			}
			hup = true
		}
	}
}

// unchanged reports whether b is the file a was: the same inode (a replacement, a rename
// over the path as installers do, is a new one) of the same size and time (no rewrite).
func unchanged(a, b os.FileInfo) bool {
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// env is the environment of workers and of the next image: Config.Env or the master's.
func (m *master) env() []string {
	env := m.cfg.Env
	if env == nil {
		env = os.Environ()
	}
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, masterStateEnv+"=") {
			out = append(out, kv)
		}
	}
	return out
}
