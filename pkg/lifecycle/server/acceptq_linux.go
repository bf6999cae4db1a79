package server

import (
	"net"

	"golang.org/x/sys/unix"
)

// acceptQueueLen reports how many connections the kernel has completed for ln that no
// Accept has taken yet. For a listening socket Linux reports that count in
// tcp_info.tcpi_unacked.
func acceptQueueLen(ln net.Listener) (int, bool) {
	tl, ok := ln.(*net.TCPListener)
	if !ok {
		return 0, false
	}
	rc, err := tl.SyscallConn()
	if err != nil {
		return 0, false
	}
	var info *unix.TCPInfo
	var infoErr error
	if err := rc.Control(func(fd uintptr) {
		info, infoErr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
	}); err != nil || infoErr != nil {
		return 0, false
	}
	return int(info.Unacked), true
}
