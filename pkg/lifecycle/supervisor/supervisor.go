// Package supervisor upgrades a server in place without refusing a connection. A small
// master process owns the listening socket and runs one serving worker at a time (the
// model of nginx and jpillora/overseer). On SIGHUP it re-executes itself from the
// executable's current file (execve: the same PID, the socket and the workers carried
// over), then starts a new worker from that file, hands it a copy of the socket, waits
// until the worker reports that it serves, and only then tells the old worker to drain.
// Each upgrade's outcome is written next to the PID file, for Reload. The socket is never
// closed, the master's PID never changes (so systemd, a container runtime, a PID file and
// `go run` keep tracking it), and a worker that fails to start, or dies, is dealt with by
// the master while the service goes on. It knows nothing about blogs.
//
// The worker side is Inherited: a process started by the master finds its listener and a
// way to report readiness there.
package supervisor

import (
	"errors"
	"fmt"
	"os"
	"time"

	"go.uber.org/zap"
)

// Config configures the master.
type Config struct {
	// Addr is the TCP address to listen on, e.g. ":8000".
	Addr string
	// Args are the worker's command-line arguments (the master's own, usually); Env (nil:
	// the master's) and Dir its environment and working directory. The executable is the
	// path the master was started by, resolved afresh for each worker and each re-execution
	// of the master, so a replaced binary, or a symlink switched to another, takes effect.
	Args []string
	Env  []string
	Dir  string
	// PIDFile, if set, is written (atomically) with the master's PID once the first
	// worker serves, and removed when the master exits.
	PIDFile string
	// UpgradeTimeout is how long a new worker may take to report that it serves.
	UpgradeTimeout time.Duration
	// Settle is how long a worker must serve before it counts as started. The old worker
	// is handed over as soon as the new one serves (two never take connections together),
	// but the upgrade is reported done only once the new one has served Settle; if it exits
	// sooner, the upgrade is reported failed. A worker that dies within Settle of serving
	// counts as a failed start: it is replaced after a back-off, and the master gives up
	// after maxRespawns in a row. 0: a worker counts as started as soon as it serves.
	Settle time.Duration
	// StopTimeout bounds a stop: workers still running after it are killed.
	StopTimeout time.Duration
	// Notify, if set, receives state changes for a process manager: "READY=1",
	// "RELOADING=1", "STOPPING=1" (the sd_notify protocol's words).
	Notify func(state string)
	Log    *zap.Logger
}

// StatusHandOverCut is the exit status of a worker whose hand-over drain cut requests at
// its deadline before any stop signal came: the upgrade's cut, which the master logs. A
// stop that follows does not count that worker's status as a failure of its own: the
// worker may end just as the stop begins, and whichever the master saw first decided
// the stop's status.
const StatusHandOverCut = 3

// ErrUnsupported is returned by Run where descriptors cannot be passed to a child.
var ErrUnsupported = errors.New("in-place upgrades are not supported on this platform")

// workerEnv marks a worker's environment; its file descriptors 3 and 4 are the listening
// socket and the readiness pipe.
const workerEnv = "SUPERVISOR_WORKER"

// masterPIDEnv is the PID of the master that started a worker (CheckMaster).
const masterPIDEnv = "SUPERVISOR_MASTER_PID"

const (
	listenerFD = 3
	readyFD    = 4
	readyLine  = "ready\n"
	failPrefix = "error: "
)

const (
	// probeEnv asks a binary whether it can take over as master: one that can prints
	// ProbeReply once its configuration loads, and exits. A binary from before this
	// protocol fails at once (probeEnv comes with workerEnv and no socket).
	probeEnv = "SUPERVISOR_PROBE"
	// ProbeReply is what a binary that can take over as master prints when probed.
	ProbeReply = "supervisor-protocol 1"
)

// Probing reports whether this process was started to answer a probe: print ProbeAnswer
// (once the configuration is known to load) and exit.
func Probing(getenv func(string) string) bool { return getenv(probeEnv) == "1" }

// ProbeAnswer is the line a binary prints when probed: ProbeReply and its PID, by which the
// master knows the answer came from the process it started, which it will become.
func ProbeAnswer() string { return fmt.Sprintf("%s pid=%d", ProbeReply, os.Getpid()) }
