package routers

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/go-programming-tour-book/blog-service/internal/app"
	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/internal/metrics"
	"github.com/go-programming-tour-book/blog-service/internal/middleware"
	"github.com/go-programming-tour-book/blog-service/internal/model"
	"github.com/go-programming-tour-book/blog-service/internal/service"
	"github.com/go-programming-tour-book/blog-service/pkg/limiter"
)

// yamlBomb is a billion-laughs document: ~400 bytes that a YAML decoder expands to gigabytes.
const yamlBomb = `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
app_key: [*i]
`

// bodyRoutes are every route that reads a body.
var bodyRoutes = []struct{ method, path string }{
	{"POST", "/auth"},
	{"POST", "/api/v1/tags"},
	{"PUT", "/api/v1/tags/1"},
	{"PATCH", "/api/v1/tags/1/state"},
	{"POST", "/api/v1/articles"},
	{"PUT", "/api/v1/articles/1"},
	{"PATCH", "/api/v1/articles/1/state"},
	{"POST", "/upload/file"},
}

// Only JSON, URL-encoded and multipart bodies are decoded; every decoder gin would pick from
// another Content-Type (YAML, TOML, XML, msgpack, protobuf, BSON) is unreachable.
func TestOnlyThreeBodyEncodingsAreDecoded(t *testing.T) {
	t.Parallel()
	e := newTestEnvDeps(t, service.Options{}, func(d *Deps) { d.RateLimits = middleware.RateLimits{} })
	e.createTag(t, "Go")
	refused := []string{
		"application/x-yaml", "application/yaml", "text/yaml", "application/toml",
		"application/xml", "text/xml", "application/x-msgpack", "application/msgpack",
		"application/x-protobuf", "application/bson", "text/plain", "application/octet-stream",
		"application/jsonx", "multipart/mixed; boundary=x", "not a media type",
	}
	for _, r := range bodyRoutes {
		for _, ct := range refused {
			rec := e.send(t, r.method, r.path, yamlBomb, map[string]string{"Content-Type": ct, "token": e.token})
			if rec.Code != 415 || errorBody(t, rec).Code != errcode.UnsupportedMediaType.Code() {
				t.Errorf("%s %s as %q = %d %s, want 415 with code %d", r.method, r.path, ct, rec.Code, rec.Body, errcode.UnsupportedMediaType.Code())
			}
		}
		// A body without any Content-Type is not guessed at either.
		rec := e.send(t, r.method, r.path, yamlBomb, map[string]string{"token": e.token})
		if rec.Code != 415 {
			t.Errorf("%s %s with a body and no Content-Type = %d, want 415", r.method, r.path, rec.Code)
		}
	}

	accepted := []body{
		jsonBody(`{"name":"json","created_by":"me"}`),
		{"application/json; charset=utf-8", `{"name":"json2","created_by":"me"}`},
		form("name=form&created_by=me"),
		{"multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nmultipart\r\n" +
			"--x\r\nContent-Disposition: form-data; name=\"created_by\"\r\n\r\nme\r\n--x--\r\n"},
	}
	for _, b := range accepted {
		if rec := e.do(t, "POST", "/api/v1/tags", b, e.token); rec.Code != 200 {
			t.Errorf("POST /api/v1/tags as %q = %d %s, want 200", b.contentType, rec.Code, rec.Body)
		}
	}
	// A GET has no body to decode: its Content-Type does not matter.
	if rec := e.send(t, "GET", "/api/v1/tags", "", map[string]string{"Content-Type": "application/x-yaml", "token": e.token}); rec.Code != 200 {
		t.Errorf("GET with a YAML Content-Type = %d", rec.Code)
	}
}

