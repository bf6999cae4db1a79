package gormtrace_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	mysqldriver "github.com/go-sql-driver/mysql"
	"github.com/libtnb/sqlite"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/go-programming-tour-book/blog-service/pkg/gormtrace"
)

// The values bound to statements: none of them may appear in any span.
const (
	secret   = "s3cret-7f3a9c"
	replaced = "r3placed-41d2e8"
)

type note struct {
	ID   uint
	Body string
}

// open returns a SQLite database traced into the returned in-memory exporter, with one
// note holding the secret.
func open(t *testing.T) (*gorm.DB, *tracetest.InMemoryExporter, trace.Tracer) {
	t.Helper()
	db, err := gorm.Open(sqlite.Open(filepath.Join(t.TempDir(), "t.db")), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			sqlDB.Close()
		}
	})
	if err := db.AutoMigrate(&note{}); err != nil {
		t.Fatal(err)
	}
	if err := db.Create(&note{Body: secret}).Error; err != nil {
		t.Fatal(err)
	}
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	if err := db.Use(gormtrace.New(tp)); err != nil {
		t.Fatal(err)
	}
	return db, spans, tp.Tracer("test")
}

// Each kind of statement is one client span under the caller's span, named and described
// as gorm.io/plugin/opentelemetry did, with placeholders where the values were.
func TestStatementSpans(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		run        func(db *gorm.DB) error
		wantName   string
		wantOp     string
		wantTable  string // "" when gorm does not know the table (raw SQL)
		wantRows   int64  // db.rows_affected; -1: not known (gorm does not count a Row's rows)
		wantStatus codes.Code
	}{
		{"create", func(db *gorm.DB) error { return db.Create(&note{Body: secret}).Error },
			"insert notes", "insert", "notes", 1, codes.Unset},
		{"query", func(db *gorm.DB) error { var n note; return db.Where("body = ?", secret).First(&n).Error },
			"select notes", "select", "notes", 1, codes.Unset},
		{"not found is an answer", func(db *gorm.DB) error {
			var n note
			err := db.Where("body = ?", replaced).First(&n).Error
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return nil
			}
			return err
		}, "select notes", "select", "notes", 0, codes.Unset},
		{"update", func(db *gorm.DB) error {
			return db.Model(&note{}).Where("body = ?", secret).Update("body", replaced).Error
		}, "update notes", "update", "notes", 1, codes.Unset},
		{"delete", func(db *gorm.DB) error { return db.Where("body = ?", secret).Delete(&note{}).Error },
			"delete notes", "delete", "notes", 1, codes.Unset},
		{"row", func(db *gorm.DB) error {
			var n int
			return db.Raw("SELECT count(*) FROM notes WHERE body = ?", secret).Row().Scan(&n)
		}, "gorm.Row", "select", "", -1, codes.Unset},
		{"raw", func(db *gorm.DB) error {
			return db.Exec("UPDATE notes SET body = ? WHERE body = ?", replaced, secret).Error
		},
			"gorm.Raw", "update", "", 1, codes.Unset},
		{"failing statement", func(db *gorm.DB) error {
			var n note
			if err := db.Table("missing").Where("body = ?", secret).Find(&n).Error; err == nil {
				return errFailed
			}
			return nil
		}, "select missing", "select", "missing", 0, codes.Error},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db, spans, tracer := open(t)
			ctx, parent := tracer.Start(context.Background(), "request")
			if err := tt.run(db.WithContext(ctx)); err != nil {
				t.Fatal(err)
			}
			parent.End()
			s := onlyChild(t, spans, parent)
			if s.Name != tt.wantName || s.SpanKind != trace.SpanKindClient || s.Status.Code != tt.wantStatus {
				t.Errorf("span %q kind %v status %v, want %q kind client status %v", s.Name, s.SpanKind, s.Status.Code, tt.wantName, tt.wantStatus)
			}
			attrs := attribute.NewSet(s.Attributes...)
			want := map[attribute.Key]any{
				"db.system.name":    "sqlite",
				"db.operation.name": tt.wantOp,
				"db.rows_affected":  tt.wantRows,
			}
			if tt.wantTable != "" {
				want["db.collection.name"] = tt.wantTable
				want["db.query.summary"] = tt.wantOp + " " + tt.wantTable
			}
			if tt.wantRows == -1 || tt.wantStatus == codes.Error {
				delete(want, "db.rows_affected")
			}
			for k, v := range want {
				if got, ok := attrs.Value(k); !ok || got.AsInterface() != v {
					t.Errorf("%s = %v, want %v", k, got.AsInterface(), v)
				}
			}
			q, _ := attrs.Value("db.query.text")
			if !strings.Contains(q.AsString(), "?") {
				t.Errorf("db.query.text = %q, want the statement with its placeholders", q.AsString())
			}
			noValues(t, s)
		})
	}
}

