//go:build linux

package main

// Upload tests against the real binary: uploads stream to disk, so the serving worker's
// memory does not grow with them, and a client that goes away mid-upload leaves nothing
// behind. They read /proc, so they run on Linux.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// uploadForm is a multipart upload of content as big.png, with the type field first.
type uploadForm struct{ head, tail string }

var uploadBody = uploadForm{
	head: "--b\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\n1\r\n" +
		"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.png\"\r\nContent-Type: image/png\r\n\r\n",
	tail: "\r\n--b--\r\n",
}

// pngOf returns n bytes that sniff as a PNG.
func pngOf(n int) []byte {
	b := make([]byte, n)
	copy(b, "\x89PNG\r\n\x1a\n")
	return b
}

// uploadFiles lists the files of the upload directory of a process started in dir with
// the defaults, and those of its .parts directory, where uploads are received.
func uploadFiles(t *testing.T, dir string) []os.DirEntry {
	t.Helper()
	var files []os.DirEntry
	for _, d := range []string{"", ".parts"} {
		entries, err := os.ReadDir(filepath.Join(dir, "storage", "uploads", d))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !e.IsDir() {
				files = append(files, e)
			}
		}
	}
	return files
}

// 24 concurrent 5 MiB uploads: gin's ParseMultipartForm kept each in memory and took the
// worker to 235 MB; streamed to disk they must keep its peak under 150 MB.
func TestConcurrentUploadsKeepWorkerSmall(t *testing.T) {
	t.Parallel()
	const clients, size, limit = 24, 5 << 20, 150_000_000
	dir := t.TempDir()
	p := startProcIn(t, dir,
		// Room for every client in the rate, and no free-space floor: neither is the subject.
		"BLOG_LIMITER_RULES=[{Path: /auth, Rate: 10, Burst: 10}, {Path: /upload/file, Rate: 100, Burst: 100}]",
		"BLOG_APP_UPLOADMINFREEBYTES=0")
	worker, token := p.servingPID(), p.token()
	content := pngOf(size) // exactly App.UploadImageMaxSize: the largest file allowed
	start := make(chan struct{})
	results := make(chan result, clients)
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			body := io.MultiReader(strings.NewReader(uploadBody.head), bytes.NewReader(content), strings.NewReader(uploadBody.tail))
			req, _ := http.NewRequestWithContext(ctx, "POST", p.Base()+"/upload/file", body)
			req.ContentLength = int64(len(uploadBody.head) + size + len(uploadBody.tail))
			req.Header.Set("Content-Type", "multipart/form-data; boundary=b")
			req.Header.Set("token", token)
			<-start
			results <- roundTrip(oneShot, req)
		}()
	}
	close(start)
	wg.Wait()
	close(results)
	for r := range results {
		if r.err != nil || r.status != 200 {
			t.Errorf("upload: %d %v %s", r.status, r.err, r.body)
		}
	}
	stored := 0
	for _, e := range uploadFiles(t, dir) {
		if info, err := e.Info(); err == nil && !strings.HasPrefix(e.Name(), ".") && info.Size() == size {
			stored++
		} else {
			t.Errorf("unexpected file in the upload directory: %s", e.Name())
		}
	}
	if stored != clients {
		t.Errorf("%d files of %d bytes stored, want %d", stored, size, clients)
	}
	rss := peakRSS(t, worker)
	t.Logf("worker peak RSS after %d concurrent uploads of %d bytes: %.1f MB", clients, size, float64(rss)/1e6)
	if rss >= limit {
		t.Errorf("worker peak RSS %d bytes, want under %d", rss, limit)
	}
}

// A client that sends half a file and hangs up: the file was being written to disk as it
// arrived (so never held in memory), and nothing of it stays.
func TestAbortedUploadLeavesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := startProcIn(t, dir)
	token := p.token()
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", p.Port))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const size = 4 << 20
	fmt.Fprintf(conn, "POST /upload/file HTTP/1.1\r\nHost: x\r\ntoken: %s\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: %d\r\n\r\n",
		token, len(uploadBody.head)+size+len(uploadBody.tail))
	conn.Write([]byte(uploadBody.head))
	conn.Write(pngOf(1 << 20))
	waitFor(t, "a temporary file for the upload in progress", func() bool {
		entries := uploadFiles(t, dir)
		return len(entries) == 1 && strings.HasPrefix(entries[0].Name(), ".")
	})
	conn.Close()
	waitFor(t, "an empty upload directory after the client left", func() bool { return len(uploadFiles(t, dir)) == 0 })
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10 s for %s", what)
		}
	}
}

// partialUpload starts an upload of a 4 MiB image on its own connection and sends its first
// MiB; the caller sends the rest (finishUpload) or lets the connection die.
func partialUpload(t *testing.T, p *proc, token string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", p.Port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST /upload/file HTTP/1.1\r\nHost: x\r\ntoken: %s\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: %d\r\n\r\n",
		token, len(uploadBody.head)+partialSize+len(uploadBody.tail))
	conn.Write([]byte(uploadBody.head))
	conn.Write(pngOf(1 << 20))
	return conn
}

const partialSize = 4 << 20

// finishUpload sends the rest of partialUpload's body and returns the status line.
func finishUpload(t *testing.T, conn net.Conn) string {
	t.Helper()
	conn.Write(make([]byte, partialSize-1<<20))
	conn.Write([]byte(uploadBody.tail))
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	line, _ := bufio.NewReader(conn).ReadString('\n')
	return strings.TrimSpace(line)
}

// partFiles lists the temporary files of uploads in progress (or abandoned).
func partFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, "storage", "uploads", ".parts"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var parts []string
	for _, e := range entries {
		parts = append(parts, filepath.Join(dir, "storage", "uploads", ".parts", e.Name()))
	}
	return parts
}

// A worker killed mid-upload leaves its temporary file; a later worker removes it once it
// is a minute old, and never the file of an upload another worker is still receiving.
func TestAbandonedUploadIsSwept(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := startProcIn(t, dir, "BLOG_APP_UPLOADMINFREEBYTES=0")
	token := p.token()
	partialUpload(t, p, token)
	waitFor(t, "the first upload's temporary file", func() bool { return len(partFiles(t, dir)) == 1 })
	dead := partFiles(t, dir)[0]
	killed := p.servingPID()
	if err := syscall.Kill(killed, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a new worker after the kill", func() bool { pid := p.ServingPID(); return pid != 0 && pid != killed })

	live := partialUpload(t, p, token)
	waitFor(t, "the second upload's temporary file", func() bool { return len(partFiles(t, dir)) == 2 })
	// Both a minute old: only the lock tells the dead writer's file from the live one's.
	old := time.Now().Add(-2 * time.Minute)
	for _, f := range partFiles(t, dir) {
		if err := os.Chtimes(f, old, old); err != nil {
			t.Fatal(err)
		}
	}
	receiving := p.servingPID()
	p.signal(syscall.SIGHUP) // the new worker sweeps at start; the old one keeps receiving
	waitFor(t, "the new worker serving", func() bool { pid := p.ServingPID(); return pid != 0 && pid != receiving })
	p.waitLog("removed the temporary files of uploads whose process died")
	if parts := partFiles(t, dir); len(parts) != 1 || parts[0] == dead {
		t.Fatalf("after the sweep the part files are %v; want only the live upload's", parts)
	}
	if status := finishUpload(t, live); status != "HTTP/1.1 200 OK" {
		t.Fatalf("the upload received across the sweep: %q, want 200", status)
	}
	if parts := partFiles(t, dir); len(parts) != 0 {
		t.Errorf("part files left: %v", parts)
	}
}