// A body in a content coding is refused with a 415 that names it, on every route that reads
// a body: none is decoded, and the compressed bytes were read as the body itself ("not
// UTF-8 text"). "identity" is no coding at all.
func TestBodiesInAContentCodingAreRefused(t *testing.T) {
	t.Parallel()
	e := newTestEnvDeps(t, service.Options{}, func(d *Deps) { d.RateLimits = middleware.RateLimits{} })
	e.createTag(t, "Go")
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte(`{"name":"zipped","created_by":"me"}`))
	w.Close()
	for _, r := range bodyRoutes {
		for _, ct := range []string{"application/json", "multipart/form-data; boundary=x"} {
			rec := e.send(t, r.method, r.path, gz.String(), map[string]string{"Content-Type": ct, "Content-Encoding": "gzip", "token": e.token})
			if rec.Code != 415 || !strings.Contains(strings.Join(errorBody(t, rec).Details, " "), `Content-Encoding "gzip"`) {
				t.Errorf("%s %s as gzip %s = %d %s, want 415 naming the Content-Encoding", r.method, r.path, ct, rec.Code, rec.Body)
			}
		}
	}
	rec := e.send(t, "POST", "/api/v1/tags", `{"name":"plain","created_by":"me"}`,
		map[string]string{"Content-Type": "application/json", "Content-Encoding": "identity", "token": e.token})
	if rec.Code != 200 {
		t.Errorf("POST /api/v1/tags with Content-Encoding: identity = %d %s, want 200", rec.Code, rec.Body)
	}
	// The coding may come on a later line, or later in a list.
	for _, lines := range [][]string{{"identity", "gzip"}, {"", "gzip"}, {"identity, GZIP"}} {
		req := httptest.NewRequest("POST", "/api/v1/tags", strings.NewReader(gz.String()))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("token", e.token)
		req.Header["Content-Encoding"] = lines
		if rec := e.serve(t, req); rec.Code != 415 {
			t.Errorf("POST /api/v1/tags with Content-Encoding lines %q = %d %s, want 415", lines, rec.Code, rec.Body)
		}
	}
}

// A client picks the method; metrics and the access log must not let it pick a label or
// the size of a log line.
func TestJunkMethodsAndPathsAreBounded(t *testing.T) {
	t.Parallel()
	core, logs := observer.New(zap.InfoLevel)
	e := newTestEnvMetrics(t, metrics.Build{}, func(d *Deps) { d.Log = zap.New(core) })
	before := len(e.do(t, "GET", "/metrics", noBody, "").Body.String())
	junk := strings.Repeat("X", 10<<10)
	for i := range 50 {
		e.send(t, fmt.Sprintf("%s%d", junk, i), "/api/v1/tags/"+strings.Repeat("p", 10<<10), "", map[string]string{"token": e.token})
		e.send(t, fmt.Sprintf("M%d", i), "/api/v1/tags", "", map[string]string{"token": e.token})
	}
	page := e.do(t, "GET", "/metrics", noBody, "").Body.String()
	if strings.Contains(page, "XXXX") || strings.Contains(page, `method="M1"`) || !strings.Contains(page, `method="other"`) {
		t.Errorf("junk methods became labels, or were not counted as \"other\"")
	}
	if growth := len(page) - before; growth > 8<<10 {
		t.Errorf("/metrics grew by %d bytes after 100 junk requests", growth)
	}
	for _, entry := range logs.All() {
		size := 0
		for k, v := range entry.ContextMap() {
			if s, ok := v.(string); ok {
				size += len(s)
				if k == "method" && s != "GET" && s != "other" {
					t.Errorf("logged method %.20q", s)
				}
			}
		}
		if size > 2<<10 {
			t.Errorf("an access log line holds %d bytes of fields", size)
		}
	}
}

