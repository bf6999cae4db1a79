//go:build unix

package supervisor

import (
	"fmt"
	"net"
	"os"
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
