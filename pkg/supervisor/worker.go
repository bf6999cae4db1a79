//go:build unix

package supervisor

import (
	"fmt"
	"net"
	"os"
)

// Inherited reports whether this process is a worker started by a master. If it is, it
// returns the inherited listener and ready, which the worker calls once it serves; the
// master hands over to it only then.
func Inherited(getenv func(string) string) (ln net.Listener, ready func() error, ok bool, err error) {
	if getenv(workerEnv) != "1" {
		return nil, nil, false, nil
	}
	f := os.NewFile(listenerFD, "listener")
	ln, err = net.FileListener(f) // it duplicates the descriptor
	f.Close()
	if err != nil {
		return nil, nil, true, fmt.Errorf("inherited listener: %w", err)
	}
	pipe := os.NewFile(readyFD, "ready")
	ready = func() error {
		defer pipe.Close()
		if _, err := pipe.WriteString(readyLine); err != nil {
			return fmt.Errorf("report readiness: %w", err)
		}
		return nil
	}
	return ln, ready, true, nil
}
