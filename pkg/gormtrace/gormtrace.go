// Package gormtrace makes every SQL statement gorm runs a client span of the caller's
// trace. The spans have the names and attributes of gorm.io/plugin/opentelemetry, which
// this replaces: that plugin links the ClickHouse and Postgres gorm drivers (and their
// compression and wire libraries) to name one attribute. Statements are recorded as gorm
// built them, with placeholders: the values bound to them never reach a span, since they
// may be secrets.
package gormtrace

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"

	mysqldriver "github.com/go-sql-driver/mysql"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
)

// ScopeName names the tracer the spans come from.
const ScopeName = "github.com/go-programming-tour-book/blog-service/pkg/gormtrace"

// rowsAffected is the plugin's attribute for the rows a statement wrote or read.
const rowsAffected = attribute.Key("db.rows_affected")

// Plugin is a gorm.Plugin: db.Use(gormtrace.New(tp)).
type Plugin struct {
	tracer trace.Tracer
	server []attribute.KeyValue // server.address, for a database reached over the network
}

// New returns the plugin that traces with tp.
func New(tp trace.TracerProvider) *Plugin {
	return &Plugin{tracer: tp.Tracer(ScopeName)}
}

// Name is the name gorm registers the plugin under; a second Use of it fails.
func (p *Plugin) Name() string { return name }

const name = "gormtrace"

// Initialize registers a callback before and after each kind of statement gorm runs. The
// span starts before the statement is built, so it times building and running it.
func (p *Plugin) Initialize(db *gorm.DB) error {
	if d, ok := db.Dialector.(*mysql.Dialector); ok && d.DSNConfig != nil && d.DSNConfig.Addr != "" {
		p.server = []attribute.KeyValue{semconv.ServerAddress(d.DSNConfig.Addr)}
	}
	cb := db.Callback()
	for _, r := range []struct {
		name string
		at   interface { // gorm's callback position; its type is unexported
			Register(name string, fn func(*gorm.DB)) error
		}
		fn func(*gorm.DB)
	}{
		{"before_create", cb.Create().Before("gorm:create"), p.before("gorm.Create")},
		{"after_create", cb.Create().After("gorm:create"), p.after},
		{"before_query", cb.Query().Before("gorm:query"), p.before("gorm.Query")},
		{"after_query", cb.Query().After("gorm:query"), p.after},
		{"before_update", cb.Update().Before("gorm:update"), p.before("gorm.Update")},
		{"after_update", cb.Update().After("gorm:update"), p.after},
		{"before_delete", cb.Delete().Before("gorm:delete"), p.before("gorm.Delete")},
		{"after_delete", cb.Delete().After("gorm:delete"), p.after},
		{"before_row", cb.Row().Before("gorm:row"), p.before("gorm.Row")},
		{"after_row", cb.Row().After("gorm:row"), p.after},
		{"before_raw", cb.Raw().Before("gorm:raw"), p.before("gorm.Raw")},
		{"after_raw", cb.Raw().After("gorm:raw"), p.after},
	} {
		if err := r.at.Register("gormtrace:"+r.name, r.fn); err != nil {
			return fmt.Errorf("register gormtrace:%s: %w", r.name, err)
		}
	}
	return nil
}

// spanContext is the statement's context while its span is open; after restores parent,
// so the next statement of the same session is the span's sibling, not its child.
type spanContext struct {
	context.Context
	parent context.Context
}

func (p *Plugin) before(name string) func(*gorm.DB) {
	return func(tx *gorm.DB) {
		parent := tx.Statement.Context
		ctx, _ := p.tracer.Start(parent, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(p.server...))
		tx.Statement.Context = spanContext{Context: ctx, parent: parent}
	}
}

func (p *Plugin) after(tx *gorm.DB) {
	st := tx.Statement
	sc, ok := st.Context.(spanContext)
	if !ok {
		return // no span was started for this statement
	}
	st.Context = sc.parent
	// placeholders only: st.Vars are never read
	finish(trace.SpanFromContext(sc.Context), tx.Name(), st.SQL.String(), st.Table, tx.RowsAffected, tx.Error)
}