// A cover image is shown as a link or an <img>: only http and https URLs are stored. It is
// sent back as the spec's format "uri", so a client that checks it must be able to read
// back what was accepted: what RFC 3986 does not allow is refused, not stored.
func TestCoverImageURLs(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	tag := e.createTag(t, "Go")
	art := e.createArticle(t, tag.ID, "Safe")
	update := func(u string) *httptest.ResponseRecorder {
		body := fmt.Sprintf(`{"cover_image_url":%q,"modified_by":"me"}`, u)
		return e.do(t, "PUT", fmt.Sprintf("/api/v1/articles/%d", art.ID), jsonBody(body), e.token)
	}
	for _, u := range []string{
		"javascript:alert(1)", "JavaScript:alert(document.cookie)", "data:text/html,<script>alert(1)</script>",
		"file:///etc/passwd", "ftp://example.com/a.png", "vbscript:msgbox", "http://", "//example.com/a.png",
	} {
		create := fmt.Sprintf(`{"tag_id":%d,"title":"Title","desc":"Desc","content":"Content","cover_image_url":%q,"created_by":"me"}`, tag.ID, u)
		if rec := e.do(t, "POST", "/api/v1/articles", jsonBody(create), e.token); rec.Code != 400 || !strings.Contains(rec.Body.String(), "http or https") {
			t.Errorf("create with cover %q = %d %s, want 400 naming http or https", u, rec.Code, rec.Body)
		}
		if rec := update(u); rec.Code != 400 {
			t.Errorf("update with cover %q = %d %s, want 400", u, rec.Code, rec.Body)
		}
	}
	for _, u := range []string{
		"https://example.com/a b.png", "https://example.com/a.png ", "https://example.com/\"a\".png",
		"https://example.com/<x>.png", "https://example.com/封面.png", "https://example.com/a.png?x={1}",
		"https://example.com/a\\b.png", "https://example.com/a|b",
		"https://example.com/a.png#a#b", "https://example.com/[x].png", "https://example.com/a.png?x=[1]",
		"http://:80/a.png", "http://example.com:99999/a.png",
	} {
		if rec := update(u); rec.Code != 400 || !strings.Contains(rec.Body.String(), "RFC 3986") {
			t.Errorf("update with cover %q = %d %s, want 400 naming RFC 3986", u, rec.Code, rec.Body)
		}
	}
	create := fmt.Sprintf("tag_id=%d&title=Title&desc=Desc&content=Content&created_by=me&cover_image_url=%s", tag.ID, url.QueryEscape("https://example.com/a b.png"))
	if rec := e.do(t, "POST", "/api/v1/articles", form(create), e.token); rec.Code != 400 {
		t.Errorf("create with a space in the cover URL = %d %s, want 400", rec.Code, rec.Body)
	}
	for _, u := range []string{
		"http://example.com/a.png", "https://cdn.example.com/x/y.jpg?v=2",
		"https://example.com/a%20b.png", "https://example.com/%E5%B0%81.png", "http://[::1]:8080/a.png",
		"https://user@example.com/a.png?v=1&w=2#top", "https://example.com/~me/(1)/a;b=c,d!*'+$.png",
	} {
		if rec := update(u); rec.Code != 200 {
			t.Errorf("update with cover %q = %d %s, want 200", u, rec.Code, rec.Body)
		}
		got := decode[model.ArticleWithTag](t, e.do(t, "GET", fmt.Sprintf("/api/v1/articles/%d", art.ID), noBody, e.token))
		if got.CoverImageURL != u {
			t.Errorf("cover read back as %q, want %q", got.CoverImageURL, u)
		}
	}
}

// A list holds summaries (no content); one article holds its content, sent as written:
// JSON escaping would make each < six bytes.
func TestListsHoldSummariesAndTextIsNotHTMLEscaped(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	tag := e.createTag(t, "Go")
	content := strings.Repeat("<&>", 1000)
	create := fmt.Sprintf(`{"tag_id":%d,"title":"<b>Title</b>","desc":"Desc","content":%q,"cover_image_url":"https://example.com/c.png","created_by":"me"}`, tag.ID, content)
	rec := e.do(t, "POST", "/api/v1/articles", jsonBody(create), e.token)
	if rec.Code != 200 {
		t.Fatalf("create = %d %s", rec.Code, rec.Body)
	}
	id := decode[struct{ ID uint32 }](t, rec).ID

	list := e.do(t, "GET", "/api/v1/articles?page_size=100", noBody, e.token)
	if list.Code != 200 || strings.Contains(list.Body.String(), `"content"`) || !strings.Contains(list.Body.String(), `"title":"<b>Title</b>"`) {
		t.Errorf("list = %d %.300s, want summaries without content and titles unescaped", list.Code, list.Body)
	}
	one := e.do(t, "GET", fmt.Sprintf("/api/v1/articles/%d", id), noBody, e.token)
	if one.Code != 200 || !strings.Contains(one.Body.String(), `"content":"`+content+`"`) || one.Body.Len() > len(content)+1024 {
		t.Errorf("get = %d, %d bytes for %d bytes of content, want it whole and unescaped", one.Code, one.Body.Len(), len(content))
	}
	if ct := one.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
}

