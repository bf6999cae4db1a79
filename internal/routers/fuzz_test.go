package routers

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-programming-tour-book/blog-service/internal/service"
)

var (
	fuzzMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "PROPFIND", "X-JUNK"}
	// The three accepted encodings first, then every one gin has a decoder for and more.
	fuzzContentTypes = []string{
		"application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
		"application/x-yaml", "application/yaml", "application/toml", "application/xml", "text/xml",
		"application/x-msgpack", "application/msgpack", "application/x-protobuf", "application/bson",
		"text/plain", "",
	}
)

// fuzzAccepted is how many of fuzzContentTypes the API decodes.
const fuzzAccepted = 3

// FuzzAPI sends arbitrary methods (standard and not), paths, queries and bodies under every
// Content-Type gin knows to the API through the real router and database. Nothing a client
// sends may produce a 5xx or a panic, every error is the JSON envelope, and no body is
// decoded unless it is JSON, a URL-encoded or a multipart form. `make test` runs the seed corpus; run
// `go test -fuzz FuzzAPI ./internal/routers` to search further.
func FuzzAPI(f *testing.F) {
	seeds := []struct {
		method, contentType uint8
		path, body          string
	}{
		{1, 0, "tags", `{"name":"Go","created_by":"me"}`},
		{1, 1, "tags", "name=Go&created_by=me&state=1"},
		{1, 0, "tags", `{"name":["x"],"created_by":{"a":1},"state":-1}`},
		{1, 1, "tags", "name=%ZZ&state=99999999999999999999"},
		{2, 0, "tags/1", `{"name":null,"modified_by":"me"}`},
		{3, 1, "tags/1/state", "state=&modified_by=me"},
		{0, 4, "tags?page=9223372036854775807&page_size=-1", ""},
		{0, 4, "tags?name=%00&state=1", ""},
		{0, 4, "tags/slow?delay=-9223372036854775808ns", ""},
		{1, 0, "articles", `{"tag_id":4294967296,"title":"Ti","desc":"De","content":"Co","cover_image_url":"javascript:alert(1)","created_by":"me"}`},
		{1, 1, "articles", "tag_id=1&title=Ti&desc=De&content=Co&cover_image_url=http://x&created_by=me"},
		{2, 0, "articles/1", `{"tag_id":0,"modified_by":"me"}`},
		{0, 4, "articles?tag_id=-1", ""},
		{4, 4, "articles/18446744073709551616", ""},
		{1, 2, "tags", "--x\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nGo\r\n--x--\r\n"},
		{1, 2, "tags", "--x\r\n"},
		{1, 3, "/auth", "a: &a [x,x]\nb: [*a,*a]\n"},
		{1, 4, "/auth", "app_key: eddycjy\napp_secret: go-programming-tour-book\n"},
		{2, 6, "tags/1", "<name>Go</name>"},
		{1, 8, "/upload/file", "\x81\xa4name\xa2Go"},
		{3, 12, "articles/1/state", "state=1"},
		{1, 13, "tags", "name=Go&created_by=me"},
		{9, 0, "tags", `{"name":"Go","created_by":"me"}`},
	}
	for _, s := range seeds {
		f.Add(s.method, s.contentType, s.path, s.body)
	}
	e := newTestEnv(f, service.Options{Slow: service.SlowOptions{MaxDelay: 10 * time.Millisecond}})
	f.Fuzz(func(t *testing.T, method, contentType uint8, path, body string) {
		req := httptest.NewRequest("GET", "/", strings.NewReader(body))
		req.Method = fuzzMethods[int(method)%len(fuzzMethods)]
		target, query, _ := strings.Cut(path, "?")
		if !strings.HasPrefix(target, "/") {
			target = "/api/v1/" + target
		}
		req.URL.Path, req.URL.RawQuery = target, query
		ctIndex := int(contentType) % len(fuzzContentTypes)
		if ct := fuzzContentTypes[ctIndex]; ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		req.Header.Set("token", e.token)
		rec := e.serve(t, req) // and the answer is one the spec allows
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q = %d %s", req.Method, req.URL, body, rec.Code, rec.Body)
		}
		if ctIndex >= fuzzAccepted && body != "" && rec.Code < 300 && req.Method != "GET" && req.Method != "HEAD" && req.Method != "DELETE" {
			t.Fatalf("%s %s decoded a %q body: %d %s", req.Method, req.URL, req.Header.Get("Content-Type"), rec.Code, rec.Body)
		}
		if rec.Code >= 400 {
			var env struct {
				Code    *int     `json:"code"`
				Msg     *string  `json:"msg"`
				Details []string `json:"details"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Code == nil || env.Msg == nil || env.Details == nil {
				t.Fatalf("%s %s = %d with a body that is not the error envelope: %s", req.Method, req.URL, rec.Code, rec.Body)
			}
		}
	})
}
