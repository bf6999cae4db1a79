// Package logger builds the service's *zap.Logger from settings. There is no global logger:
// run builds one and passes it to whatever logs.
package logger

import (
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
// access is for the access log, a line per request: it writes in batches, at most
// FlushInterval late, since one write per line was a system call per request. A batch is
// at most PipeBuf bytes of whole lines, so a pipe shared by the processes of an upgrade
// (the master, an old and a new worker) never interleaves their lines. Its Sync writes
// what is pending: call it before the process ends (run defers it). A killed process
// loses FlushInterval of access lines at most, and an access line may follow lines of
// log written after it (each carries its time).
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
	direct := zapcore.Lock(zapcore.AddSync(w)) // one lock for both: w need not be safe for concurrent use
	log = zap.New(zapcore.NewCore(enc, direct, lvl), zap.AddCaller(), zap.AddStacktrace(zapcore.DPanicLevel))
	access = zap.New(zapcore.NewCore(enc.Clone(), newBatcher(direct, PipeBuf, FlushInterval), lvl))
	return log, access, nil
}

// batcher is a zapcore.WriteSyncer that gathers whole lines and writes them together:
// when the next line would not fit in size, every interval, and on Sync. Unlike zap's
// BufferedWriteSyncer it gets over a failed write (a full disk, later freed), dropping
// only that batch, and it flushes without fsync: the periodic flush of a log written to
// a file is a write, not a disk flush every interval.
type batcher struct {
	out  zapcore.WriteSyncer
	size int
	mu   sync.Mutex
	buf  []byte
}

func newBatcher(out zapcore.WriteSyncer, size int, interval time.Duration) *batcher {
	b := &batcher{out: out, size: size, buf: make([]byte, 0, size)}
	go func() { // for the life of the process, like the logger
		for range time.Tick(interval) {
			b.mu.Lock()
			_ = b.flushLocked() // the next write reports a failure that lasts
			b.mu.Unlock()
		}
	}()
	return b
}

// Write takes one encoded line (zap writes a line per call).
func (b *batcher) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var err error
	if len(b.buf)+len(p) > b.size {
		err = b.flushLocked()
	}
	if len(p) >= b.size { // a line of a batch's size or more goes on its own
		_, err2 := b.out.Write(p)
		return len(p), cmp.Or(err2, err)
	}
	b.buf = append(b.buf, p...)
	return len(p), err
}

// Sync writes the pending lines and syncs the output.
func (b *batcher) Sync() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return cmp.Or(b.flushLocked(), b.out.Sync())
}

// flushLocked writes the batch; a failed batch is dropped, so one failure does not hold
// back the lines that follow.
func (b *batcher) flushLocked() error {
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.out.Write(b.buf)
	b.buf = b.buf[:0]
	return err
}
