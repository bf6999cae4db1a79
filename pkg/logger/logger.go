// Package logger builds the service's *zap.Logger from settings. There is no global logger:
// run builds one and passes it to whatever logs.
package logger

import (
	"io"
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
// loses FlushInterval of access lines at most.
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
	batched := &zapcore.BufferedWriteSyncer{WS: direct, Size: PipeBuf, FlushInterval: FlushInterval}
	log = zap.New(zapcore.NewCore(enc, direct, lvl), zap.AddCaller(), zap.AddStacktrace(zapcore.DPanicLevel))
	access = zap.New(zapcore.NewCore(enc.Clone(), batched, lvl))
	return log, access, nil
}
