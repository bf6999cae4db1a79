package server

import (
	"bufio"
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
		out := exchange(t, s.addr, tt.raw)
		if _, body, _ := strings.Cut(out, "\r\n\r\n"); body != tt.want {
			t.Errorf("%.40q: answered %q, want the body %q", tt.raw, out, tt.want)
		}
	}
}

// A response's body that looks like net/http's answers goes out as written, wherever it
// falls in the connection's writes, and the requests pipelined after it are answered.
func TestUnreadableLeavesResponseBodiesAlone(t *testing.T) {
	o := opts
	o.Unreadable = func(int, string) []byte {
		return []byte("HTTP/1.1 400 X\r\nContent-Length: 8\r\nConnection: close\r\n\r\nreplaced")
	}
	lookalikes := []string{
		"HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\n\r\n",
		"HTTP/1.1 400 Bad Request" + netHTTPErrorHead + "400 Bad Request",
	}
	body := func(i int) (string, string) {
		head := strings.Repeat("a", 100)
		return head, lookalikes[i] + strings.Repeat("b", 8192) // over every buffer: written straight through
	}
	s := serve(t, o, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := len(r.URL.Path) % 2
		head, tail := body(i)
		w.Header().Set("Content-Length", fmt.Sprint(len(head)+len(tail)))
		io.WriteString(w, head)
		w.(http.Flusher).Flush() // the lookalike begins a write of its own
		io.WriteString(w, tail)
	}))
	conn, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(conn, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /ab HTTP/1.1\r\nHost: x\r\n\r\nGET /a HTTP/1.1\r\n\r\n")
	r := bufio.NewReader(conn)
	for i, path := range []string{"/a", "/ab"} {
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		got, err := io.ReadAll(resp.Body)
		head, tail := body(len(path) % 2)
		if err != nil || string(got) != head+tail {
			t.Fatalf("GET %s: %d bytes (%v), want its %d bytes as written", path, len(got), err, len(head)+len(tail))
		}
	}
	// The third request has no Host: net/http's answer to it is replaced.
	if rest, _ := io.ReadAll(r); !strings.HasSuffix(string(rest), "\r\n\r\nreplaced") {
		t.Errorf("after the responses: %q, want the replaced answer to the request without Host", rest)
	}
}

// exchange sends raw on a new connection, half-closes it and returns all the server
// answers until it closes the connection.
func exchange(t *testing.T, addr, raw string) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(conn, raw)
	conn.(*net.TCPConn).CloseWrite()
	out, _ := io.ReadAll(conn)
	return string(out)
}
