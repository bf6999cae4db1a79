package routers

import (
	"fmt"
	"strings"
	"testing"

	"github.com/go-programming-tour-book/blog-service/internal/model"
	"github.com/go-programming-tour-book/blog-service/internal/service"
	"github.com/go-programming-tour-book/blog-service/pkg/app"
)

// listPage is a page of a list as a client decodes it.
type listPage struct {
	List []struct {
		ID uint32 `json:"id"`
	} `json:"list"`
	Pager app.Pager `json:"pager"`
}

// getPage GETs one page of a list and fails the test on anything but a 200.
func (e *testEnv) getPage(t testing.TB, path string) listPage {
	t.Helper()
	rec := e.do(t, "GET", path, noBody, e.token)
	if rec.Code != 200 {
		t.Fatalf("GET %s = %d %s", path, rec.Code, rec.Body)
	}
	return decode[listPage](t, rec)
}

// total_rows counts the rows that match the filters, whatever the page, and follows every
// write at once: create, state change, retag, delete.
func TestListTotalsFollowWrites(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	goTag, rust := e.createTag(t, "Go"), e.createTag(t, "Rust")
	a1 := e.createArticle(t, goTag.ID, "first")
	a2 := e.createArticle(t, goTag.ID, "second")
	e.createArticle(t, rust.ID, "third")
	byTag := func(tag model.Tag) string { return fmt.Sprintf("/api/v1/articles?tag_id=%d", tag.ID) }
	wantTotals := func(step string, want map[string]int64) {
		t.Helper()
		for path, n := range want {
			for _, page := range []string{"", "&page=2&page_size=1"} {
				p := path + page
				if !strings.Contains(path, "?") {
					p = path + "?" + strings.TrimPrefix(page, "&")
				}
				got := e.getPage(t, p).Pager
				if got.TotalRows != n || !got.TotalExact {
					t.Errorf("after %s: GET %s: total_rows %d exact %v, want %d exact", step, p, got.TotalRows, got.TotalExact, n)
				}
			}
		}
	}
	wantTotals("creates", map[string]int64{"/api/v1/tags": 2, "/api/v1/articles": 3, byTag(goTag): 2, byTag(rust): 1,
		"/api/v1/articles?state=0": 0})

	if rec := e.do(t, "PATCH", fmt.Sprintf("/api/v1/articles/%d/state", a1.ID), form("state=0&modified_by=me"), e.token); rec.Code != 200 {
		t.Fatalf("disable article: %d %s", rec.Code, rec.Body)
	}
	wantTotals("a state change", map[string]int64{"/api/v1/articles": 2, byTag(goTag): 1, "/api/v1/articles?state=0": 1,
		fmt.Sprintf("/api/v1/articles?state=0&tag_id=%d", goTag.ID): 1})

	if rec := e.do(t, "PUT", fmt.Sprintf("/api/v1/articles/%d", a2.ID), form(fmt.Sprintf("tag_id=%d&modified_by=me", rust.ID)), e.token); rec.Code != 200 {
		t.Fatalf("retag article: %d %s", rec.Code, rec.Body)
	}
	wantTotals("a retag", map[string]int64{"/api/v1/articles": 2, byTag(goTag): 0, byTag(rust): 2})

	if rec := e.do(t, "PATCH", fmt.Sprintf("/api/v1/tags/%d/state", goTag.ID), form("state=0&modified_by=me"), e.token); rec.Code != 200 {
		t.Fatalf("disable tag: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do(t, "DELETE", fmt.Sprintf("/api/v1/articles/%d", a2.ID), noBody, e.token); rec.Code != 200 {
		t.Fatalf("delete article: %d %s", rec.Code, rec.Body)
	}
	wantTotals("a tag disabled and an article deleted", map[string]int64{"/api/v1/tags": 1, "/api/v1/tags?state=0": 1,
		"/api/v1/articles": 1, byTag(rust): 1, "/api/v1/articles?state=0": 1})
}

// The count looks through the page asked for and the nine after it (service.CountPages):
// exact when the list ends there, and otherwise the rows up to that point, with
// total_exact false.
func TestListTotalLooksTenPagesAhead(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	// Ten pages of ten and one more tag, straight into the database: quicker than POSTs.
	tags := make([]model.Tag, service.CountPages*10+1)
	for i := range tags {
		tags[i] = model.Tag{Name: fmt.Sprintf("tag-%03d", i), State: model.StateEnabled}
	}
	if err := e.db.CreateInBatches(tags, 50).Error; err != nil {
		t.Fatal(err)
	}
	n := int64(len(tags))
	tests := []struct {
		path      string
		wantTotal int64
		wantExact bool
	}{
		{"/api/v1/tags", n - 1, false},
		{"/api/v1/tags?page=2", n, true},
		{"/api/v1/tags?page_size=11", n, true},
		{"/api/v1/tags?name=tag-007", 1, true},
	}
	for _, tt := range tests {
		got := e.getPage(t, tt.path).Pager
		if got.TotalRows != tt.wantTotal || got.TotalExact != tt.wantExact {
			t.Errorf("GET %s: total_rows %d, total_exact %v; want %d, %v", tt.path, got.TotalRows, got.TotalExact, tt.wantTotal, tt.wantExact)
		}
	}
	if rec := e.do(t, "DELETE", fmt.Sprintf("/api/v1/tags/%d", tags[0].ID), noBody, e.token); rec.Code != 200 {
		t.Fatalf("delete: %d %s", rec.Code, rec.Body)
	}
	if got := e.getPage(t, "/api/v1/tags").Pager; got.TotalRows != n-1 || !got.TotalExact {
		t.Errorf("one tag fewer: pager %+v, want total_rows %d exact", got, n-1)
	}
}