// Password checks run under a cap: past it, and past a short wait, POST /auth is a 503 with
// its own code and Retry-After instead of one more bcrypt on a busy core.
func TestPasswordChecksAreCapped(t *testing.T) {
	t.Parallel()
	e := newTestEnvDeps(t, service.Options{AuthConcurrency: 1, AuthWait: time.Millisecond}, func(d *Deps) {
		d.RateLimits = middleware.RateLimits{}
	})
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for range 8 {
		wg.Go(func() {
			rec := e.do(t, "POST", "/auth", form("app_key=eddycjy&app_secret=wrong-secret"), "")
			mu.Lock()
			defer mu.Unlock()
			codes[rec.Code]++
			if rec.Code == 503 && (errorBody(t, rec).Code != errcode.AuthBusy.Code() || rec.Header().Get("Retry-After") == "") {
				t.Errorf("busy answer %s without code %d or Retry-After", rec.Body, errcode.AuthBusy.Code())
			}
		})
	}
	wg.Wait()
	if codes[401] == 0 || codes[503] == 0 || codes[401]+codes[503] != 8 {
		t.Errorf("8 concurrent checks with room for one = %v, want 401s and 503s", codes)
	}
}

// A global rule caps a route for all clients together; a per-client rule, each client.
func TestGlobalRateLimit(t *testing.T) {
	t.Parallel()
	e := newTestEnvDeps(t, service.Options{}, func(d *Deps) {
		d.RateLimits = middleware.RateLimits{
			PerClient: map[string]limiter.Limiter{"/api/v1/tags": limiter.NewLocal(0.001, 2)},
			Global:    map[string]limiter.Limiter{"/api/v1/tags": limiter.NewLocal(0.001, 3)},
		}
	})
	get := func(addr string) int {
		req := httptest.NewRequest("GET", "/api/v1/tags", nil)
		req.RemoteAddr = addr + ":1234"
		req.Header.Set("token", e.token)
		return e.serve(t, req).Code
	}
	got := []int{get("192.0.2.1"), get("192.0.2.1"), get("192.0.2.1"), get("192.0.2.2"), get("192.0.2.3")}
	// The third from .1 is over its own bucket and spends nothing of the shared one, so .2
	// gets the last shared token and .3 none.
	if want := []int{200, 200, 429, 200, 429}; !slices.Equal(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
}

// A query string Go cannot parse would lose its malformed pairs without a word, and a
// list would answer without the filter the client sent: it is a 400 instead. Escaped
// text still filters.
func TestMalformedQueryStringIsRefused(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	e.createTag(t, "Go")
	e.createTag(t, "Rust")
	// Past 10,000 pairs Go's parsing returns none of them: state=0 would list state 1.
	tooMany := "state=0" + strings.Repeat("&x", 10_000)
	for _, q := range []string{"state=1&name=%zz", "name=%", "state=%zz", "name=Go;state=0", "page=1&%zz=1", tooMany} {
		for _, path := range []string{"/api/v1/tags", "/api/v1/articles"} {
			rec := e.do(t, "GET", path+"?"+q, noBody, e.token)
			if rec.Code != 400 || errorBody(t, rec).Code != errcode.InvalidParams.Code() {
				t.Errorf("GET %s?%.40s = %d %s, want the JSON 400", path, q, rec.Code, rec.Body)
			}
		}
	}
	for q, want := range map[string]string{"name=R%75st": `"name":"Rust"`, "name=G%6F": `"name":"Go"`,
		"name=Go" + strings.Repeat("&x", 9_999): `"name":"Go"`} { // 10,000 pairs: the most Go reads
		rec := e.do(t, "GET", "/api/v1/tags?"+q, noBody, e.token)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), want) || !strings.Contains(rec.Body.String(), `"total_rows":1`) {
			t.Errorf("GET /api/v1/tags?%s = %d %s, want the one tag %s", q, rec.Code, rec.Body, want)
		}
	}
}

