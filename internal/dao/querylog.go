package dao

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"gorm.io/gorm"
	gormlogger "gorm.io/gorm/logger"
	"gorm.io/gorm/utils"
)

// slowStatement is the time past which a statement is logged as slow.
const slowStatement = 200 * time.Millisecond

// queryLog is gorm's logger for the dao (and dao.read's statements): one structured entry
// for each failed or slow statement, with its caller and its SQL as written, placeholders
// and all. Never the bound values, which are client data (names, article text, credentials'
// hashes), and never a unique-index violation: the dao answers it as the client's conflict
// (a taken tag name, 409), and MySQL's message for it quotes the duplicate value. A missing
// row is a 404, not a failure either, nor is a statement stopped because its client left:
// the access log has that request as cancelled, and a client closing connections under a
// load would otherwise fill this log with errors (a request past its deadline is still one).
type queryLog struct{ log *zap.Logger }

// newQueryLog names the caller itself: zap's would be this file.
func newQueryLog(log *zap.Logger) queryLog {
	return queryLog{log.Named("gorm").WithOptions(zap.WithCaller(false))}
}

// LogMode is gorm's debug switch; this log has one level.
func (q queryLog) LogMode(gormlogger.LogLevel) gormlogger.Interface { return q }

func (q queryLog) Info(context.Context, string, ...any) {}

func (q queryLog) Warn(_ context.Context, msg string, args ...any) {
	q.log.Warn(fmt.Sprintf(msg, args...))
}

func (q queryLog) Error(_ context.Context, msg string, args ...any) {
	q.log.Error(fmt.Sprintf(msg, args...))
}

func (q queryLog) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	elapsed := time.Since(begin)
	// Once the client has left, whatever fails is that: a driver or a rollback may say so in
	// its own words (SQLite's "cannot rollback - no transaction is active"). A statement the
	// drain cut at its deadline is the server's failure, and logged, as metrics.Status counts
	// it (net/http ends a request's context without a cause when its client leaves; the drain
	// gives one). The dao does not import metrics: it would bring gin under the service.
	clientLeft := ctx.Err() != nil && context.Cause(ctx) == context.Canceled
	failed := err != nil && !errors.Is(err, gorm.ErrRecordNotFound) && !duplicateKey(err) && !clientLeft
	if !failed && elapsed < slowStatement {
		return
	}
	sql, rows := fc()
	f := utils.CallerFrame() // the first frame outside gorm: the dao's
	fields := []zap.Field{
		zap.String("caller", zapcore.EntryCaller{Defined: true, File: f.File, Line: f.Line}.TrimmedPath()),
		zap.Duration("elapsed", elapsed), zap.Int64("rows", rows), zap.String("sql", sql),
	}
	if failed {
		q.log.Error("statement failed", append(fields, zap.Error(err))...)
		return
	}
	q.log.Warn("slow statement", fields...)
}

// ParamsFilter keeps the bound values out of the SQL gorm hands to Trace.
func (queryLog) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}
