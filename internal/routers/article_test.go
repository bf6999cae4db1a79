package routers

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-programming-tour-book/blog-service/pkg/page"

	"gorm.io/gorm"

	"github.com/go-programming-tour-book/blog-service/internal/app"
	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/internal/model"
	"github.com/go-programming-tour-book/blog-service/internal/service"
)

func articleForm(tagID uint32, title string) body {
	return form(fmt.Sprintf("tag_id=%d&title=%s&desc=A+description&content=Some+content&cover_image_url=https://example.com/a.png&created_by=me", tagID, title))
}

// createArticle creates a published article through the API and returns it.
func (e *testEnv) createArticle(t testing.TB, tagID uint32, title string) model.ArticleWithTag {
	t.Helper()
	rec := e.do(t, "POST", "/api/v1/articles", articleForm(tagID, title), e.token)
	if rec.Code != 200 {
		t.Fatalf("create article %q = %d %s", title, rec.Code, rec.Body)
	}
	return decode[model.ArticleWithTag](t, rec)
}

func TestArticleAPI(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	tag := e.createTag(t, "Go")
	deleted := e.createTag(t, "Gone")
	if rec := e.do(t, "DELETE", fmt.Sprintf("/api/v1/tags/%d", deleted.ID), noBody, e.token); rec.Code != 200 {
		t.Fatalf("delete tag: %d", rec.Code)
	}
	art := e.createArticle(t, tag.ID, "First")
	path := fmt.Sprintf("/api/v1/articles/%d", art.ID)
	long := strings.Repeat("x", 256)
	valid := `"title":"Title","desc":"Desc","content":"Content","cover_image_url":"https://example.com/c.png","created_by":"me"`
	tests := []struct {
		name, method, path string
		body               body
		wantStatus         int
		wantCode           int
	}{
		{"create form", "POST", "/api/v1/articles", articleForm(tag.ID, "Second"), 200, 0},
		{"create json", "POST", "/api/v1/articles", jsonBody(fmt.Sprintf(`{"tag_id":%d,%s,"state":0}`, tag.ID, valid)), 200, 0},
		{"create unknown tag", "POST", "/api/v1/articles", articleForm(999, "Orphan"), 400, errcode.ArticleTagInvalid.Code()},
		{"create deleted tag", "POST", "/api/v1/articles", articleForm(deleted.ID, "Orphan"), 400, errcode.ArticleTagInvalid.Code()},
		{"create without tag", "POST", "/api/v1/articles", jsonBody(`{` + valid + `}`), 400, errcode.InvalidParams.Code()},
		{"create title too short", "POST", "/api/v1/articles", articleForm(tag.ID, "T"), 400, errcode.InvalidParams.Code()},
		{"create desc too long", "POST", "/api/v1/articles", jsonBody(fmt.Sprintf(`{"tag_id":%d,%s,"desc":"%s"}`, tag.ID, strings.Replace(valid, `"desc":"Desc",`, "", 1), long)), 400, errcode.InvalidParams.Code()},
		{"create content too short", "POST", "/api/v1/articles", jsonBody(fmt.Sprintf(`{"tag_id":%d,%s}`, tag.ID, strings.Replace(valid, `"content":"Content"`, `"content":"C"`, 1))), 400, errcode.InvalidParams.Code()},
		{"create without created_by", "POST", "/api/v1/articles", jsonBody(fmt.Sprintf(`{"tag_id":%d,%s}`, tag.ID, strings.Replace(valid, `,"created_by":"me"`, "", 1))), 400, errcode.InvalidParams.Code()},
		{"create tag_id zero", "POST", "/api/v1/articles", articleForm(0, "Zero"), 400, errcode.InvalidParams.Code()},
		{"create bad cover url", "POST", "/api/v1/articles", jsonBody(fmt.Sprintf(`{"tag_id":%d,%s}`, tag.ID, strings.Replace(valid, "https://example.com/c.png", "not a url", 1))), 400, errcode.InvalidParams.Code()},
		{"create bad state", "POST", "/api/v1/articles", jsonBody(fmt.Sprintf(`{"tag_id":%d,%s,"state":2}`, tag.ID, valid)), 400, errcode.InvalidParams.Code()},
		{"create unknown json field", "POST", "/api/v1/articles", jsonBody(fmt.Sprintf(`{"tag_id":%d,%s,"author":"x"}`, tag.ID, valid)), 400, errcode.InvalidParams.Code()},
		{"create malformed json", "POST", "/api/v1/articles", jsonBody(`{"tag_id":`), 400, errcode.InvalidParams.Code()},
		{"list", "GET", "/api/v1/articles", noBody, 200, 0},
		{"list by tag", "GET", fmt.Sprintf("/api/v1/articles?tag_id=%d", tag.ID), noBody, 200, 0},
		{"list bad tag_id", "GET", "/api/v1/articles?tag_id=abc", noBody, 400, errcode.InvalidParams.Code()},
		{"list tag_id zero", "GET", "/api/v1/articles?tag_id=0", noBody, 400, errcode.InvalidParams.Code()}, // not "no filter"
		{"list blank tag_id", "GET", "/api/v1/articles?tag_id=", noBody, 200, 0},                            // not sent
		{"list bad state", "GET", "/api/v1/articles?state=3", noBody, 400, errcode.InvalidParams.Code()},
		{"list bad page", "GET", "/api/v1/articles?page=-2", noBody, 400, errcode.InvalidParams.Code()},
		{"get", "GET", path, noBody, 200, 0},
		{"get bad id", "GET", "/api/v1/articles/abc", noBody, 400, errcode.InvalidParams.Code()},
		{"get unknown id", "GET", "/api/v1/articles/999", noBody, 404, errcode.NotFound.Code()},
		{"update unknown id", "PUT", "/api/v1/articles/999", form("title=New&modified_by=me"), 404, errcode.NotFound.Code()},
		{"update without modified_by", "PUT", path, form("title=New"), 400, errcode.InvalidParams.Code()},
		{"update to unknown tag", "PUT", path, form("tag_id=999&modified_by=me"), 400, errcode.ArticleTagInvalid.Code()},
		{"update title too long", "PUT", path, form("title=" + long + "&modified_by=me"), 400, errcode.InvalidParams.Code()},
		{"patch state bad", "PATCH", path + "/state", form("state=7&modified_by=me"), 400, errcode.InvalidParams.Code()},
		{"patch unknown id", "PATCH", "/api/v1/articles/999/state", form("state=0&modified_by=me"), 404, errcode.NotFound.Code()},
		{"delete unknown id", "DELETE", "/api/v1/articles/999", noBody, 404, errcode.NotFound.Code()},
		{"delete bad id", "DELETE", "/api/v1/articles/0", noBody, 400, errcode.InvalidParams.Code()},
		{"delete tag in use", "DELETE", fmt.Sprintf("/api/v1/tags/%d", tag.ID), noBody, 409, errcode.TagInUse.Code()},
		{"no token", "GET", "/api/v1/articles", noBody, 401, errcode.UnauthorizedTokenError.Code()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := e.token
			if tt.name == "no token" {
				token = ""
			}
			rec := e.do(t, tt.method, tt.path, tt.body, token)
			if rec.Code != tt.wantStatus {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, rec.Code, rec.Body, tt.wantStatus)
			}
			if tt.wantStatus >= 400 {
				if got := errorBody(t, rec).Code; got != tt.wantCode {
					t.Errorf("%s %s: code %d, want %d (%s)", tt.method, tt.path, got, tt.wantCode, rec.Body)
				}
			}
		})
	}
}

