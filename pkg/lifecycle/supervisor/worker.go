//go:build unix

package supervisor

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"
)

// Inherited reports whether this process is a worker started by a master. If it is, it
// returns the inherited listener and the Reporter through which the worker tells the master
// that it serves (the master hands over to it only then) or why it could not start.
func Inherited(getenv func(string) string) (ln net.Listener, rep *Reporter, ok bool, err error) {
	if getenv(workerEnv) != "1" {
		return nil, nil, false, nil
	}
	f := os.NewFile(listenerFD, "listener")
	ln, err = net.FileListener(f) // it duplicates the descriptor
	f.Close()
	if err != nil {
		return nil, nil, true, fmt.Errorf("inherited listener: %w", err)
	}
	return ln, &Reporter{pipe: os.NewFile(readyFD, "ready")}, true, nil
}

// StartFailed tells the master why this worker could not start when it failed before
// Inherited, as with a configuration that does not load; the master passes the reason on
// to the reload that asked for the upgrade. Anywhere but in a worker it does nothing.
func StartFailed(getenv func(string) string, err error) {
	if getenv(workerEnv) != "1" || getenv(probeEnv) != "" { // a probe has no pipe
		return
	}
	(&Reporter{pipe: os.NewFile(readyFD, "ready")}).Fail(err)
}

// CheckMaster makes up for a SignalMasterGone sent before this worker listened for it: the
// kernel sends it when the master dies, even while the worker starts, and a Go program
// drops a SIGUSR2 it does not listen for, so the worker would serve on, unsupervised,
// holding the port. Called once the worker listens for the signal, it sends the signal
// again if the master that started it is gone: no longer its parent, and no longer there
// (a wrapper script between them is its parent while the master lives). Anywhere but in a
// worker it does nothing.
func CheckMaster(getenv func(string) string) {
	master, err := strconv.Atoi(getenv(masterPIDEnv))
	if getenv(workerEnv) != "1" || err != nil || os.Getppid() == master || syscall.Kill(master, 0) != syscall.ESRCH {
		return
	}
	_ = syscall.Kill(os.Getpid(), SignalMasterGone) // to itself: it cannot fail
}
