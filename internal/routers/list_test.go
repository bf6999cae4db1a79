package routers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/internal/model"
	"github.com/go-programming-tour-book/blog-service/internal/service"
	"github.com/go-programming-tour-book/blog-service/pkg/page"
)

// listPage is a page of a list as a client decodes it.
type listPage struct {
	List []struct {
		ID uint32 `json:"id"`
	} `json:"list"`
	Pager page.Pager `json:"pager"`
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

// walk pages through a list (path ends in a query) with after_id from each page's
// next_after_id, calling between after each page, and returns the ids in the order seen.
func (e *testEnv) walk(t testing.TB, path string, between func(page int)) []uint32 {
	t.Helper()
	var ids []uint32
	next := "&after_id=0"
	for page := 1; ; page++ {
		got := e.getPage(t, path+next)
		if got.Pager.Page != 0 {
			t.Errorf("GET %s: pager.page %d, want it left out with after_id", path+next, got.Pager.Page)
		}
		for _, row := range got.List {
			ids = append(ids, row.ID)
		}
		if got.Pager.NextAfterID == 0 {
			return ids
		}
		if last := got.List[len(got.List)-1].ID; got.Pager.NextAfterID != last {
			t.Fatalf("GET %s: next_after_id %d, want the last row's id %d", path+next, got.Pager.NextAfterID, last)
		}
		next = fmt.Sprintf("&after_id=%d", got.Pager.NextAfterID)
		between(page)
		if page > 1000 {
			t.Fatalf("GET %s: still pages after %d pages", path, page)
		}
	}
}

// checkWalk reports ids seen out of order or twice, rows of want missing, and rows of
// gone seen.
func checkWalk(t *testing.T, seen []uint32, want, gone map[uint32]bool) {
	t.Helper()
	for i := 1; i < len(seen); i++ {
		if seen[i] <= seen[i-1] {
			t.Errorf("id %d after %d: a row seen twice or out of order", seen[i], seen[i-1])
		}
	}
	got := map[uint32]bool{}
	for _, id := range seen {
		got[id] = true
	}
	for id := range want {
		if !got[id] {
			t.Errorf("row %d, there throughout, was never listed", id)
		}
	}
	for id := range gone {
		if got[id] {
			t.Errorf("row %d was listed after it was deleted", id)
		}
	}
}

// Paging with after_id lists every row that is there throughout exactly once, in id order,
// while other clients add rows and delete rows before and after the page being read (with
// page numbers, each delete behind the reader would shift a row past it unseen).
func TestTagsAfterIDWhileWriting(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	var tags []model.Tag
	for i := range 30 {
		tags = append(tags, e.createTag(t, fmt.Sprintf("tag-%02d", i)))
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // another client adds tags all along
		defer wg.Done()
		for i := range 20 {
			if rec := e.do(t, "POST", "/api/v1/tags", form(fmt.Sprintf("name=new-%02d&created_by=me", i)), e.token); rec.Code != 200 {
				t.Errorf("create tag while paging = %d %s", rec.Code, rec.Body)
			}
		}
	}()
	want, gone := map[uint32]bool{}, map[uint32]bool{}
	for _, tag := range tags {
		want[tag.ID] = true
	}
	seen := e.walk(t, "/api/v1/tags?page_size=4", func(page int) {
		if page > 5 {
			return
		}
		// Delete one tag already listed and one not reached yet.
		for _, tag := range []model.Tag{tags[4*page-2], tags[29-page]} {
			if rec := e.do(t, "DELETE", fmt.Sprintf("/api/v1/tags/%d", tag.ID), noBody, e.token); rec.Code != 200 {
				t.Fatalf("delete tag %d = %d %s", tag.ID, rec.Code, rec.Body)
			}
			delete(want, tag.ID)
		}
		gone[tags[29-page].ID] = true
	})
	wg.Wait()
	checkWalk(t, seen, want, gone)
}

// The same for articles, all of them and one tag's, while articles are added and deleted.
func TestArticlesAfterIDWhileWriting(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	goTag, rust := e.createTag(t, "Go"), e.createTag(t, "Rust")
	var arts []model.ArticleWithTag
	for i := range 30 {
		tag := goTag
		if i%3 == 0 {
			tag = rust
		}
		arts = append(arts, e.createArticle(t, tag.ID, fmt.Sprintf("article-%02d", i)))
	}
	tests := []struct {
		name string
		path string
		tag  uint32 // the list's tag_id, 0 for all
	}{
		{"all", "/api/v1/articles?page_size=4", 0},
		{"one tag", fmt.Sprintf("/api/v1/articles?tag_id=%d&page_size=3", goTag.ID), goTag.ID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, gone := map[uint32]bool{}, map[uint32]bool{}
			var live []model.ArticleWithTag
			for _, a := range arts {
				rec := e.do(t, "GET", fmt.Sprintf("/api/v1/articles/%d", a.ID), noBody, e.token)
				if rec.Code == 404 {
					continue // deleted by the case before
				}
				a = decode[model.ArticleWithTag](t, rec)
				live = append(live, a)
				if tt.tag == 0 || a.Tag != nil && a.Tag.ID == tt.tag {
					want[a.ID] = true
				}
			}
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { // another client adds articles all along
				defer wg.Done()
				for i := range 10 {
					if rec := e.do(t, "POST", "/api/v1/articles", articleForm(goTag.ID, fmt.Sprintf("new-%02d", i)), e.token); rec.Code != 200 {
						t.Errorf("create article while paging = %d %s", rec.Code, rec.Body)
					}
				}
			}()
			seen := e.walk(t, tt.path, func(page int) {
				if page > 3 {
					return
				}
				behind, ahead := live[page], live[len(live)-1-page]
				for _, a := range []model.ArticleWithTag{behind, ahead} {
					if rec := e.do(t, "DELETE", fmt.Sprintf("/api/v1/articles/%d", a.ID), noBody, e.token); rec.Code != 200 {
						t.Fatalf("delete article %d = %d %s", a.ID, rec.Code, rec.Body)
					}
					delete(want, a.ID)
				}
				gone[ahead.ID] = true
			})
			wg.Wait()
			checkWalk(t, seen, want, gone)
		})
	}
}

