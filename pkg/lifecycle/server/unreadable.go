package server

import (
	"bytes"
	"net/http"
	"strconv"
)

// netHTTPErrorHead is what net/http writes right after the status line when it answers a
// request it could not read (conn.serve in net/http's server.go), before any handler runs:
// a response the handler path never writes, whose headers would be sorted and dated.
const netHTTPErrorHead = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// Options.Unreadable replaces net/http's plain-text answers to requests it could not read
// with the response it returns (conn.Write). net/http writes each such answer in one Write,
// then closes the connection. It writes them only where no response is under way: so from
// a handler's start (track) until the connection goes idle (connState), after net/http has
// flushed the response and before it reads the next request, writes pass through unread. A
// response's body can hold anything, such as a stored article that looks like an error
// answer.

func (c *conn) Write(p []byte) (int, error) {
	if c.replace == nil || c.responding.Load() {
		return c.Conn.Write(p)
	}
	status, reason, ok := netHTTPError(p)
	if !ok {
		return c.Conn.Write(p)
	}
	if _, err := c.Conn.Write(c.replace(status, reason)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// CloseWrite is the connection's, if it has one: net/http half-closes a connection after
// answering a request whose headers were too large.
func (c *conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// netHTTPError reports whether p is one of net/http's plain-text answers, with its status
// and the reason it gives beyond the status text ("" if none), such as
// "HTTP/1.1 400 Bad Request: missing required Host header" or "Unsupported transfer
// encoding" in the body of a 501.
func netHTTPError(p []byte) (status int, reason string, ok bool) {
	const proto = "HTTP/1.1 "
	if !bytes.HasPrefix(p, []byte("HTTP/1.")) {
		return 0, "", false
	}
	// An Expect other than 100-continue: net/http answers 417 without calling the handler,
	// through the usual response path (in the request's HTTP version), with no body.
	if bytes.HasPrefix(p, []byte(proto+"417 ")) || bytes.HasPrefix(p, []byte("HTTP/1.0 417 ")) {
		return http.StatusExpectationFailed, "the only Expect header understood is \"Expect: 100-continue\"", true
	}
	line, rest, found := bytes.Cut(p, []byte("\r\n"))
	if !found || !bytes.HasPrefix(p, []byte(proto)) || !bytes.HasPrefix(rest, []byte(netHTTPErrorHead[2:])) || len(line) < len(proto)+3 {
		return 0, "", false
	}
	status, err := strconv.Atoi(string(line[len(proto) : len(proto)+3]))
	if err != nil || status < 400 {
		return 0, "", false
	}
	prefix := strconv.Itoa(status) + " " + http.StatusText(status)
	reason = string(bytes.TrimPrefix(bytes.TrimPrefix(line[len(proto):], []byte(prefix)), []byte(": ")))
	if body := string(rest[len(netHTTPErrorHead)-2:]); reason == "" && body != prefix {
		reason = body
	}
	return status, reason, true
}