func TestArticleGetHasItsTag(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	tag := e.createTag(t, "Go")
	art := e.createArticle(t, tag.ID, "Hello")
	rec := e.do(t, "GET", fmt.Sprintf("/api/v1/articles/%d", art.ID), noBody, e.token)
	got := decode[model.ArticleWithTag](t, rec)
	if got.Title != "Hello" || got.Tag == nil || got.Tag.ID != tag.ID || got.Tag.Name != "Go" || got.CoverImageURL == "" {
		t.Errorf("GET article = %+v, want its title, cover and tag Go", got)
	}
}

func TestArticleUpdateChangesOnlyFieldsSent(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	goTag, rustTag := e.createTag(t, "Go"), e.createTag(t, "Rust")
	art := e.createArticle(t, goTag.ID, "Hello")
	path := fmt.Sprintf("/api/v1/articles/%d", art.ID)

	rec := e.do(t, "PUT", path, form("title=Renamed&modified_by=editor"), e.token)
	got := decode[model.ArticleWithTag](t, rec)
	if rec.Code != 200 || got.Title != "Renamed" || got.Desc != art.Desc || got.Content != art.Content ||
		got.State != art.State || got.Tag == nil || got.Tag.ID != goTag.ID {
		t.Errorf("PUT title only = %d %+v; want only the title changed", rec.Code, got)
	}
	rec = e.do(t, "PUT", path, jsonBody(fmt.Sprintf(`{"tag_id":%d,"modified_by":"editor"}`, rustTag.ID)), e.token)
	got = decode[model.ArticleWithTag](t, rec)
	if rec.Code != 200 || got.Title != "Renamed" || got.Tag == nil || got.Tag.ID != rustTag.ID {
		t.Errorf("PUT tag only = %d %+v; want the tag moved to Rust, title kept", rec.Code, got)
	}
	rec = e.do(t, "PATCH", path+"/state", form("state=0&modified_by=editor"), e.token)
	if got = decode[model.ArticleWithTag](t, rec); rec.Code != 200 || got.State != 0 || got.Title != "Renamed" {
		t.Errorf("PATCH state = %d %+v", rec.Code, got)
	}
	// Go is no longer used, so it can be deleted; Rust cannot.
	if rec := e.do(t, "DELETE", fmt.Sprintf("/api/v1/tags/%d", goTag.ID), noBody, e.token); rec.Code != 200 {
		t.Errorf("DELETE unused tag = %d %s", rec.Code, rec.Body)
	}
	if rec := e.do(t, "DELETE", fmt.Sprintf("/api/v1/tags/%d", rustTag.ID), noBody, e.token); rec.Code != 409 {
		t.Errorf("DELETE tag in use = %d %s, want 409", rec.Code, rec.Body)
	}
}