// total_rows counts the rows that match the filters, whatever the page or after_id, and
// follows every write at once: create, state change, retag, delete.
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
			for _, page := range []string{"", "&page=2&page_size=1", "&after_id=1&page_size=1"} {
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

// total_rows counts every matching row, on any page and after any id (the book's contract,
// which clients count with), and next_after_id leads to the following page.
func TestListTotalIsExact(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	// 101 tags straight into the database: quicker than POSTs.
	tags := make([]model.Tag, 101)
	for i := range tags {
		tags[i] = model.Tag{Name: fmt.Sprintf("tag-%03d", i), State: model.StateEnabled}
	}
	if err := e.db.CreateInBatches(tags, 50).Error; err != nil {
		t.Fatal(err)
	}
	n := int64(len(tags))
	for _, path := range []string{"/api/v1/tags", "/api/v1/tags?page=2", "/api/v1/tags?page_size=1",
		fmt.Sprintf("/api/v1/tags?after_id=%d", tags[50].ID)} {
		if got := e.getPage(t, path).Pager; got.TotalRows != n || !got.TotalExact {
			t.Errorf("GET %s: total_rows %d, total_exact %v; want %d, true", path, got.TotalRows, got.TotalExact, n)
		}
	}
	if got := e.getPage(t, "/api/v1/tags?name=tag-007").Pager; got.TotalRows != 1 {
		t.Errorf("by name: total_rows %d, want 1", got.TotalRows)
	}
	if rec := e.do(t, "DELETE", fmt.Sprintf("/api/v1/tags/%d", tags[0].ID), noBody, e.token); rec.Code != 200 {
		t.Fatalf("delete: %d %s", rec.Code, rec.Body)
	}
	if got := e.getPage(t, "/api/v1/tags").Pager; got.TotalRows != n-1 || !got.TotalExact || got.NextAfterID != tags[10].ID {
		t.Errorf("one tag fewer: pager %+v, want total_rows %d exact, next_after_id %d", got, n-1, tags[10].ID)
	}
	last := e.getPage(t, fmt.Sprintf("/api/v1/tags?after_id=%d", tags[n-2].ID))
	if len(last.List) != 1 || last.List[0].ID != tags[n-1].ID || last.Pager.NextAfterID != 0 {
		t.Errorf("after the last tag but one: %+v, want the last tag and no next_after_id", last)
	}
}

// A page by number past the first finds its ids in the list's index, then reads their rows
// (dao.skipInIndex): paged two rows at a time, each list must hold exactly the rows, tags
// included, and the total that one page of them all holds, on SQLite and on MySQL.
func TestPagesByNumberHoldWhatOnePageHolds(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	var tags []model.Tag
	for _, name := range []string{"Go", "Rust", "Zig", "Odin", "Nim", "Lua"} {
		tags = append(tags, e.createTag(t, name))
	}
	for i := range 8 {
		e.createArticle(t, tags[[]int{0, 3}[i%2]].ID, fmt.Sprintf("article %d", i))
	}
	for _, w := range []struct{ method, path, form string }{
		{"PATCH", fmt.Sprintf("/api/v1/tags/%d/state", tags[1].ID), "state=0&modified_by=me"},
		{"DELETE", fmt.Sprintf("/api/v1/tags/%d", tags[2].ID), ""},
		{"PATCH", "/api/v1/articles/2/state", "state=0&modified_by=me"},
		{"PATCH", "/api/v1/articles/4/state", "state=0&modified_by=me"},
		{"PATCH", "/api/v1/articles/8/state", "state=0&modified_by=me"},
		{"DELETE", "/api/v1/articles/5", ""},
	} {
		if rec := e.do(t, w.method, w.path, form(w.form), e.token); rec.Code != 200 {
			t.Fatalf("%s %s = %d %s", w.method, w.path, rec.Code, rec.Body)
		}
	}
	type rawPage struct {
		List  []json.RawMessage `json:"list"`
		Pager page.Pager        `json:"pager"`
	}
	get := func(path string) rawPage {
		rec := e.do(t, "GET", path, noBody, e.token)
		if rec.Code != 200 {
			t.Fatalf("GET %s = %d %s", path, rec.Code, rec.Body)
		}
		return decode[rawPage](t, rec)
	}
	for _, list := range []string{"/api/v1/tags?", "/api/v1/tags?state=0&", "/api/v1/articles?", "/api/v1/articles?state=0&",
		fmt.Sprintf("/api/v1/articles?tag_id=%d&", tags[0].ID), fmt.Sprintf("/api/v1/articles?tag_id=%d&", tags[3].ID),
		// all of the disabled articles carry this tag: walked from the disabled ones on SQLite
		fmt.Sprintf("/api/v1/articles?tag_id=%d&state=0&", tags[3].ID)} {
		whole := get(list + "page_size=100")
		var paged []json.RawMessage
		for n := 1; ; n++ {
			p := get(fmt.Sprintf("%spage=%d&page_size=2", list, n))
			if p.Pager.TotalRows != whole.Pager.TotalRows {
				t.Errorf("GET %spage=%d: total_rows %d, want %d", list, n, p.Pager.TotalRows, whole.Pager.TotalRows)
			}
			if len(p.List) == 0 {
				break
			}
			paged = append(paged, p.List...)
		}
		if len(whole.List) == 0 || len(paged) != len(whole.List) {
			t.Fatalf("%s: %d rows paged two at a time, %d in one page (want the same, and some)", list, len(paged), len(whole.List))
		}
		for i := range paged {
			if !bytes.Equal(paged[i], whole.List[i]) {
				t.Errorf("%s: row %d paged %s, in one page %s", list, i, paged[i], whole.List[i])
			}
		}
	}
}

// after_id is a non-negative 32-bit id and replaces page: both at once are refused. A page
// by number costs every row before it, so page numbers reach MaxOffset rows (10,000 here)
// and no deeper: past it a 400 names after_id, which reaches any depth.
func TestPageParameters(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	e.createTag(t, "Go")
	tests := []struct {
		path       string
		wantStatus int
		wantCode   int
		wantDetail string // part of the first detail
	}{
		{"/api/v1/tags?after_id=0", 200, 0, ""},
		{"/api/v1/tags?after_id=4294967295", 200, 0, ""},
		{"/api/v1/tags?after_id=&page=1", 200, 0, ""},
		{"/api/v1/articles?after_id=7&page_size=5", 200, 0, ""},
		{"/api/v1/tags?after_id=-1", 400, errcode.InvalidParams.Code(), "after_id must be"},
		{"/api/v1/tags?after_id=4294967296", 400, errcode.InvalidParams.Code(), "after_id must be"},
		{"/api/v1/tags?after_id=abc", 400, errcode.InvalidParams.Code(), "after_id must be"},
		{"/api/v1/tags?after_id=3&page=2", 400, errcode.InvalidParams.Code(), "give page or after_id"},
		{"/api/v1/articles?after_id=3&page=1", 400, errcode.InvalidParams.Code(), "give page or after_id"},
		{"/api/v1/articles?after_id=3&page_size=0", 400, errcode.InvalidParams.Code(), "page_size must be"},
		{"/api/v1/tags?page=%2B2", 400, errcode.InvalidParams.Code(), "page must be"}, // digits only, as after_id
		{"/api/v1/tags?page_size=%2B5", 400, errcode.InvalidParams.Code(), "page_size must be"},
		{"/api/v1/tags?page=1001", 200, 0, ""},                                                                                                              // starts 10,000 rows in: the deepest
		{"/api/v1/tags?page=1002", 400, errcode.InvalidParams.Code(), "go deeper with after_id"},                                                            // 10,010
		{"/api/v1/articles?page=101&page_size=100", 200, 0, ""},                                                                                             // 10,000
		{"/api/v1/articles?page=102&page_size=100", 400, errcode.InvalidParams.Code(), "10100 rows in"},                                                     // 10,100
		{"/api/v1/tags?page=102&page_size=5000", 400, errcode.InvalidParams.Code(), "page 102 of 100 rows (page_size is at most 100) starts 10100 rows in"}, // clamped to 100 a page
		{"/api/v1/tags?page=1048576&page_size=100", 400, errcode.InvalidParams.Code(), "go deeper with after_id"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := e.do(t, "GET", tt.path, noBody, e.token)
			if rec.Code != tt.wantStatus {
				t.Fatalf("GET %s = %d %s, want %d", tt.path, rec.Code, rec.Body, tt.wantStatus)
			}
			if rec.Code == 200 {
				return
			}
			body := errorBody(t, rec)
			if body.Code != tt.wantCode || len(body.Details) == 0 || !strings.Contains(body.Details[0], tt.wantDetail) {
				t.Errorf("GET %s: %+v, want code %d with details that say %q", tt.path, body, tt.wantCode, tt.wantDetail)
			}
		})
	}
}
