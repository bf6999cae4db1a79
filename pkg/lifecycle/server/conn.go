package server

import (
	"net"
	"net/http"
	"sync/atomic"
)

// conn is a connection the server accepted. Beside replacing net/http's own error answers
// (Options.Unreadable, see unreadable.go), it tells the drain whether a request is arriving
// on it: net/http counts a connection busy only once a request's headers are all in, and
// Shutdown closes one that is idle, or new for 5 s, under a client still sending them.
type conn struct {
	net.Conn
	replace    func(status int, reason string) []byte // Options.Unreadable
	responding atomic.Bool                            // a handler's response is under way
	// between: no request is being read or served (new, or idle after a response);
	// arriving: bytes of a request came in since, and its headers are not all in yet.
	between, arriving atomic.Bool
	silent            atomic.Bool // in Server.silent: no request has been read from it yet
}

// connKey is where ConnContext leaves the connection for track.
type connKey struct{}

func newConn(c net.Conn, replace func(int, string) []byte) *conn {
	sc := &conn{Conn: c, replace: replace}
	sc.between.Store(true)
	sc.silent.Store(true)
	return sc
}

func (c *conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && c.between.Load() {
		c.arriving.Store(true)
	}
	return n, err
}

// setState follows net/http's view of the connection (Server.connState).
func (c *conn) setState(state http.ConnState) {
	switch state {
	case http.StateNew, http.StateIdle:
		c.responding.Store(false) // the response is flushed; the next request is unread
		c.arriving.Store(false)
		c.between.Store(true)
	case http.StateActive:
		c.between.Store(false)
		c.arriving.Store(false)
	}
}
