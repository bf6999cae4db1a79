package routers

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode"

	"github.com/go-programming-tour-book/blog-service/pkg/page"
	"github.com/go-programming-tour-book/blog-service/pkg/token"

	"github.com/gin-gonic/gin"

	"github.com/go-programming-tour-book/blog-service/internal/app"
	"github.com/go-programming-tour-book/blog-service/internal/dao"
	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/internal/metrics"
	"github.com/go-programming-tour-book/blog-service/internal/model"
	"github.com/go-programming-tour-book/blog-service/internal/service"
)

func TestAuth(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	tests := []struct {
		name       string
		body       body
		wantStatus int
		wantCode   int
	}{
		{"form", form("app_key=eddycjy&app_secret=go-programming-tour-book"), 200, 0},
		{"json", jsonBody(`{"app_key":"eddycjy","app_secret":"go-programming-tour-book"}`), 200, 0},
		{"wrong secret", form("app_key=eddycjy&app_secret=nope"), 401, errcode.UnauthorizedAuthNotExist.Code()},
		{"unknown key", form("app_key=nobody&app_secret=go-programming-tour-book"), 401, errcode.UnauthorizedAuthNotExist.Code()},
		{"missing secret", form("app_key=eddycjy"), 400, errcode.InvalidParams.Code()},
		{"empty body", form(""), 400, errcode.InvalidParams.Code()},
		{"malformed json", jsonBody(`{"app_key":`), 400, errcode.InvalidParams.Code()},
		{"json wrong type", jsonBody(`{"app_key":1,"app_secret":2}`), 400, errcode.InvalidParams.Code()},
		{"over-long key", form("app_key=" + strings.Repeat("k", 21) + "&app_secret=x"), 400, errcode.InvalidParams.Code()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.do(t, "POST", "/auth", tt.body, "")
			if rec.Code != tt.wantStatus {
				t.Fatalf("POST /auth = %d %s, want %d", rec.Code, rec.Body, tt.wantStatus)
			}
			if tt.wantStatus == 200 {
				if tok := decode[map[string]string](t, rec)["token"]; tok == "" {
					t.Errorf("no token in %s", rec.Body)
				}
				return
			}
			if got := errorBody(t, rec).Code; got != tt.wantCode {
				t.Errorf("code = %d, want %d (%s)", got, tt.wantCode, rec.Body)
			}
		})
	}
}

func TestTokenRequired(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	forged, _ := token.NewJWT("not-our-secret", "blog-service", time.Hour).Generate("eddycjy", "", time.Now())
	expired, _ := token.NewJWT(testSecret, "blog-service", time.Hour).Generate("eddycjy", "", time.Now().Add(-2*time.Hour))
	otherIssuer, _ := token.NewJWT(testSecret, "someone-else", time.Hour).Generate("eddycjy", "", time.Now())
	tests := []struct {
		name     string
		token    string
		wantCode int
	}{
		{"missing", "", errcode.UnauthorizedTokenError.Code()},
		{"garbage", "not.a.token", errcode.UnauthorizedTokenError.Code()},
		{"forged signature", forged, errcode.UnauthorizedTokenError.Code()},
		{"alg none", algNoneToken(), errcode.UnauthorizedTokenError.Code()},
		{"other issuer", otherIssuer, errcode.UnauthorizedTokenError.Code()},
		{"expired", expired, errcode.UnauthorizedTokenTimeout.Code()},
	}
	// Every route of the API and the upload refuses them, whatever the method.
	var protected []gin.RouteInfo
	for _, r := range e.h.(*gin.Engine).Routes() {
		if strings.HasPrefix(r.Path, "/api/v1/") || r.Path == "/upload/file" {
			protected = append(protected, r)
		}
	}
	if len(protected) < 14 {
		t.Fatalf("found %d protected routes, want every tag, article and upload route", len(protected))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range protected {
				path := strings.ReplaceAll(r.Path, ":id", "1")
				rec := e.do(t, r.Method, path, noBody, tt.token)
				if rec.Code != 401 || errorBody(t, rec).Code != tt.wantCode {
					t.Errorf("%s %s = %d %s, want 401 code %d", r.Method, path, rec.Code, rec.Body, tt.wantCode)
				}
				// RFC 9110: a 401 names the scheme that would authenticate.
				if got := rec.Header().Get("WWW-Authenticate"); got != `Bearer realm="blog-service"` {
					t.Errorf("%s %s: WWW-Authenticate %q, want the Bearer scheme", r.Method, path, got)
				}
			}
		})
	}
}

// algNoneToken is an unsigned token with otherwise valid claims.
func algNoneToken() string {
	enc := base64.RawURLEncoding.EncodeToString
	claims := fmt.Sprintf(`{"app_key":"eddycjy","iss":"blog-service","exp":%d}`, time.Now().Add(time.Hour).Unix())
	return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc([]byte(claims)) + "."
}