var errFailed = errors.New("a query on a missing table succeeded")

// MySQL's errors quote the values a statement bound (1062: "Duplicate entry '...' for key
// ..."); the span tells the error by its number and SQLSTATE, without the message. An
// attack found a tag's name in the spans of racing creates that hit the unique index.
func TestAMySQLErrorLeavesItsValuesOut(t *testing.T) {
	t.Parallel()
	db, spans, tracer := open(t)
	ctx, parent := tracer.Start(context.Background(), "request")
	_, end := gormtrace.Query(ctx, db, "INSERT INTO notes (body) VALUES (?)", "notes")
	dup := &mysqldriver.MySQLError{Number: 1062, SQLState: [5]byte{'2', '3', '0', '0', '0'},
		Message: "Duplicate entry '" + secret + "' for key 'idx_notes_body'"}
	end(-1, fmt.Errorf("create note: %w", dup))
	parent.End()
	s := onlyChild(t, spans, parent)
	noValues(t, s)
	if s.Status.Code != codes.Error || !strings.HasPrefix(s.Status.Description, "Error 1062 (23000)") {
		t.Errorf("status %v %q, want an error that names 1062 (23000)", s.Status.Code, s.Status.Description)
	}
	if len(s.Events) != 1 || s.Events[0].Name != "exception" {
		t.Fatalf("events %v, want one exception", s.Events)
	}
	event := attribute.NewSet(s.Events[0].Attributes...)
	if typ, _ := event.Value("exception.type"); typ.AsString() != "*fmt.wrapError" {
		t.Errorf("exception.type = %q, want the error's type, as RecordError gives it", typ.AsString())
	}
}

// Two statements on one session are siblings: the first one's span does not stay in the
// session's context to become the parent of the next.
func TestStatementsOfOneSessionAreSiblings(t *testing.T) {
	t.Parallel()
	db, spans, tracer := open(t)
	ctx, parent := tracer.Start(context.Background(), "request")
	tx := db.WithContext(ctx)
	var n note
	if err := tx.First(&n).Error; err != nil {
		t.Fatal(err)
	}
	if err := tx.Model(&n).Update("body", replaced).Error; err != nil {
		t.Fatal(err)
	}
	parent.End()
	var names []string
	for _, s := range spans.GetSpans() {
		if s.Parent.SpanID() == parent.SpanContext().SpanID() {
			names = append(names, s.Name)
		}
	}
	if strings.Join(names, ",") != "select notes,update notes" {
		t.Errorf("children of the request span: %q, want [select notes update notes]", names)
	}
}

// A provider that samples nothing records nothing and leaves the statements working.
func TestUnsampled(t *testing.T) {
	t.Parallel()
	db, err := gorm.Open(sqlite.Open(filepath.Join(t.TempDir(), "t.db")), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans), sdktrace.WithSampler(sdktrace.NeverSample()))
	if err := db.Use(gormtrace.New(tp)); err != nil {
		t.Fatal(err)
	}
	if err := db.AutoMigrate(&note{}); err != nil {
		t.Fatal(err)
	}
	if err := db.Create(&note{Body: secret}).Error; err != nil {
		t.Fatal(err)
	}
	if got := len(spans.GetSpans()); got != 0 {
		t.Errorf("%d spans exported, want 0", got)
	}
}

// onlyChild is the one span whose parent is parent.
func onlyChild(t *testing.T, spans *tracetest.InMemoryExporter, parent trace.Span) tracetest.SpanStub {
	t.Helper()
	var children []tracetest.SpanStub
	for _, s := range spans.GetSpans() {
		if s.Parent.SpanID() == parent.SpanContext().SpanID() {
			children = append(children, s)
		}
	}
	if len(children) != 1 {
		t.Fatalf("%d spans under the request, want 1: %v", len(children), children)
	}
	return children[0]
}

// noValues fails if a bound value appears anywhere in the span: a name, an attribute, an
// event (a recorded error) or the status.
func noValues(t *testing.T, s tracetest.SpanStub) {
	t.Helper()
	texts := []string{s.Name, s.Status.Description}
	for _, a := range s.Attributes {
		texts = append(texts, string(a.Key)+"="+a.Value.String())
	}
	for _, e := range s.Events {
		for _, a := range e.Attributes {
			texts = append(texts, string(a.Key)+"="+a.Value.String())
		}
	}
	for _, text := range texts {
		if strings.Contains(text, secret) || strings.Contains(text, replaced) {
			t.Errorf("span %q records a bound value: %s", s.Name, text)
		}
	}
}