// Query starts the span of a statement that the caller runs itself on db's connections,
// outside gorm (the dao's hottest reads), with the name and attributes of the spans of
// the statements gorm runs; end closes it with the rows read and the error. query holds
// placeholders, never values. When db is not traced, Query only looks the plugin up.
func Query(ctx context.Context, db *gorm.DB, query, table string) (_ context.Context, end func(rows int64, err error)) {
	p, ok := db.Plugins[name].(*Plugin)
	if !ok {
		return ctx, noSpan
	}
	ctx, span := p.tracer.Start(ctx, "gorm.Query", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(p.server...))
	return ctx, func(rows int64, err error) { finish(span, db.Name(), query, table, rows, err) }
}

func noSpan(int64, error) {}

// finish sets a statement's attributes on its span and ends it. dialect is gorm's name
// for the database; rows is -1 when unknown.
func finish(span trace.Span, dialect, query, table string, rows int64, err error) {
	defer span.End()
	if !span.IsRecording() {
		return // not sampled: skip the work below
	}
	op := operation(query)
	attrs := []attribute.KeyValue{semconv.DBQueryText(query), semconv.DBOperationName(op)}
	if sys, ok := systems[dialect]; ok { // the dialector's name: "mysql", "sqlite"
		attrs = append(attrs, sys)
	}
	if table != "" {
		summary := op + " " + table
		attrs = append(attrs, semconv.DBCollectionName(table), semconv.DBQuerySummary(summary))
		span.SetName(summary) // semconv: the summary is the span's name when there is one
	}
	if rows != -1 {
		attrs = append(attrs, rowsAffected.Int64(rows))
	}
	span.SetAttributes(attrs...)
	if err != nil && !expected(err) {
		text := errorText(err)
		span.AddEvent(semconv.ExceptionEventName, trace.WithAttributes( // RecordError's event, with text for its message
			semconv.ExceptionType(fmt.Sprintf("%T", err)), semconv.ExceptionMessage(text)))
		span.SetStatus(codes.Error, text)
	}
}

// errorText is err's text for a span. MySQL's messages quote the values a statement bound
// (1062: "Duplicate entry 'Go' for key 'idx_blog_tag_live_name'"), and a span holds
// placeholders, never values: a MySQL error is told by its number and SQLSTATE alone.
// SQLite's name the constraint and its columns, not the values.
func errorText(err error) string {
	var my *mysqldriver.MySQLError
	if errors.As(err, &my) {
		return fmt.Sprintf("Error %d (%s): the message, which may quote values, left out", my.Number, my.SQLState[:])
	}
	return err.Error()
}

// systems maps gorm's dialector names to db.system.name, for the databases the service uses.
var systems = map[string]attribute.KeyValue{
	"mysql":  semconv.DBSystemNameMySQL,
	"sqlite": semconv.DBSystemNameSQLite,
}

// expected reports the errors that are answers, not failures: no such row, the end of
// the rows, a driver asking database/sql to take another path.
func expected(err error) bool {
	return errors.Is(err, gorm.ErrRecordNotFound) || errors.Is(err, sql.ErrNoRows) ||
		errors.Is(err, io.EOF) || errors.Is(err, driver.ErrSkip)
}

// operation is the statement's first keyword in lower case ("select", "insert"), after any
// leading comments, semicolons and spaces.
func operation(query string) string {
	s := query
	for {
		s = strings.TrimLeft(s, " \t\r\n;")
		switch {
		case strings.HasPrefix(s, "/*"):
			end := strings.Index(s, "*/")
			if end < 0 {
				return ""
			}
			s = s[end+2:]
		case strings.HasPrefix(s, "--"), strings.HasPrefix(s, "#"):
			end := strings.IndexByte(s, '\n')
			if end < 0 {
				return ""
			}
			s = s[end+1:]
		default:
			end := strings.IndexFunc(s, func(r rune) bool { return !isWordRune(r) })
			if end < 0 {
				end = len(s)
			}
			return strings.ToLower(s[:end])
		}
	}
}

// isWordRune reports whether r can be part of an SQL keyword or name.
func isWordRune(r rune) bool {
	return r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
}
