package server

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Only net/http's own answers to requests it could not read are replaced: a handler's
// response that looks like one, down to its words and headers, goes out as written.
func TestUnreadableReplacesOnlyNetHTTPsAnswers(t *testing.T) {
	o := opts
	o.Unreadable = func(status int, reason string) []byte {
		body := fmt.Sprintf("replaced %d %q", status, reason)
		return fmt.Appendf(nil, "HTTP/1.1 %d X\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", status, len(body), body)
	}
	s := serve(t, o, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, "400 Bad Request")
	}))
	for _, tt := range []struct{ raw, want string }{
		{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "400 Bad Request"},
		{"GET / HTTP/1.1\r\n\r\n", `replaced 400 "missing required Host header"`},
		{"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: z\r\n\r\n", `replaced 400 ""`},
		{"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", `replaced 501 "Unsupported transfer encoding"`},
		{"GET / HTTP/3.0\r\nHost: x\r\n\r\n", `replaced 505 "unsupported protocol version"`},
		{"GET / HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n\r\n", `replaced 417 "the only Expect header understood is \"Expect: 100-continue\""`},
		{"GET / HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("a", http.DefaultMaxHeaderBytes+5000) + "\r\n\r\n", `replaced 431 ""`},
	} {
		conn, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(conn, tt.raw)
		conn.(*net.TCPConn).CloseWrite()
		out, _ := io.ReadAll(conn)
		conn.Close()
		if _, body, _ := strings.Cut(string(out), "\r\n\r\n"); body != tt.want {
			t.Errorf("%.40q: answered %q, want the body %q", tt.raw, out, tt.want)
		}
	}
}