// Names and titles are one line of UTF-8 text with nothing invisible at either end; an
// article's content may span lines. Anything else is a 400 that says so, and what is
// accepted reads back byte for byte.
func TestTextFieldsAreCleanUTF8(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	quote := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	for _, name := range []string{"a\x00b", "bad\nname", "tab\there", " Go", "Go ", "\x1b[31mred", "\u0085next", "\xff\xfe",
		"line\u2028sep", "\u200bGo", "Go\ufeff", "Go\u00a0", "abc\u202Egpj.exe", "x\u2066y",
		// blank or invisible though not white space nor format characters: Hangul fillers,
		// variation selectors, the grapheme joiner, a Mongolian selector, the blank braille cell
		"Go\u3164", "\u3164Go", "Go\u115f", "Go\u1160", "Go\uffa0", "Go\ufe0f", "Go\U000e0100", "Go\u034f", "Go\u180b", "Go\u2800",
		// a selector where it selects nothing: after punctuation, a Han character, a mark
		"Spoof!\ufe0f", "Spoof.\ufe0e", "(Go)\ufe0f", "\u4e2d\u6587\ufe0f", "Go\u0301\ufe0f", "Go \U0001f44d\U0001f3fd\ufe0f",
		"Go\U000e0067\U000e007f"} { // a cancel tag that ends no flag
		bodies := []body{form("name=" + url.QueryEscape(name) + "&created_by=me")}
		if utf8.ValidString(name) { // JSON decoding turns bytes that are not UTF-8 into U+FFFD
			bodies = append(bodies, jsonBody(`{"name":`+quote(name)+`,"created_by":"me"}`))
		}
		for _, b := range bodies {
			rec := e.do(t, "POST", "/api/v1/tags", b, e.token)
			if rec.Code != 400 || !strings.Contains(rec.Body.String(), "one line of UTF-8 text") {
				t.Errorf("tag name %q (%s) = %d %s, want 400 naming the rule", name, b.contentType, rec.Code, rec.Body)
			}
		}
	}
	if rec := e.do(t, "GET", "/api/v1/tags?name=%00x", noBody, e.token); rec.Code != 400 {
		t.Errorf("filter by a name with a NUL = %d %s, want 400", rec.Code, rec.Body)
	}
	// encoding/json turns half a surrogate pair into U+FFFD: the name would not read back.
	for _, escaped := range []string{`ab\ud800cd`, `ab\udfffcd`, `ab\ud800\u0041`, `ab\ud800`} {
		rec := e.do(t, "POST", "/api/v1/tags", jsonBody(`{"name":"`+escaped+`","created_by":"me"}`), e.token)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), "surrogate") {
			t.Errorf("tag name %s = %d %s, want 400 naming the surrogate", escaped, rec.Code, rec.Body)
		}
	}
	if rec := e.do(t, "POST", "/api/v1/tags", jsonBody(`{"name":"ok \ud83e\udd9b \\ud800","created_by":"me"}`), e.token); rec.Code != 200 {
		t.Errorf("a whole surrogate pair and an escaped backslash = %d %s, want 200", rec.Code, rec.Body)
	}

	tag := e.createTag(t, url.QueryEscape("Go 语言 🦫 a\u200db"))
	if got := decode[model.Tag](t, e.do(t, "GET", fmt.Sprintf("/api/v1/tags/%d", tag.ID), noBody, e.token)); got.Name != "Go 语言 🦫 a\u200db" {
		t.Errorf("tag name read back as %q", got.Name)
	}
	// A variation selector that changes how the character before it shows may end a name:
	// the emoji heart, an ideographic variant, a keycap.
	for _, name := range []string{"I \u2764\ufe0f", "Go \u203c\ufe0f", "\u845b\U000e0100", "#\ufe0f\u20e3",
		"Go \U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"} { // England's flag
		tag := e.createTag(t, url.QueryEscape(name))
		if got := decode[model.Tag](t, e.do(t, "GET", fmt.Sprintf("/api/v1/tags/%d", tag.ID), noBody, e.token)); got.Name != name {
			t.Errorf("tag name read back as %q, want %q", got.Name, name)
		}
	}
	article := func(content string) string {
		return fmt.Sprintf(`{"tag_id":%d,"title":"Title","desc":"Two\nlines","content":%s,"cover_image_url":"https://example.com/a.png","created_by":"me"}`, tag.ID, quote(content))
	}
	if rec := e.do(t, "POST", "/api/v1/articles", jsonBody(article("nul\x00inside")), e.token); rec.Code != 400 || !strings.Contains(rec.Body.String(), "without control characters") {
		t.Errorf("content with a NUL = %d %s, want 400 naming the rule", rec.Code, rec.Body)
	}
	cover := fmt.Sprintf("tag_id=%d&title=Title&desc=Desc&content=Content&created_by=me&cover_image_url=http://example.com/%%FF%%C0%%AF", tag.ID)
	if rec := e.do(t, "POST", "/api/v1/articles", form(cover), e.token); rec.Code != 400 {
		t.Errorf("a cover URL that is not UTF-8 = %d %s, want 400", rec.Code, rec.Body)
	}
	const content = "line one\r\n\tline two\n¿qué? 中文 🦫"
	rec := e.do(t, "POST", "/api/v1/articles", jsonBody(article(content)), e.token)
	if rec.Code != 200 {
		t.Fatalf("content over lines = %d %s, want 200", rec.Code, rec.Body)
	}
	id := decode[model.ArticleWithTag](t, rec).ID
	got := decode[model.ArticleWithTag](t, e.do(t, "GET", fmt.Sprintf("/api/v1/articles/%d", id), noBody, e.token))
	if got.Content != content || got.Desc != "Two\nlines" {
		t.Errorf("read back content %q, desc %q", got.Content, got.Desc)
	}
}

