package routers

import (
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/go-programming-tour-book/blog-service/internal/service"
)

// Benchmarks of the hot handlers through the real router and database (SQLite, or MySQL
// with BLOG_TEST_MYSQL_DSN): go test -run '^$' -bench . -benchmem ./internal/routers
func benchEnv(b *testing.B) (*testEnv, uint32) {
	e := newTestEnv(b, service.Options{})
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
