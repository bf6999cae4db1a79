//go:build linux

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

// rawExchange sends raw on a new connection, half-closes it and reads until the server
// closes: the whole answer.
func rawExchange(t *testing.T, port int, raw string) string {
	t.Helper()
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	io.WriteString(conn, raw) // a 431 may be answered before the whole request is sent
	conn.(*net.TCPConn).CloseWrite()
	out, _ := io.ReadAll(conn)
	return string(out)
}

// Requests net/http cannot read are answered in JSON with a code, like every other error,
// not in net/http's plain text; a client's junk is never a 5xx. The connection then closes.
func TestUnreadableRequestsAreAnsweredInJSON(t *testing.T) {
	t.Parallel()
	p := startProc(t)
	tests := []struct {
		name, raw, status string
		code              int
		detail            string
	}{
		{"no Host", "GET /healthz HTTP/1.1\r\n\r\n", "400 Bad Request", 10000018, "missing required Host header"},
		{"bad Content-Length", "POST /auth HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n", "400 Bad Request", 10000018, "Content-Length"},
		{"two Content-Lengths", "POST /auth HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", "400 Bad Request", 10000018, "Content-Length"},
		{"unknown transfer coding", "POST /auth HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", "400 Bad Request", 10000018, "Unsupported transfer encoding"},
		{"HTTP/2.0 on HTTP/1", "GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", "400 Bad Request", 10000018, "unsupported protocol version"},
		{"bad header name", "GET /healthz HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n", "400 Bad Request", 10000018, "invalid header name"},
		{"control byte in a value", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n", "400 Bad Request", 10000018, "malformed"},
		{"unknown Expect", "GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n\r\n", "400 Bad Request", 10000018, "Expect: 100-continue"},
		{"not HTTP", "HELLO\r\n\r\n", "400 Bad Request", 10000018, "malformed"},
		{"headers over 1 MB", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 1100<<10) + "\r\n\r\n",
			"431 Request Header Fields Too Large", 10000019, "1048576 bytes"},
		{"501 header lines", "GET /healthz HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-A: b\r\n", 501) + "\r\n",
			"431 Request Header Fields Too Large", 10000019, "500 header lines"},
		{"unknown Expect on HTTP/1.0", "GET /healthz HTTP/1.0\r\nExpect: 200-ok\r\n\r\n", "400 Bad Request", 10000018, "Expect: 100-continue"},
		{"bad request after a good one", "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n", "400 Bad Request", 10000018, "missing required Host header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.code == 10000019 && strings.Contains(tt.name, "lines") && strings.HasPrefix(runtime.Version(), "go1.26") {
				t.Skip("Go 1.26 (GOTOOLCHAIN=local) has no cap on header lines; go.mod's toolchain does")
			}
			out := rawExchange(t, p.Port, tt.raw)
			i := strings.LastIndex(out, "HTTP/1.1 ")
			if i < 0 {
				t.Fatalf("no answer: %q", out)
			}
			resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(out[i:])), nil)
			if err != nil {
				t.Fatalf("answer %q: %v", out[i:], err)
			}
			body, _ := io.ReadAll(resp.Body)
			var e struct {
				Code    int
				Msg     string
				Details []string
			}
			if !strings.HasPrefix(out[i:], "HTTP/1.1 "+tt.status+"\r\n") || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" ||
				!resp.Close || json.Unmarshal(body, &e) != nil || e.Code != tt.code || e.Msg == "" || len(e.Details) != 1 || !strings.Contains(e.Details[0], tt.detail) {
				t.Errorf("answer:\n%s\nwant %s, JSON code %d naming %q, Connection: close", out[i:], tt.status, tt.code, tt.detail)
			}
		})
	}
	if out := rawExchange(t, p.Port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); !strings.HasPrefix(out, "HTTP/1.1 200 OK\r\n") {
		t.Errorf("a good request after them: %q", out)
	}
}

