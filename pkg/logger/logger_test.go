package logger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
)

// writes records each Write call apart.
type writes struct {
	mu    sync.Mutex
	calls [][]byte
}

func (w *writes) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls = append(w.calls, bytes.Clone(p))
	return len(p), nil
}

func (w *writes) all() [][]byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([][]byte{}, w.calls...)
}

// Access lines from many goroutines reach the writer in batches of whole lines, none
// over PipeBuf, far fewer writes than lines, and every line once; the other logger's
// lines, written meanwhile, are written at once and whole.
func TestAccessLinesAreBatchedWhole(t *testing.T) {
	w := &writes{}
	log, access, err := New(w, "info", true)
	if err != nil {
		t.Fatal(err)
	}
	const goroutines, each = 8, 500
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				access.Info("request", zap.Int("g", g), zap.Int("i", i), zap.String("path", strings.Repeat("x", 100)))
			}
		})
	}
	wg.Go(func() {
		for i := range 50 {
			log.Info("lifecycle", zap.Int("i", i))
		}
	})
	wg.Wait()
	_ = access.Sync()
	lines, lifecycle := 0, 0
	for _, call := range w.all() {
		if len(call) > PipeBuf {
			t.Errorf("a write of %d bytes: a pipe may interleave it with another process's", len(call))
		}
		if !bytes.HasSuffix(call, []byte("\n")) {
			t.Errorf("a write ends mid-line: %q", call[max(0, len(call)-40):])
		}
		if bytes.Contains(call, []byte(`"lifecycle"`)) {
			lifecycle++
			if bytes.Count(call, []byte("\n")) != 1 {
				t.Errorf("a lifecycle line was batched: %q", call)
			}
		}
		lines += bytes.Count(call, []byte("\n"))
	}
	if want := goroutines*each + 50; lines != want || lifecycle != 50 {
		t.Errorf("%d lines written (%d lifecycle), want %d (50)", lines, lifecycle, want)
	}
	if n := len(w.all()) - lifecycle; n > goroutines*each/5 {
		t.Errorf("%d writes for %d access lines: not batched", n, goroutines*each)
	}
}

// An access line that no other follows still reaches the writer, without a Sync.
func TestALoneAccessLineIsFlushed(t *testing.T) {
	w := &writes{}
	_, access, err := New(w, "info", true)
	if err != nil {
		t.Fatal(err)
	}
	access.Info("alone")
	for deadline := time.Now().Add(10 * time.Second); len(w.all()) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("a lone line was not written within 10 s (FlushInterval %v)", FlushInterval)
		}
	}
}

// flaky fails its writes while full is set, and counts the syncs asked of it.
type flaky struct {
	writes
	full  atomic.Bool
	syncs atomic.Int32
}

func (f *flaky) Write(p []byte) (int, error) {
	if f.full.Load() {
		return 0, errors.New("no space left on device")
	}
	return f.writes.Write(p)
}

func (f *flaky) Sync() error { f.syncs.Add(1); return nil }

// A failed write (a full disk) loses its batch, not the access log: once writes succeed
// again, the lines logged after that are written. The periodic flush writes without
// syncing the output (an fsync every interval on a log file); Sync syncs.
func TestAccessLogOutlivesAFailedWrite(t *testing.T) {
	f := &flaky{}
	_, access, err := New(f, "info", true)
	if err != nil {
		t.Fatal(err)
	}
	f.full.Store(true)
	access.Info("lost")
	if err := access.Sync(); err == nil {
		t.Error("Sync reported no error while writes fail")
	}
	f.full.Store(false)
	for i := range 10 {
		access.Info("after", zap.Int("i", i))
	}
	time.Sleep(3 * FlushInterval)
	if n := f.syncs.Load(); n != 1 {
		t.Errorf("%d syncs of the output; want only the one Sync asked for", n)
	}
	if err := access.Sync(); err != nil {
		t.Errorf("Sync after the disk recovered: %v", err)
	}
	var got int
	for _, call := range f.all() {
		got += bytes.Count(call, []byte(`"after"`))
	}
	if got != 10 {
		t.Errorf("%d of the 10 lines logged after the failure were written", got)
	}
}

// stalled holds every write until released, as a pipe nobody reads or a log file's
// journal stuck on a busy disk does.
type stalled struct {
	writes
	release chan struct{}
}

func (s *stalled) Write(p []byte) (int, error) {
	<-s.release
	return s.writes.Write(p)
}

