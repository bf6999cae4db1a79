package swaggerui

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// The page and every file it loads are served, with their types; so are the spec, and a
// 404 for anything else. A file left out of scripts/swagger-ui.sh's list fails here.
func TestHandler(t *testing.T) {
	t.Parallel()
	spec := `{"swagger":"2.0"}`
	h := http.StripPrefix("/swagger", Handler([]byte(spec)))
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec
	}

	page := get("/swagger/index.html")
	if page.Code != 200 || !strings.HasPrefix(page.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET /swagger/index.html = %d %q, want 200 text/html", page.Code, page.Header().Get("Content-Type"))
	}
	if bare := get("/swagger/"); bare.Code != 200 || bare.Body.String() != page.Body.String() {
		t.Errorf("GET /swagger/ = %d, want the page", bare.Code)
	}
	loaded := regexp.MustCompile(`(?:src|href)="(?:\./)?([^"]+)"`).FindAllStringSubmatch(page.Body.String(), -1)
	if len(loaded) < 5 {
		t.Fatalf("index.html loads %d files, want the UI's scripts, styles and icons", len(loaded))
	}
	types := map[string]string{".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
	for _, m := range append(loaded, []string{"", "oauth2-redirect.html"}) {
		name := m[1]
		rec := get("/swagger/" + name)
		want := types[name[strings.LastIndex(name, "."):]]
		if rec.Code != 200 || rec.Body.Len() == 0 || !strings.HasPrefix(rec.Header().Get("Content-Type"), want) {
			t.Errorf("GET /swagger/%s = %d, %d bytes, %q; want 200 with %s", name, rec.Code, rec.Body.Len(), rec.Header().Get("Content-Type"), want)
		}
		if !Serves(name) {
			t.Errorf("Serves(%q) = false, want true", name)
		}
	}
	if doc := get("/swagger/doc.json"); doc.Code != 200 || doc.Body.String() != spec || doc.Header().Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("GET /swagger/doc.json = %d %q %q, want the spec as JSON", doc.Code, doc.Header().Get("Content-Type"), doc.Body)
	}
	if !Serves("doc.json") {
		t.Error(`Serves("doc.json") = false, want true`)
	}
	for _, path := range []string{"/swagger/swagger-ui.js.map", "/swagger/nope", "/swagger/../go.mod", "/swagger/dist/index.html"} {
		if rec := get(path); rec.Code != 404 {
			t.Errorf("GET %s = %d, want 404", path, rec.Code)
		}
		if name := strings.TrimPrefix(path, "/swagger/"); Serves(name) {
			t.Errorf("Serves(%q) = true, want false", name)
		}
	}
}