// A JSON body means one thing: encoding/json alone took "NAME" and "ſtate" for name and
// state, let the last of two "name"s win and ignored what followed the object, so a proxy
// in front could read another request than the service did.
func TestJSONBodiesAreReadOneWay(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	tag := e.createTag(t, "Go")
	for _, tt := range []struct{ body, detail string }{
		{`{"name":"Rust","created_by":"me"}{"name":"Other"}`, "something follows the JSON object"},
		{`{"name":"Rust","created_by":"me"} garbage`, "something follows the JSON object"},
		{`{"name":"Rust","created_by":"me"}]]]`, "something follows the JSON object"},
		{`{"NAME":"Rust","created_by":"me"}`, `unknown field "NAME"`},
		{`{"name":"Rust","created_by":"me","ſtate":0}`, `unknown field "ſtate"`},
		{`{"name":"Rust","name":"Java","created_by":"me"}`, "name is sent more than once"},
		{"{\"name\":\"Ru\xffst\",\"created_by\":\"me\"}", "not UTF-8"},
	} {
		rec := e.do(t, "POST", "/api/v1/tags", jsonBody(tt.body), e.token)
		if details := strings.Join(errorBody(t, rec).Details, "; "); rec.Code != 400 || !strings.Contains(details, tt.detail) {
			t.Errorf("POST %q = %d %q, want 400 saying %q", tt.body, rec.Code, details, tt.detail)
		}
	}
	rec := e.do(t, "PUT", fmt.Sprintf("/api/v1/tags/%d", tag.ID), jsonBody(`{"modified_by":"me","Name":"viaUpper"}`), e.token)
	if rec.Code != 400 {
		t.Errorf("PUT with \"Name\" = %d %s, want 400", rec.Code, rec.Body)
	}
	if got := decode[model.Tag](t, e.do(t, "GET", fmt.Sprintf("/api/v1/tags/%d", tag.ID), noBody, e.token)); got.Name != "Go" {
		t.Errorf("the tag is now named %q, want Go", got.Name)
	}
	if rec := e.do(t, "POST", "/api/v1/tags", jsonBody(" {\"name\":\"Rust\",\"created_by\":\"me\"}\n"), e.token); rec.Code != 200 {
		t.Errorf("one object with white space around = %d %s, want 200", rec.Code, rec.Body)
	}
}

