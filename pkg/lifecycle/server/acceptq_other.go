//go:build !linux

package server

import "net"

// acceptQueueLen is unknown outside Linux: the drain closes the listener at once.
func acceptQueueLen(net.Listener) (int, bool) { return 0, false }