func TestArticleDelete(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	tag := e.createTag(t, "Go")
	art := e.createArticle(t, tag.ID, "Hello")
	path := fmt.Sprintf("/api/v1/articles/%d", art.ID)
	if rec := e.do(t, "DELETE", path, noBody, e.token); rec.Code != 200 {
		t.Fatalf("DELETE = %d %s", rec.Code, rec.Body)
	}
	if rec := e.do(t, "GET", path, noBody, e.token); rec.Code != 404 {
		t.Errorf("GET after delete = %d, want 404", rec.Code)
	}
	if n := e.listTotal(t, "/api/v1/articles"); n != 0 {
		t.Errorf("articles listed after delete = %d", n)
	}
	// Its tag is free to delete now.
	if rec := e.do(t, "DELETE", fmt.Sprintf("/api/v1/tags/%d", tag.ID), noBody, e.token); rec.Code != 200 {
		t.Errorf("DELETE tag of a deleted article = %d %s", rec.Code, rec.Body)
	}
}

// A rejected create writes nothing: neither an article nor a link.
func TestArticleCreateIsOneTransaction(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	if rec := e.do(t, "POST", "/api/v1/articles", articleForm(42, "Orphan"), e.token); rec.Code != 400 {
		t.Fatalf("create with unknown tag = %d", rec.Code)
	}
	var articles, links int64
	e.db.Model(&model.Article{}).Count(&articles)
	e.db.Model(&model.ArticleTag{}).Count(&links)
	if articles != 0 || links != 0 {
		t.Errorf("after a rejected create: %d articles, %d links; want none", articles, links)
	}
}

func TestArticleList(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	goTag, rustTag := e.createTag(t, "Go"), e.createTag(t, "Rust")
	for i := range 12 {
		tag := goTag
		if i%3 == 0 {
			tag = rustTag
		}
		e.createArticle(t, tag.ID, fmt.Sprintf("article-%02d", i))
	}
	tests := []struct {
		path                         string
		wantLen, wantTotal           int
		wantFirstTitle, wantFirstTag string
	}{
		{"/api/v1/articles", 10, 12, "article-00", "Rust"},
		{"/api/v1/articles?page=2", 2, 12, "article-10", "Go"},
		{fmt.Sprintf("/api/v1/articles?tag_id=%d", rustTag.ID), 4, 4, "article-00", "Rust"},
		{fmt.Sprintf("/api/v1/articles?tag_id=%d&page_size=2&page=2", goTag.ID), 2, 8, "article-04", "Go"},
		{"/api/v1/articles?state=0", 0, 0, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := e.do(t, "GET", tt.path, noBody, e.token)
			got := decode[struct {
				List  []model.ArticleWithTag `json:"list"`
				Pager page.Pager             `json:"pager"`
			}](t, rec)
			if rec.Code != 200 || len(got.List) != tt.wantLen || got.Pager.TotalRows != int64(tt.wantTotal) {
				t.Fatalf("GET %s = %d, %d items, pager %+v; want %d items of %d", tt.path, rec.Code, len(got.List), got.Pager, tt.wantLen, tt.wantTotal)
			}
			if tt.wantLen > 0 && (got.List[0].Title != tt.wantFirstTitle || got.List[0].Tag == nil || got.List[0].Tag.Name != tt.wantFirstTag) {
				t.Errorf("GET %s: first = %q tag %+v, want %q tag %s", tt.path, got.List[0].Title, got.List[0].Tag, tt.wantFirstTitle, tt.wantFirstTag)
			}
		})
	}
}