// An error quotes what the client sent only as far as 64 bytes: a 500 KB number is not
// sent back whole.
func TestErrorsQuoteLittleOfTheInput(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	huge := strings.Repeat("9", 10_000) // within the test's body limit
	for _, b := range []body{
		form("name=Go&created_by=me&state=" + huge),
		form("name=Go&created_by=me&state=x" + huge),
		jsonBody(`{"name":"Go","created_by":"me","state":` + huge + `}`),
		jsonBody(`{"name":"Go","created_by":"me","` + huge + `":1}`), // an unknown member's name
	} {
		rec := e.do(t, "POST", "/api/v1/tags", b, e.token)
		if rec.Code != 400 || rec.Body.Len() > 1000 {
			t.Errorf("POST with a 10 KB state (%s) = %d, %d bytes, want a 400 under 1000 bytes", b.contentType, rec.Code, rec.Body.Len())
		}
	}
	for _, q := range []string{"state=" + strings.Repeat("9", 500_000), "tag_id=x" + strings.Repeat("9", 500_000)} {
		rec := e.do(t, "GET", "/api/v1/articles?"+q, noBody, e.token)
		if rec.Code != 400 || rec.Body.Len() > 1000 {
			t.Errorf("GET with a 500 KB %s = %d, %d bytes, want a 400 under 1000 bytes", q[:6], rec.Code, rec.Body.Len())
		}
	}
	for _, n := range []string{"2e0", "1.5", "1e400"} {
		rec := e.do(t, "POST", "/api/v1/tags", jsonBody(`{"name":"Go","created_by":"me","state":`+n+`}`), e.token)
		if details := strings.Join(errorBody(t, rec).Details, "; "); !strings.Contains(details, "state: "+n+" must be written as an integer") {
			t.Errorf("state %s: %q, want it asked for as an integer", n, details)
		}
	}
}

// A number sent empty or blank counts as not sent, never as 0: gin trims a number and
// parses "" as 0, so an HTML form's empty state field disabled the tag it updated.
func TestBlankNumbersAreNotSent(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	tag := e.createTag(t, "Go")
	id := fmt.Sprint(tag.ID)
	for _, b := range []body{
		form("modified_by=me&state="),
		form("modified_by=me&state=%20"),
		form("modified_by=me&state=+&state=0"), // the first value is the one read
		multipartOf(t, formPart{name: "modified_by", content: []byte("me")}, formPart{name: "state", content: []byte(" ")}),
	} {
		rec := e.do(t, "PUT", "/api/v1/tags/"+id, b, e.token)
		if rec.Code != 200 || decode[model.Tag](t, rec).State != 1 {
			t.Errorf("PUT %q = %d %s, want 200 and state unchanged (1)", b.text, rec.Code, rec.Body)
		}
	}
	if rec := e.do(t, "PUT", "/api/v1/tags/"+id+"?state=%09", form("modified_by=me"), e.token); rec.Code != 200 || decode[model.Tag](t, rec).State != 1 {
		t.Errorf("PUT with ?state=%%09 = %d %s, want state unchanged", rec.Code, rec.Body)
	}
	// Where the field is required, a blank one is missing.
	const article = "title=Go&desc=About+Go&content=Go+is+fun&cover_image_url=https://example.com/a.png&created_by=me"
	var articleParts []formPart
	for _, kv := range strings.Split(article, "&") {
		k, v, _ := strings.Cut(kv, "=")
		articleParts = append(articleParts, formPart{name: k, content: []byte(strings.ReplaceAll(v, "+", " "))})
	}
	for _, w := range []struct {
		method, path string
		body         body
		detail       string
	}{
		{"PATCH", "/api/v1/tags/" + id + "/state", form("modified_by=me&state=+"), "state is a required field"},
		{"POST", "/api/v1/articles", form(article + "&tag_id="), "tag_id is a required field"},
		{"POST", "/api/v1/articles", multipartOf(t, append(articleParts, formPart{name: "tag_id", content: []byte(" ")})...), "tag_id is a required field"},
	} {
		rec := e.do(t, w.method, w.path, w.body, e.token)
		if details := strings.Join(errorBody(t, rec).Details, "; "); rec.Code != 400 || details != w.detail {
			t.Errorf("%s %s %q = %d %q, want 400 %q", w.method, w.path, w.body.text, rec.Code, details, w.detail)
		}
	}
	// A blank filter or page parameter takes its default: state 1, page 1, page mode.
	e.do(t, "PATCH", "/api/v1/tags/"+id+"/state", form("modified_by=me&state=0"), e.token)
	e.createTag(t, "Rust")
	for _, q := range []string{"state=", "state=%20", "page=", "page=+", "page_size=%20", "after_id=&page=1", "after_id=%20"} {
		rec := e.do(t, "GET", "/api/v1/tags?"+q, noBody, e.token)
		if list := decode[app.ListBody](t, rec); rec.Code != 200 || list.Pager.TotalRows != 1 || list.Pager.Page != 1 {
			t.Errorf("GET /api/v1/tags?%s = %d %s, want the enabled tag alone, page 1", q, rec.Code, rec.Body)
		}
	}
}
