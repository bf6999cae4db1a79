package routers

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-programming-tour-book/blog-service/internal/metrics"
	"github.com/go-programming-tour-book/blog-service/internal/service"
	"github.com/go-programming-tour-book/blog-service/pkg/logger"
)

// Benchmarks of the hot handlers through the real router and database (SQLite, or MySQL
// with BLOG_TEST_MYSQL_DSN): go test -run '^$' -bench . -benchmem ./internal/routers
func benchEnv(b *testing.B) (*testEnv, uint32) {
	return seedBench(b, newTestEnv(b, service.Options{}))
}

// seedBench gives e 100 tags with an article each, and returns the last tag's id.
func seedBench(b *testing.B, e *testEnv) (*testEnv, uint32) {
	var tagID uint32
	for i := range 100 {
		tag := e.createTag(b, fmt.Sprintf("tag-%03d", i))
		tagID = tag.ID
		e.createArticle(b, tag.ID, fmt.Sprintf("article-%03d", i))
	}
	return e, tagID
}

func benchGET(b *testing.B, e *testEnv, path string) {
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("token", e.token)
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("GET %s = %d %s", path, rec.Code, rec.Body)
		}
	}
}

func BenchmarkTagList(b *testing.B) {
	e, _ := benchEnv(b)
	benchGET(b, e, "/api/v1/tags?page_size=10")
}

// BenchmarkTagListAsDeployed is BenchmarkTagList with the middleware as main.go sets it
// up: metrics on and the access log written, as JSON, to a file, through pkg/logger.
func BenchmarkTagListAsDeployed(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "access.log"))
	if err != nil {
		b.Fatal(err)
	}
	log, access, err := logger.New(f, "info", true)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = access.Sync(); _ = f.Close() })
	e, _ := seedBench(b, newTestEnvMetrics(b, metrics.Build{}, func(d *Deps) {
		d.Log, d.AccessLog = log, access
	}))
	benchGET(b, e, "/api/v1/tags?page_size=10")
}

func BenchmarkArticleGet(b *testing.B) {
	e, _ := benchEnv(b)
	benchGET(b, e, "/api/v1/articles/50")
}

func BenchmarkArticleListByTag(b *testing.B) {
	e, tagID := benchEnv(b)
	benchGET(b, e, fmt.Sprintf("/api/v1/articles?tag_id=%d&page_size=10", tagID))
}

func BenchmarkTagCreate(b *testing.B) {
	e := newTestEnv(b, service.Options{})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		rec := e.do(b, "POST", "/api/v1/tags", form(fmt.Sprintf("name=bench-%d&created_by=me", i)), e.token)
		if rec.Code != 200 {
			b.Fatalf("POST = %d %s", rec.Code, rec.Body)
		}
	}
}