// Uploaded images and the Swagger UI's files are served whole: a Range, which net/http
// answers with a plain-text 416 when it cannot be satisfied, and the preconditions it
// answers with an empty 412 are ignored.
func TestStaticFilesAreServedWhole(t *testing.T) {
	t.Parallel()
	p := startProc(t)
	token := p.token()
	img := pngOf(300 << 10)
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	w.WriteField("type", "1")
	f, _ := w.CreateFormFile("file", "a.png")
	f.Write(img)
	w.Close()
	req, _ := http.NewRequest("POST", p.Base()+"/upload/file", &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("token", token)
	resp, err := oneShot.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var up struct {
		FileAccessURL string `json:"file_access_url"`
	}
	json.NewDecoder(resp.Body).Decode(&up)
	resp.Body.Close()
	if resp.StatusCode != 200 || up.FileAccessURL == "" {
		t.Fatalf("upload: %d %+v", resp.StatusCode, up)
	}
	for _, hdr := range []string{"", "Range: bytes=0-9", "Range: bytes=999999999-", "Range: bytes=0-1,5-6",
		`If-Match: "x"`, "If-Unmodified-Since: Mon, 01 Jan 2001 00:00:00 GMT", `If-Range: "x"`} {
		req, _ := http.NewRequest("GET", p.Base()+up.FileAccessURL, nil)
		if k, v, ok := strings.Cut(hdr, ": "); ok {
			req.Header.Set(k, v)
		}
		resp, err := oneShot.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Equal(got, img) {
			t.Errorf("GET with %q = %d, %d bytes, want 200 and the whole %d", hdr, resp.StatusCode, len(got), len(img))
		}
		// RFC 9110 14.3: a server that takes no ranges says none (net/http said bytes).
		if got := resp.Header.Get("Accept-Ranges"); got != "none" {
			t.Errorf("GET with %q: Accept-Ranges %q, want none", hdr, got)
		}
	}
	for _, hdr := range []string{"Range: bytes=999999999-", `If-Match: "x"`} {
		req, _ := http.NewRequest("GET", p.Base()+"/swagger/index.html", nil)
		k, v, _ := strings.Cut(hdr, ": ")
		req.Header.Set(k, v)
		resp, err := oneShot.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Accept-Ranges") != "none" {
			t.Errorf("GET /swagger/index.html with %q = %d, Accept-Ranges %q: want 200, none", hdr, resp.StatusCode, resp.Header.Get("Accept-Ranges"))
		}
	}
}

// A stored article whose text looks like net/http's answers comes back as stored, wherever
// its look-alike falls among the connection's writes, and the request pipelined after it
// is answered: the replacement touches no response (an attack spliced its own answer in).
func TestArticlesThatLookLikeErrorAnswersAreServedAsStored(t *testing.T) {
	t.Parallel()
	p := startProc(t)
	token := p.token()
	if status, body := p.post(oneShot, token, "/api/v1/tags", `{"name":"Go","created_by":"me"}`); status != 200 {
		t.Fatalf("create tag: %d %s", status, body)
	}
	const lookalike = "HTTP/1.1 417 " // 13 bytes: one of 13 shifts starts a write with it
	for shift := range len(lookalike) {
		content := strings.Repeat("a", shift) + strings.Repeat(lookalike, 700)
		article, _ := json.Marshal(map[string]any{"tag_id": 1, "title": "Go", "desc": "About Go", "content": content,
			"cover_image_url": "https://example.com/a.png", "created_by": "me"})
		status, body := p.post(oneShot, token, "/api/v1/articles", string(article))
		var created struct{ ID int }
		if status != 200 || json.Unmarshal(body, &created) != nil {
			t.Fatalf("create article: %d %.200s", status, body)
		}
		conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", p.Port))
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(20 * time.Second))
		fmt.Fprintf(conn, "GET /api/v1/articles/%d HTTP/1.1\r\nHost: x\r\ntoken: %s\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", created.ID, token)
		r := bufio.NewReader(conn)
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got struct{ Content string }
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || got.Content != content {
			t.Fatalf("shift %d: GET the article = %d, %v, content intact %v", shift, resp.StatusCode, err, got.Content == content)
		}
		if resp, err := http.ReadResponse(r, nil); err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Fatalf("shift %d: the pipelined GET /healthz = %v, %v", shift, resp, err)
		}
		conn.Close()
	}
}