// A page of articles with their tags costs the same number of queries whatever its size:
// no query per row.
func TestArticleListQueryCountIsBounded(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	tags := []model.Tag{e.createTag(t, "Go"), e.createTag(t, "Rust"), e.createTag(t, "Zig")}
	for i := range 30 {
		e.createArticle(t, tags[i%3].ID, fmt.Sprintf("article-%02d", i))
	}
	queries := countQueries(t, e.db)
	perPage := map[int]int64{}
	for _, size := range []int{1, 10, 30} {
		queries.Store(0)
		rec := e.do(t, "GET", fmt.Sprintf("/api/v1/articles?page_size=%d", size), noBody, e.token)
		if n := len(decode[app.ListBody](t, rec).List.([]any)); rec.Code != 200 || n != size {
			t.Fatalf("page of %d: %d, %d items", size, rec.Code, n)
		}
		perPage[size] = queries.Load()
	}
	t.Logf("queries per page: %v", perPage)
	if perPage[1] != perPage[30] || perPage[30] > 3 {
		t.Errorf("queries per page by page size = %v, want the same small number for every size", perPage)
	}
}

// countQueries counts the statements gorm runs on db from now on.
func countQueries(t testing.TB, db *gorm.DB) *atomic.Int64 {
	t.Helper()
	var n atomic.Int64
	count := func(tx *gorm.DB) {
		if !tx.DryRun { // a dry run builds SQL and sends nothing
			n.Add(1)
		}
	}
	if err := db.Callback().Query().After("gorm:query").Register("test:count_query", count); err != nil {
		t.Fatal(err)
	}
	if err := db.Callback().Row().After("gorm:row").Register("test:count_row", count); err != nil {
		t.Fatal(err)
	}
	return &n
}

// tag_id 0 was sent, so it is told its bound, as the list's query parameter is: the
// validator's required took a 0 for a tag_id left out.
func TestArticleTagIDZeroIsToldItsBound(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	valid := `"title":"Title","desc":"Desc","content":"Content","cover_image_url":"https://example.com/c.png","created_by":"me"`
	for name, b := range map[string]body{
		"json": jsonBody(`{"tag_id":0,` + valid + `}`),
		"form": articleForm(0, "Zero"),
	} {
		rec := e.do(t, "POST", "/api/v1/articles", b, e.token)
		details := strings.Join(errorBody(t, rec).Details, "; ")
		if rec.Code != 400 || !strings.Contains(details, "tag_id must be 1 or greater") {
			t.Errorf("%s: POST tag_id 0 = %d, details %q; want 400 saying tag_id must be 1 or greater", name, rec.Code, details)
		}
	}
}

// A write that committed is answered with what it wrote even when the request's context
// ends right after the commit, as net/http ends it when the client half-closes its side
// of the connection after the body: the answer's read-back ran on that context and
// answered "cancelled" (503) for a write that was done, which a client retrying a 503
// made twice.
func TestCommittedWriteIsAnsweredWhenTheRequestEndsAfterIt(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	tag := e.createTag(t, "Go")
	article := e.createArticle(t, tag.ID, "Before")
	// The request leaves at its first query after its write: the read-back.
	arm := func(tx *gorm.DB) {
		if l := leavingOf(tx); l != nil {
			l.armed.Store(true)
		}
	}
	cb := e.db.Callback()
	for _, err := range []error{
		cb.Create().After("gorm:create").Register("test:arm", arm),
		cb.Update().After("gorm:update").Register("test:arm", arm),
		cb.Query().Before("gorm:query").Register("test:leave", func(tx *gorm.DB) {
			if l := leavingOf(tx); l != nil && l.armed.Load() {
				l.leave()
			}
		}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		method, path string
		b            body
		want         string
	}{
		{"POST", "/api/v1/articles", articleForm(tag.ID, "Created"), `"title":"Created"`},
		{"PUT", fmt.Sprintf("/api/v1/articles/%d", article.ID), form("title=Updated&modified_by=me"), `"title":"Updated"`},
		{"PATCH", fmt.Sprintf("/api/v1/articles/%d/state", article.ID), form("state=0&modified_by=me"), `"state":0`},
		{"PUT", fmt.Sprintf("/api/v1/tags/%d", tag.ID), form("name=Renamed&modified_by=me"), `"name":"Renamed"`},
	} {
		rec, left := e.sendLeaving(t, c.method, c.path, c.b)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("%s %s, the request ended after its commit = %d %s; want 200 with %s", c.method, c.path, rec.Code, rec.Body, c.want)
		}
		if !left {
			t.Errorf("%s %s: the request did not end after its write: the test tests nothing", c.method, c.path)
		}
	}
}
