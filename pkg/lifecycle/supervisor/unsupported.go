//go:build !unix

package supervisor

import (
	"context"
	"net"
	"os"
	"time"
)

// Supported reports whether Run can upgrade in place on this platform.
const Supported = false

// DrainNowSignals is empty: without workers nothing hands over and no master dies.
func DrainNowSignals() []os.Signal { return nil }

// Inherited always reports false where workers cannot inherit a socket.
func Inherited(func(string) string) (net.Listener, *Reporter, bool, error) {
	return nil, nil, false, nil
}

// Run is not available here: serve in a single process instead.
func Run(context.Context, Config) error { return ErrUnsupported }

// ReleasePages does nothing here.
func ReleasePages() error { return nil }

// Reload is not available here: there is no master to signal.
func Reload(context.Context, string, time.Duration) (string, error) { return "", ErrUnsupported }

// StartFailed does nothing here: there are no workers.
func StartFailed(func(string) string, error) {}

// CheckMaster does nothing here: there is no master.
func CheckMaster(func(string) string) {}
