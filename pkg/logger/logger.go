// Package logger builds the service's *zap.Logger from settings. There is no global logger:
// run builds one and passes it to whatever logs.
package logger

import (
	"bytes"
	"cmp"
	"io"
	"sync"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// PipeBuf is the largest write that POSIX keeps whole on a pipe (PIPE_BUF on Linux).
const PipeBuf = 4096

// FlushInterval is how long a line of the access log may wait for the rest of its batch.
const FlushInterval = 100 * time.Millisecond

// New returns two loggers writing to w: human-readable console lines in development, JSON
// in production (one object per line, for log shippers). level is debug, info, warn or
// error.
//
// log writes each line at once: what the process says about itself (start, upgrades,
// errors) is there when an operator or a test looks, and survives a crash.
//
// access is for the access log, a line per request: it writes in batches, from a goroutine
// of its own, at most FlushInterval late, since one write per line was a system call per
// request. A batch is at most PipeBuf bytes of whole lines, so a pipe shared by the
// processes of an upgrade (the master, an old and a new worker) never interleaves their
// lines. Its Sync writes what is pending: call it before the process ends (run defers it).
// A killed process loses the lines of the last FlushInterval (more if its output was
// holding up the writes), and an access line may follow lines of log written after it
// (each carries its time). Writes to a pipe or a socket give up after StallLimit (bounded),
// so that a reader that hangs costs lines, not the process.
func New(w io.Writer, level string, production bool) (log, access *zap.Logger, err error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, nil, err
	}
	var enc zapcore.Encoder
	if production {
		ec := zap.NewProductionEncoderConfig()
		ec.EncodeTime = zapcore.ISO8601TimeEncoder
		enc = zapcore.NewJSONEncoder(ec)
	} else {
		ec := zap.NewDevelopmentEncoderConfig()
		ec.EncodeTime = zapcore.TimeEncoderOfLayout("15:04:05.000")
		enc = zapcore.NewConsoleEncoder(ec)
	}
	direct := zapcore.Lock(zapcore.AddSync(&mended{w: bounded(w)})) // one lock for both: w need not be safe for concurrent use
	// A failed write is reported on the same output, bounded as it is, not on zap's default,
	// the process's stderr: often the same stuck pipe, and unbounded there.
	failures := zap.ErrorOutput(direct)
	log = zap.New(zapcore.NewCore(enc, direct, lvl), zap.AddCaller(), zap.AddStacktrace(zapcore.DPanicLevel), failures)
	access = zap.New(zapcore.NewCore(enc.Clone(), newBatcher(direct, PipeBuf, FlushInterval), lvl), failures)
	return log, access, nil
}

// batcher is a zapcore.WriteSyncer that gathers whole lines and has them written together
// by a goroutine of its own: when the next line would not fit in size, every interval, and
// on Sync. A request logging its line only appends it: before, the request that filled a
// batch wrote it, and the requests behind it waited at the lock for the system call, or
// longer while the kernel held the write up (a log file's journal, a pipe not yet read).
// The writer may fall `behind` batches behind; past that a line waits for it, so nothing
// is dropped and the memory is bounded.
//
// Unlike zap's BufferedWriteSyncer it gets over a failed write (a full disk, later freed),
// dropping only that batch (Sync reports it), and it flushes without fsync: the periodic
// flush of a log written to a file is a write, not a disk flush every interval.
type batcher struct {
	out  zapcore.WriteSyncer
	size int
	mu   sync.Mutex
	buf  []byte       // the batch being filled
	free chan []byte  // empty batches; none while the writer is `behind` batches behind
	todo chan pending // for the writer, in the order of the lines
}

// pending is work for the writer: lines to write, or a Sync to answer once the lines
// before it are written.
type pending struct {
	lines  []byte
	reuse  bool       // lines is a batch, to go back to free once written
	synced chan error // a Sync: sync the output and report
}

// behind is how many batches the writer may have yet to write (64 KB, a pipe's capacity):
// room for a write the kernel holds up for a while without holding up the requests.
const behind = 16

func newBatcher(out zapcore.WriteSyncer, size int, interval time.Duration) *batcher {
	b := &batcher{out: out, size: size, free: make(chan []byte, behind+1), todo: make(chan pending, behind)}
	for range behind {
		b.free <- nil // allocated when first filled: a process that logs no requests (the master) needs none
	}
	go b.write()
	go func() { // these two goroutines live as long as the process, like the logger
		for range time.Tick(interval) {
			b.mu.Lock()
			if len(b.buf) > 0 {
				b.handOffLocked()
			}
			b.mu.Unlock()
		}
	}()
	return b
}

// write writes the batches handed to it, in order. A failed batch is dropped, so that one
// failure does not hold back the lines that follow; the next Sync reports it.
func (b *batcher) write() {
	var failed error
	for p := range b.todo {
		if len(p.lines) > 0 {
			if _, err := b.out.Write(p.lines); err != nil {
				failed = cmp.Or(failed, err)
			}
		}
		if p.reuse {
			b.free <- p.lines[:0]
		}
		if p.synced != nil {
			p.synced <- cmp.Or(failed, b.out.Sync())
			failed = nil
		}
	}
}

// Write takes one encoded line (zap writes a line per call).
func (b *batcher) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.buf)+len(p) > b.size && len(b.buf) > 0 {
		b.handOffLocked()
	}
	if len(p) >= b.size { // a line of a batch's size or more goes on its own
		b.todo <- pending{lines: bytes.Clone(p)} // zap reuses p once Write returns
		return len(p), nil
	}
	if b.buf == nil {
		b.buf = make([]byte, 0, b.size)
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// handOffLocked gives the writer the batch being filled and starts an empty one, waiting
// for one if the writer is that far behind.
func (b *batcher) handOffLocked() {
	b.todo <- pending{lines: b.buf, reuse: true}
	b.buf = <-b.free
}

// Sync has the pending lines written and the output synced, and reports a write that
// failed since the last Sync.
func (b *batcher) Sync() error {
	synced := make(chan error, 1)
	b.mu.Lock()
	if len(b.buf) > 0 {
		b.handOffLocked()
	}
	b.todo <- pending{synced: synced}
	b.mu.Unlock()
	return <-synced
}

// mended keeps a line that a failed write cut short from running into the next line. On a
// full disk a write can store part of its lines and fail; the next write, once there is
// room again, would continue that part, and a log reader would see neither line. mended
// starts it on a line of its own. (Its caller serializes the writes.)
type mended struct {
	w    io.Writer
	torn bool // the last write stored part of a line
}

func (m *mended) Write(p []byte) (int, error) {
	if m.torn {
		if _, err := m.w.Write([]byte{'\n'}); err != nil {
			return 0, err
		}
		m.torn = false
	}
	n, err := m.w.Write(p)
	if err != nil && n > 0 && p[n-1] != '\n' {
		m.torn = true
	}
	return n, err
}

// Sync syncs w if it can be synced (a file), as zapcore.AddSync would.
func (m *mended) Sync() error {
	if s, ok := m.w.(zapcore.WriteSyncer); ok {
		return s.Sync()
	}
	return nil
}