// A request logging its line does not wait for the output: while a write is held up,
// batches of lines are still taken, and once the output moves every line is written, in
// the order logged. (Before, the request that filled a batch wrote it, and it and every
// request behind it waited for the write.)
func TestAccessLinesDoNotWaitForTheOutput(t *testing.T) {
	out := &stalled{release: make(chan struct{})}
	_, access, err := New(out, "info", true)
	if err != nil {
		t.Fatal(err)
	}
	const lines = 100 // about 8 batches: fewer than the writer may be behind
	logged := make(chan struct{})
	go func() {
		defer close(logged)
		for i := range lines {
			access.Info("request", zap.Int("i", i), zap.String("path", strings.Repeat("x", 200)))
		}
	}()
	select {
	case <-logged:
	case <-time.After(10 * time.Second):
		t.Fatal("logging waited for a held-up write")
	}
	close(out.release)
	if err := access.Sync(); err != nil {
		t.Fatal(err)
	}
	var all []byte
	for _, call := range out.all() {
		all = append(all, call...)
	}
	for i := range lines {
		at := bytes.Index(all, fmt.Appendf(nil, `"i":%d,`, i))
		if at < 0 {
			t.Fatalf("line %d was not written", i)
		}
		all = all[at:]
	}
}

// filling stores writes until it holds room bytes, then stores what fits and fails, as a
// file on a full disk does; room can be raised again.
type filling struct {
	mu   sync.Mutex
	data []byte
	room int
}

func (f *filling) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := min(len(p), f.room-len(f.data))
	f.data = append(f.data, p[:n]...)
	if n < len(p) {
		return n, errors.New("no space left on device")
	}
	return n, nil
}

// A write the full disk cut short leaves part of a line; once there is room again, the
// next line starts on a line of its own instead of running into that part, for the
// access log and the other log alike.
func TestALineCutShortByAFullDiskDoesNotJoinTheNext(t *testing.T) {
	for _, which := range []string{"access", "log"} {
		t.Run(which, func(t *testing.T) {
			f := &filling{room: 100}
			log, access, err := New(f, "info", true)
			if err != nil {
				t.Fatal(err)
			}
			if which == "access" {
				log = access
			}
			log.Info("cut", zap.String("pad", strings.Repeat("x", 200)))
			_ = log.Sync()
			f.mu.Lock()
			f.room = 1 << 20
			f.mu.Unlock()
			for i := range 5 {
				log.Info("after", zap.Int("i", i))
			}
			if err := log.Sync(); err != nil {
				t.Fatal(err)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			lines := strings.Split(strings.TrimSuffix(string(f.data), "\n"), "\n")
			if len(lines) != 6 || len(lines[0]) != 100 {
				t.Fatalf("want the 100 bytes stored of the cut line, then 5 lines; got %q", f.data)
			}
			for _, l := range lines[1:] {
				var v map[string]any
				if err := json.Unmarshal([]byte(l), &v); err != nil || v["msg"] != "after" {
					t.Errorf("a line after the disk had room again is not whole: %q", l)
				}
			}
		})
	}
}

// An output that takes nothing more, a pipe whose reader hangs without closing it, holds
// up a write for StallLimit, not for ever: past it the loggers drop lines, trying each
// only briefly, so that requests and a stop go on; once the reader reads again, lines get
// through again, whole. (Before, the first write to the full pipe never returned.)
func TestLoggingGoesOnPastAStuckPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	log, access, err := New(w, "info", true)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		pad := strings.Repeat("x", 1000)
		for i := range 500 { // 500 KB: several times what the pipe and the batches hold
			access.Info("request", zap.Int("i", i), zap.String("pad", pad))
			log.Info("lifecycle", zap.Int("i", i), zap.String("pad", pad))
		}
		_ = access.Sync()
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("logging to a pipe nobody reads is still blocked after 60 s")
	}
	// The reader comes back: the line logged then gets through, whole, on a line of its own.
	var mu sync.Mutex
	var seen []byte
	go func() {
		b := make([]byte, 64<<10)
		for {
			n, err := r.Read(b)
			mu.Lock()
			seen = append(seen, b[:n]...)
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	time.Sleep(100 * time.Millisecond) // the reader empties the pipe
	log.Info("back")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		lines := bytes.Split(seen, []byte("\n"))
		mu.Unlock()
		for _, l := range lines {
			var v map[string]any
			if json.Unmarshal(l, &v) == nil && v["msg"] == "back" {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the line logged once the reader came back did not arrive whole within 10 s")
		}
	}
}