func TestTokenLocations(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	tests := []struct {
		name, path, header, value string
	}{
		{"bearer header", "/api/v1/tags", "Authorization", "Bearer " + e.token},
		{"token header", "/api/v1/tags", "token", e.token},
		{"token query", "/api/v1/tags?token=" + e.token, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.send(t, "GET", tt.path, "", map[string]string{tt.header: tt.value})
			if rec.Code != 200 {
				t.Errorf("GET with the token in the %s = %d %s, want 200", tt.name, rec.Code, rec.Body)
			}
		})
	}
}

func TestTagAPI(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	existing := e.createTag(t, "Existing")
	e.createTag(t, "Other")
	long := strings.Repeat("x", 101)
	tests := []struct {
		name, method, path string
		body               body
		wantStatus         int
		wantCode           int
	}{
		{"create form", "POST", "/api/v1/tags", form("name=Go&created_by=me"), 200, 0},
		{"create json", "POST", "/api/v1/tags", jsonBody(`{"name":"Rust","created_by":"me","state":0}`), 200, 0},
		{"create name too short", "POST", "/api/v1/tags", form("name=G&created_by=me"), 400, errcode.InvalidParams.Code()},
		{"create name too long", "POST", "/api/v1/tags", form("name=" + long + "&created_by=me"), 400, errcode.InvalidParams.Code()},
		{"create without created_by", "POST", "/api/v1/tags", form("name=Java"), 400, errcode.InvalidParams.Code()},
		{"create created_by too short", "POST", "/api/v1/tags", form("name=Java&created_by=m"), 400, errcode.InvalidParams.Code()},
		{"create created_by too long", "POST", "/api/v1/tags", form("name=Java&created_by=" + long), 400, errcode.InvalidParams.Code()},
		{"create unknown json field", "POST", "/api/v1/tags", jsonBody(`{"name":"Java","created_by":"me","color":"red"}`), 400, errcode.InvalidParams.Code()},
		{"create bad state", "POST", "/api/v1/tags", form("name=Java&created_by=me&state=2"), 400, errcode.InvalidParams.Code()},
		{"create state not a number", "POST", "/api/v1/tags", form("name=Java&created_by=me&state=abc"), 400, errcode.InvalidParams.Code()},
		{"create malformed json", "POST", "/api/v1/tags", jsonBody(`{"name":"Java",`), 400, errcode.InvalidParams.Code()},
		{"create json wrong type", "POST", "/api/v1/tags", jsonBody(`{"name":7,"created_by":"me"}`), 400, errcode.InvalidParams.Code()},
		{"create json state out of range", "POST", "/api/v1/tags", jsonBody(`{"name":"Java","created_by":"me","state":300}`), 400, errcode.InvalidParams.Code()},
		{"create name taken", "POST", "/api/v1/tags", form("name=Existing&created_by=me"), 409, errcode.TagNameTaken.Code()},
		{"list", "GET", "/api/v1/tags", noBody, 200, 0},
		{"list by name", "GET", "/api/v1/tags?name=Existing", noBody, 200, 0},
		{"list bad page_size", "GET", "/api/v1/tags?page_size=abc", noBody, 400, errcode.InvalidParams.Code()},
		{"list negative page_size", "GET", "/api/v1/tags?page_size=-1", noBody, 400, errcode.InvalidParams.Code()},
		{"list page zero", "GET", "/api/v1/tags?page=0", noBody, 400, errcode.InvalidParams.Code()},
		{"list bad state", "GET", "/api/v1/tags?state=5", noBody, 400, errcode.InvalidParams.Code()},
		{"list name too long", "GET", "/api/v1/tags?name=" + long, noBody, 400, errcode.InvalidParams.Code()},
		{"get", "GET", fmt.Sprintf("/api/v1/tags/%d", existing.ID), noBody, 200, 0},
		{"get id not a number", "GET", "/api/v1/tags/abc", noBody, 400, errcode.InvalidParams.Code()},
		{"get id zero", "GET", "/api/v1/tags/0", noBody, 400, errcode.InvalidParams.Code()},
		{"get id negative", "GET", "/api/v1/tags/-1", noBody, 400, errcode.InvalidParams.Code()},
		{"get id overflows", "GET", "/api/v1/tags/99999999999", noBody, 400, errcode.InvalidParams.Code()},
		{"get unknown id", "GET", "/api/v1/tags/999", noBody, 404, errcode.NotFound.Code()},
		{"update unknown id", "PUT", "/api/v1/tags/999", form("name=Nope&modified_by=me"), 404, errcode.NotFound.Code()},
		{"update bad id", "PUT", "/api/v1/tags/abc", form("name=Nope&modified_by=me"), 400, errcode.InvalidParams.Code()},
		{"update without modified_by", "PUT", fmt.Sprintf("/api/v1/tags/%d", existing.ID), form("name=Nope"), 400, errcode.InvalidParams.Code()},
		{"update name too long", "PUT", fmt.Sprintf("/api/v1/tags/%d", existing.ID), form("name=" + long + "&modified_by=me"), 400, errcode.InvalidParams.Code()},
		{"update bad state", "PUT", fmt.Sprintf("/api/v1/tags/%d", existing.ID), jsonBody(`{"state":9,"modified_by":"me"}`), 400, errcode.InvalidParams.Code()},
		{"update name taken", "PUT", fmt.Sprintf("/api/v1/tags/%d", existing.ID), form("name=Other&modified_by=me"), 409, errcode.TagNameTaken.Code()},
		{"patch state missing", "PATCH", fmt.Sprintf("/api/v1/tags/%d/state", existing.ID), form("modified_by=me"), 400, errcode.InvalidParams.Code()},
		{"patch state bad", "PATCH", fmt.Sprintf("/api/v1/tags/%d/state", existing.ID), form("state=3&modified_by=me"), 400, errcode.InvalidParams.Code()},
		{"patch unknown id", "PATCH", "/api/v1/tags/999/state", form("state=0&modified_by=me"), 404, errcode.NotFound.Code()},
		{"delete unknown id", "DELETE", "/api/v1/tags/999", noBody, 404, errcode.NotFound.Code()},
		{"delete bad id", "DELETE", "/api/v1/tags/x", noBody, 400, errcode.InvalidParams.Code()},
		{"slow short", "GET", "/api/v1/tags/slow?delay=10ms", noBody, 200, 0},
		{"slow bad delay", "GET", "/api/v1/tags/slow?delay=soon", noBody, 400, errcode.InvalidParams.Code()},
		{"slow blank delay: the default", "GET", "/api/v1/tags/slow?delay=%20", noBody, 200, 0},
		{"slow over cap", "GET", "/api/v1/tags/slow?delay=1h", noBody, 400, errcode.InvalidParams.Code()},
		{"slow negative", "GET", "/api/v1/tags/slow?delay=-1s", noBody, 400, errcode.InvalidParams.Code()},
		{"slow delay past the spec's maxLength", "GET", "/api/v1/tags/slow?delay=" + strings.Repeat("0", 31) + "1s", noBody, 400, errcode.InvalidParams.Code()},
		{"slow delay at the spec's maxLength", "GET", "/api/v1/tags/slow?delay=" + strings.Repeat("0", 30) + "0s", noBody, 200, 0},
		// maxLength counts characters, as JSON Schema does: µ is one, of two bytes.
		{"slow delay at the spec's maxLength, in µs", "GET", "/api/v1/tags/slow?delay=" + strings.Repeat("0", 29) + "0%C2%B5s", noBody, 200, 0},
		{"unknown route", "GET", "/api/v1/nope", noBody, 404, errcode.NotFound.Code()},
		{"wrong method", "PATCH", "/api/v1/tags", noBody, 405, errcode.MethodNotAllowed.Code()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.do(t, tt.method, tt.path, tt.body, e.token)
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

func TestTagList(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	for i := range 12 {
		e.createTag(t, fmt.Sprintf("tag-%02d", i))
	}
	rec := e.do(t, "POST", "/api/v1/tags", form("name=hidden&created_by=me&state=0"), e.token)
	if rec.Code != 200 {
		t.Fatalf("create disabled tag: %d %s", rec.Code, rec.Body)
	}
	tests := []struct {
		path                  string
		wantLen, wantPageSize int
		wantTotal             int64
		wantFirst             string
	}{
		{"/api/v1/tags", 10, 10, 12, "tag-00"},
		{"/api/v1/tags?page=2", 2, 10, 12, "tag-10"},
		{"/api/v1/tags?page=3", 0, 10, 12, ""},
		{"/api/v1/tags?page_size=1000", 12, 100, 12, "tag-00"},
		{"/api/v1/tags?name=tag-05", 1, 10, 1, "tag-05"},
		{"/api/v1/tags?state=0", 1, 10, 1, "hidden"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := e.do(t, "GET", tt.path, noBody, e.token)
			got := decode[struct {
				List  []model.Tag `json:"list"`
				Pager page.Pager  `json:"pager"`
			}](t, rec)
			if rec.Code != 200 || len(got.List) != tt.wantLen || got.Pager.TotalRows != tt.wantTotal || got.Pager.PageSize != tt.wantPageSize {
				t.Fatalf("GET %s = %d, %d items, pager %+v; want %d items, total %d, page_size %d",
					tt.path, rec.Code, len(got.List), got.Pager, tt.wantLen, tt.wantTotal, tt.wantPageSize)
			}
			if tt.wantLen > 0 && got.List[0].Name != tt.wantFirst {
				t.Errorf("GET %s: first %q, want %q", tt.path, got.List[0].Name, tt.wantFirst)
			}
		})
	}
}

func TestTagUpdateChangesOnlyFieldsSent(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	tag := e.createTag(t, "Go")
	path := fmt.Sprintf("/api/v1/tags/%d", tag.ID)

	rec := e.do(t, "PATCH", path+"/state", form("state=0&modified_by=editor"), e.token)
	if rec.Code != 200 || decode[model.Tag](t, rec).State != 0 {
		t.Fatalf("PATCH state=0 = %d %s", rec.Code, rec.Body)
	}
	rec = e.do(t, "PUT", path, form("name=Golang&modified_by=editor"), e.token)
	got := decode[model.Tag](t, rec)
	if rec.Code != 200 || got.Name != "Golang" || got.State != 0 || got.ModifiedBy != "editor" || got.CreatedBy != "me" {
		t.Errorf("PUT name only = %d %+v; want name Golang, state still 0, created_by kept", rec.Code, got)
	}
	rec = e.do(t, "PUT", path, jsonBody(`{"state":1,"modified_by":"editor"}`), e.token)
	got = decode[model.Tag](t, rec)
	if rec.Code != 200 || got.Name != "Golang" || got.State != 1 {
		t.Errorf("PUT state only = %d %+v; want name kept, state 1", rec.Code, got)
	}
	rec = e.do(t, "PUT", path, form("name=Golang&modified_by=editor"), e.token)
	if rec.Code != 200 {
		t.Errorf("PUT keeping its own name = %d %s, want 200", rec.Code, rec.Body)
	}
}

// A body's fields come from the body alone, whatever its type: gin's form binding read
// r.Form, where the query string's values filled the fields a URL-encoded body left out,
// so ?state=0 on a PUT changed a tag's state that its body did not name.
func TestQueryStringNeverFillsABody(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	tag := e.createTag(t, "Go")
	path := fmt.Sprintf("/api/v1/tags/%d", tag.ID)
	for _, b := range []body{form("name=Golang&modified_by=editor"), jsonBody(`{"name":"Golang","modified_by":"editor"}`)} {
		rec := e.do(t, "PUT", path+"?state=0&created_by=mallory", b, e.token)
		got := decode[model.Tag](t, rec)
		if rec.Code != 200 || got.State != 1 || got.CreatedBy != "me" {
			t.Errorf("PUT %s with ?state=0 = %d %+v, want 200 with state 1 kept", b.contentType, rec.Code, got)
		}
	}
	for _, b := range []body{form("created_by=me"), noBody} {
		rec := e.do(t, "POST", "/api/v1/tags?name=FromQuery&created_by=me", b, e.token)
		if got := errorBody(t, rec); rec.Code != 400 || !strings.Contains(fmt.Sprint(got.Details), "name is a required field") {
			t.Errorf("POST %q with ?name= = %d %s, want 400 naming the missing name", b.text, rec.Code, rec.Body)
		}
	}
}

func TestTagDelete(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	tag := e.createTag(t, "Go")
	path := fmt.Sprintf("/api/v1/tags/%d", tag.ID)
	if rec := e.do(t, "DELETE", path, noBody, e.token); rec.Code != 200 {
		t.Fatalf("DELETE = %d %s", rec.Code, rec.Body)
	}
	for _, step := range []struct{ method, path string }{{"GET", path}, {"DELETE", path}, {"PUT", path}} {
		rec := e.do(t, step.method, step.path, form("modified_by=me"), e.token)
		if rec.Code != 404 {
			t.Errorf("%s %s after delete = %d %s, want 404", step.method, step.path, rec.Code, rec.Body)
		}
	}
	if got := e.listTotal(t, "/api/v1/tags"); got != 0 {
		t.Errorf("total_rows after delete = %d, want 0", got)
	}
	// The name is free again once its tag is deleted.
	e.createTag(t, "Go")
}

func TestValidationMessagesFollowLocale(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	tests := []struct {
		header, value, want string
	}{
		{"locale", "zh", "字符"},
		{"Accept-Language", "zh-CN,zh;q=0.9", "字符"},
		{"Accept-Language", "en-US", "characters"},
		{"Accept-Language", "en;q=0.1, zh;q=0.9", "字符"}, // by weight, not order
		{"Accept-Language", "zh;q=0, en", "characters"}, // 0: not acceptable
		{"Accept-Language", "fr, zh-TW;q=0.5", "字符"},    // the best of those the service has
		{"Accept-Language", "fr", "characters"},
		{"Accept-Language", "zh;q=x, en", "characters"}, // malformed: the default
		{"", "", "characters"},
	}
	for _, tt := range tests {
		t.Run(tt.header+"="+tt.value, func(t *testing.T) {
			headers := map[string]string{"token": e.token, "Content-Type": "application/x-www-form-urlencoded"}
			if tt.header != "" {
				headers[tt.header] = tt.value
			}
			rec := e.send(t, "POST", "/api/v1/tags", "name=G&created_by=me", headers)
			details := errorBody(t, rec).Details
			if rec.Code != 400 || len(details) != 1 || !strings.Contains(details[0], tt.want) || !strings.Contains(details[0], "name") {
				t.Errorf("details = %q (%d), want one naming the field \"name\" and containing %q", details, rec.Code, tt.want)
			}
		})
	}
}

// With locale zh (or Accept-Language zh) msg and details are Chinese whatever the code and
// whichever layer wrote them: the edge picks the language, every detail has both.
func TestErrorsFollowLocale(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	tag := e.createTag(t, "Go")
	tests := []struct {
		name, method, path, contentType, body string
		token                                 bool
		wantCode                              int
	}{
		{"validation", "POST", "/api/v1/tags", "application/json", `{"name":"G","created_by":"me"}`, true, errcode.InvalidParams.Code()},
		{"malformed json", "POST", "/api/v1/tags", "application/json", `{"name":`, true, errcode.InvalidParams.Code()},
		{"bad id", "GET", "/api/v1/tags/abc", "", "", true, errcode.InvalidParams.Code()},
		{"bad page", "GET", "/api/v1/tags?page=0", "", "", true, errcode.InvalidParams.Code()},
		{"no such tag", "GET", "/api/v1/tags/999", "", "", true, errcode.NotFound.Code()},
		{"no route", "GET", "/api/v1/nope", "", "", true, errcode.NotFound.Code()},
		{"no token", "GET", "/api/v1/tags", "", "", false, errcode.UnauthorizedTokenError.Code()},
		{"name taken", "POST", "/api/v1/tags", "application/json", `{"name":"Go","created_by":"me"}`, true, errcode.TagNameTaken.Code()},
		{"wrong media type", "POST", "/api/v1/tags", "text/plain", "x", true, errcode.UnsupportedMediaType.Code()},
		{"wrong method", "PATCH", "/api/v1/tags", "", "", true, errcode.MethodNotAllowed.Code()},
		{"bad delay", "GET", "/api/v1/tags/slow?delay=soon", "", "", true, errcode.InvalidParams.Code()},
		{"tag in use", "DELETE", fmt.Sprintf("/api/v1/tags/%d", tag.ID), "", "", true, errcode.TagInUse.Code()},
	}
	e.createArticle(t, tag.ID, "Uses Go")
	for _, tt := range tests {
		for _, lang := range []struct{ header, value string }{{"locale", "zh"}, {"Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8"}} {
			t.Run(tt.name+"/"+lang.header, func(t *testing.T) {
				headers := map[string]string{"Content-Type": tt.contentType, lang.header: lang.value}
				if tt.token {
					headers["token"] = e.token
				}
				rec := e.send(t, tt.method, tt.path, tt.body, headers)
				got := errorBody(t, rec)
				if got.Code != tt.wantCode || !hasHan(got.Msg) {
					t.Errorf("%s %s = %d %s, want code %d with a Chinese msg", tt.method, tt.path, rec.Code, rec.Body, tt.wantCode)
				}
				for _, d := range got.Details {
					if !hasHan(d) {
						t.Errorf("%s %s: detail %q is not Chinese", tt.method, tt.path, d)
					}
				}
				en := errorBody(t, e.send(t, tt.method, tt.path, tt.body, map[string]string{"Content-Type": tt.contentType, "token": headers["token"]}))
				if hasHan(en.Msg) || len(en.Details) != len(got.Details) {
					t.Errorf("without a language: %+v, want the English form of %+v", en, got)
				}
			})
		}
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// The API answers JSON only: a trailing slash is a JSON 404 naming the path without it
// (gin would answer a 301 with an HTML body), and the redirect to the UI has no body.
func TestNoHTMLFromTheAPI(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	tag := e.createTag(t, "Go")
	for _, tt := range []struct{ method, path, want string }{
		{"GET", "/api/v1/tags/", "/api/v1/tags"},
		{"POST", "/api/v1/tags/", "/api/v1/tags"},
		{"GET", fmt.Sprintf("/api/v1/tags/%d/", tag.ID), fmt.Sprintf("/api/v1/tags/%d", tag.ID)},
		{"GET", "/api/v1/articles/", "/api/v1/articles"},
		{"POST", "/auth/", "/auth"},
		{"GET", "/healthz/", "/healthz"},
	} {
		rec := e.do(t, tt.method, tt.path, jsonBody(`{"name":"Rust","created_by":"me"}`), e.token)
		got := errorBody(t, rec)
		if rec.Code != 404 || got.Code != errcode.NotFound.Code() || !strings.Contains(strings.Join(got.Details, " "), tt.want) ||
			!strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Errorf("%s %s = %d %s %s, want a JSON 404 naming %s", tt.method, tt.path, rec.Code, rec.Header().Get("Content-Type"), rec.Body, tt.want)
		}
	}
	for _, path := range []string{"/", "/swagger", "/swagger/"} {
		rec := e.do(t, "GET", path, noBody, "")
		if rec.Code != 302 || rec.Header().Get("Location") != "/swagger/index.html" || rec.Body.Len() != 0 {
			t.Errorf("GET %s = %d %q %q, want a 302 to the UI without a body", path, rec.Code, rec.Header().Get("Location"), rec.Body)
		}
	}
	if rec := e.do(t, "GET", "/swagger/nope.html", noBody, ""); rec.Code != 404 || errorBody(t, rec).Code != errcode.NotFound.Code() {
		t.Errorf("GET /swagger/nope.html = %d %s, want the JSON 404", rec.Code, rec.Body)
	}
}

// A resource has one path: an encoded slash (%2F) is part of a segment, not a separator, so
// /api/v1/tags%2F1 is a 404 like any unknown path (gin routed it as /api/v1/tags/1, a
// second spelling that rules written for the first, in a proxy or an ACL, do not match).
func TestEncodedSlashIsNotASeparator(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	tag := e.createTag(t, "Go")
	for _, method := range []string{"GET", "DELETE"} {
		for _, path := range []string{fmt.Sprintf("/api/v1/tags%%2F%d", tag.ID), fmt.Sprintf("/api/v1/tags%%2f%d", tag.ID)} {
			rec := e.do(t, method, path, noBody, e.token)
			if got := errorBody(t, rec); rec.Code != 404 || got.Code != errcode.NotFound.Code() || !strings.Contains(strings.Join(got.Details, " "), path) {
				t.Errorf("%s %s = %d %s, want a JSON 404 naming the path as sent", method, path, rec.Code, rec.Body)
			}
		}
	}
	if rec := e.do(t, "GET", fmt.Sprintf("/api/v1/tags/%d", tag.ID), noBody, e.token); rec.Code != 200 {
		t.Errorf("the tag after the DELETEs = %d %s, want it still there", rec.Code, rec.Body)
	}
}

func TestProbes(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	if rec := e.do(t, "GET", "/healthz", noBody, ""); rec.Code != 200 || decode[map[string]any](t, rec)["pid"] == nil {
		t.Errorf("/healthz = %d %s, want 200 with pid", rec.Code, rec.Body)
	}
	if rec := e.do(t, "GET", "/readyz", noBody, ""); rec.Code != 200 {
		t.Errorf("/readyz while serving = %d %s, want 200", rec.Code, rec.Body)
	}
	for _, path := range []string{"/healthz", "/readyz"} { // some load balancers probe with HEAD
		if rec := e.do(t, "HEAD", path, noBody, ""); rec.Code != 200 {
			t.Errorf("HEAD %s while serving = %d %s, want 200", path, rec.Code, rec.Body)
		}
	}
	e.draining.Store(true)
	if rec := e.do(t, "GET", "/readyz", noBody, ""); rec.Code != 503 || errorBody(t, rec).Code != errcode.ServiceUnavailable.Code() {
		t.Errorf("/readyz while draining = %d %s, want 503", rec.Code, rec.Body)
	}
	if rec := e.do(t, "HEAD", "/readyz", noBody, ""); rec.Code != 503 {
		t.Errorf("HEAD /readyz while draining = %d, want 503", rec.Code)
	}
	if rec := e.do(t, "GET", "/healthz", noBody, ""); rec.Code != 200 {
		t.Errorf("/healthz while draining = %d, want 200 (still alive)", rec.Code)
	}
}

// TestHeadAnswersLikeGet: wherever GET answers, HEAD answers too (RFC 9110, 9.1), with
// GET's status and headers and no body; gin answered 405 to curl -I. Through a real
// server, which is what drops HEAD's body.
func TestHeadAnswersLikeGet(t *testing.T) {
	t.Parallel()
	e := newTestEnvMetrics(t, metrics.Build{}, func(*Deps) {})
	tag := e.createTag(t, "heads")
	article := e.createArticle(t, tag.ID, "heads")
	srv := httptest.NewServer(e.h)
	defer srv.Close()
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	send := func(method, path, token string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("token", token)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, b
	}
	for _, c := range []struct{ path, token string }{
		{"/api/v1/tags?page_size=5", e.token},
		{fmt.Sprintf("/api/v1/tags/%d", tag.ID), e.token},
		{"/api/v1/tags/999999", e.token}, // an error answers HEAD too
		{"/api/v1/tags", ""},             // and so does a missing token
		{"/api/v1/articles?page_size=5", e.token},
		{fmt.Sprintf("/api/v1/articles/%d", article.ID), e.token},
		{"/api/v1/tags/slow?delay=1ms", e.token},
		{"/swagger/index.html", ""},
		{"/swagger/doc.json", ""},
		{"/swagger", ""},
		{"/metrics", ""},
	} {
		get, getBody := send("GET", c.path, c.token)
		head, headBody := send("HEAD", c.path, c.token)
		if head.StatusCode != get.StatusCode || head.StatusCode == 405 {
			t.Errorf("HEAD %s = %d, GET = %d: want GET's status", c.path, head.StatusCode, get.StatusCode)
		}
		if len(headBody) != 0 {
			t.Errorf("%s: HEAD sent a body of %d bytes", c.path, len(headBody))
		}
		headers := []string{"Content-Type", "Location", "WWW-Authenticate"}
		if len(getBody) > 0 { // net/http sends no length for a HEAD that wrote nothing
			headers = append(headers, "Content-Length")
		}
		for _, h := range headers {
			if head.Header.Get(h) != get.Header.Get(h) {
				t.Errorf("%s: HEAD %s %q, GET %q", c.path, h, head.Header.Get(h), get.Header.Get(h))
			}
		}
	}
	// Routes that answer no GET still refuse HEAD.
	if head, _ := send("HEAD", "/auth", ""); head.StatusCode != 405 {
		t.Errorf("HEAD /auth = %d, want 405", head.StatusCode)
	}
}

func TestReadinessWhenDatabaseIsDown(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	if err := dao.Close(e.db); err != nil {
		t.Fatal(err)
	}
	if rec := e.do(t, "GET", "/readyz", noBody, ""); rec.Code != 503 || errorBody(t, rec).Code != errcode.ServiceUnavailable.Code() {
		t.Errorf("/readyz with the database closed = %d %s, want 503", rec.Code, rec.Body)
	}
	// Requests that need the database fail with the JSON 500, not a hang or a crash.
	if rec := e.do(t, "GET", "/api/v1/tags", noBody, e.token); rec.Code != 500 || errorBody(t, rec).Code != errcode.ServerError.Code() {
		t.Errorf("GET /api/v1/tags with the database closed = %d %s, want the JSON 500", rec.Code, rec.Body)
	}
}

func TestSwaggerPage(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	for _, path := range []string{"/swagger/index.html", "/swagger/doc.json"} {
		if rec := e.do(t, "GET", path, noBody, ""); rec.Code != 200 {
			t.Errorf("GET %s = %d", path, rec.Code)
		}
	}
}

// ginPathToSwagger turns /tags/:id into /tags/{id}.
func ginPathToSwagger(p string) string {
	parts := strings.Split(p, "/")
	for i, part := range parts {
		if strings.HasPrefix(part, ":") {
			parts[i] = "{" + part[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

// createTag creates an enabled tag through the API and returns it.
func (e *testEnv) createTag(t testing.TB, name string) model.Tag {
	t.Helper()
	rec := e.do(t, "POST", "/api/v1/tags", form("name="+name+"&created_by=me"), e.token)
	if rec.Code != 200 {
		t.Fatalf("create tag %q = %d %s", name, rec.Code, rec.Body)
	}
	return decode[model.Tag](t, rec)
}

func (e *testEnv) listTotal(t *testing.T, path string) int64 {
	t.Helper()
	rec := e.do(t, "GET", path, noBody, e.token)
	return decode[app.ListBody](t, rec).Pager.TotalRows
}

// Bad bodies are explained in the client's terms, without Go type names.
func TestBindDetails(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	tests := []struct {
		name       string
		body       body
		wantDetail string
	}{
		{"json wrong type", jsonBody(`{"name":7,"created_by":"me"}`), "name must be a string"},
		{"json cut short", jsonBody(`{"name":"x",`), "empty or cut short"},
		{"json not an object", jsonBody(`[1]`), "must be a JSON object"},
		{"json number out of range", jsonBody(`{"name":"Java","created_by":"me","state":300}`), "state: 300 is out of range"},
		{"form not a number", form("name=Go&created_by=me&state=abc"), `state: "abc" is not a number`},
		{"form not a number, as another field's text", form("name=abc&created_by=me&state=abc"), `state: "abc" is not a number`},
		{"form number out of range", form("name=Go&created_by=me&state=300"), `state: 300 is out of range`},
		{"multipart not a number", multipartOf(t, formPart{name: "name", content: []byte("Go")}, formPart{name: "created_by", content: []byte("me")}, formPart{name: "state", content: []byte("x1")}),
			`state: "x1" is not a number`},
		{"multipart with an empty boundary", body{"multipart/form-data; boundary=", "--\r\n"}, "the Content-Type header's parameters do not parse"},
		{"form with a charset without a value", body{`application/x-www-form-urlencoded; charset="`, "name=Go&created_by=me"}, "the Content-Type header's parameters do not parse"},
		{"form negative number", form("name=Go&created_by=me&state=-1"), `state: -1 is out of range`},
		{"missing fields", form("name=Go"), "created_by is a required field"},
		{"multipart without a boundary", body{"multipart/form-data", "name=Go"}, "the multipart body is cut short or not well-formed"},
		{"multipart cut short", body{"multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nGo"},
			"the multipart body is cut short or not well-formed"},
		{"form body that does not parse", form("name=Go&created_by=me&x=%zz"), "the form body is malformed"},
		{"form body with ;", form("name=Go;created_by=me"), "the form body is malformed"},
		{"a file for a text field", multipartOf(t, formPart{name: "name", filename: "a.txt", content: []byte("Go")}, formPart{name: "created_by", content: []byte("me")}),
			"a file was sent in a field that takes text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.do(t, "POST", "/api/v1/tags", tt.body, e.token)
			details := strings.Join(errorBody(t, rec).Details, "; ")
			if rec.Code != 400 || !strings.Contains(details, tt.wantDetail) || strings.Contains(details, "Request") {
				t.Errorf("details = %q (%d), want %q", details, rec.Code, tt.wantDetail)
			}
		})
	}
	// A form body that ends before its Content-Length, as net/http reads one whose client
	// stopped sending: said so, not "malformed: a % must begin an escape".
	req := httptest.NewRequest("POST", "/api/v1/tags", nil)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("token", e.token)
	req.ContentLength = 100
	req.Body = io.NopCloser(io.MultiReader(strings.NewReader("name=Go&created_by=m"), iotest.ErrReader(io.ErrUnexpectedEOF)))
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if details := strings.Join(errorBody(t, rec).Details, "; "); rec.Code != 400 || !strings.Contains(details, "the form body is cut short") {
		t.Errorf("a form body cut short: details = %q (%d)", details, rec.Code)
	}
	rec = e.do(t, "GET", "/api/v1/articles?tag_id=99999999999", noBody, e.token)
	if details := strings.Join(errorBody(t, rec).Details, "; "); rec.Code != 400 || !strings.Contains(details, "tag_id: 99999999999 is out of range") {
		t.Errorf("a query number out of range: details = %q (%d), want it to name tag_id", details, rec.Code)
	}
}

// A token carries who it was issued to, its credential's version and when it expires,
// never the secret or its hash (the version is a digest of the salted hash).
func TestTokenClaims(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	rec := e.do(t, "POST", "/auth", form("app_key=eddycjy&app_secret=go-programming-tour-book"), "")
	parts := strings.Split(decode[map[string]string](t, rec)["token"], ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	header, _ := base64.RawURLEncoding.DecodeString(parts[0])
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(header), `"HS256"`) {
		t.Errorf("header = %s, want HS256", header)
	}
	for k := range claims {
		switch k {
		case "app_key", "iss", "iat", "exp":
		case "cred":
			if v, _ := claims[k].(string); !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(v) {
				t.Errorf("cred = %q, want 16 hex digits", claims[k])
			}
		default:
			t.Errorf("unexpected claim %q in %s", k, payload)
		}
	}
	if claims["app_key"] != "eddycjy" || strings.Contains(string(payload), "go-programming-tour-book") || strings.Contains(string(payload), "$2a$") {
		t.Errorf("claims = %s", payload)
	}
}

// Error bodies are encoded as success bodies are: <, > and & as they are, not \u003c
// (the attack round found the two encodings differing).
func TestErrorBodiesAreNotHTMLEscaped(t *testing.T) {
	e := newTestEnv(t, service.Options{})
	rec := e.do(t, "GET", "/api/v1/a<b>&c", noBody, e.token)
	if rec.Code != 404 || !strings.Contains(rec.Body.String(), "/api/v1/a<b>&c") {
		t.Errorf("GET /api/v1/a<b>&c = %d %s, want a 404 naming the path as sent", rec.Code, rec.Body)
	}
}
