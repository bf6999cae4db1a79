package routers

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/internal/middleware"
	"github.com/go-programming-tour-book/blog-service/internal/service"
	"github.com/go-programming-tour-book/blog-service/internal/setting"
	"github.com/go-programming-tour-book/blog-service/pkg/limiter"
	"github.com/go-programming-tour-book/blog-service/pkg/upload"
)

func pngBytes(t testing.TB) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegBytes(t testing.TB) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewRGBA(image.Rect(0, 0, 2, 2)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// multipartBody builds a multipart form with fields and, when filename is not "", a file.
func multipartBody(t testing.TB, fields map[string]string, filename string, content []byte) body {
	var parts []formPart
	for k, v := range fields {
		parts = append(parts, formPart{name: k, content: []byte(v)})
	}
	if filename != "" {
		parts = append(parts, formPart{"file", filename, content})
	}
	return multipartOf(t, parts...)
}

// formPart is one part of a multipart body: a file when filename is set.
type formPart struct {
	name, filename string
	content        []byte
}

// multipartOf builds a multipart body of parts, in order.
func multipartOf(t testing.TB, parts ...formPart) body {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, p := range parts {
		var pw io.Writer
		var err error
		if p.filename != "" {
			pw, err = w.CreateFormFile(p.name, p.filename)
		} else {
			pw, err = w.CreateFormField(p.name)
		}
		if err != nil {
			t.Fatal(err)
		}
		pw.Write(p.content)
	}
	w.Close()
	return body{w.FormDataContentType(), b.String()}
}

// uploadDirFiles lists the files of the upload directory and of its .parts directory,
// where uploads are received (as ".parts/name").
func uploadDirFiles(t testing.TB, e *testEnv) []string {
	t.Helper()
	var names []string
	for _, d := range []string{"", ".parts"} {
		entries, err := os.ReadDir(filepath.Join(e.uploads.Dir(), d))
		if err != nil {
			t.Fatal(err)
		}
		for _, en := range entries {
			if !en.IsDir() {
				names = append(names, path.Join(d, en.Name()))
			}
		}
	}
	return names
}

func TestUpload(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{}) // the test store takes at most 1 MB
	img, photo := pngBytes(t), jpegBytes(t)
	big := append(pngBytes(t), make([]byte, 3<<19)...) // 1.5 MB that starts as a PNG
	image := map[string]string{"type": "1"}
	typeField := formPart{name: "type", content: []byte("1")}
	tests := []struct {
		name       string
		body       body
		wantStatus int
		wantCode   int
	}{
		{"png", multipartBody(t, image, "cat.png", img), 200, 0},
		{"jpeg", multipartBody(t, image, "cat.JPG", photo), 200, 0},
		{"client path is ignored", multipartBody(t, image, "../../../etc/evil.png", img), 200, 0},
		{"extension not allowed", multipartBody(t, image, "cat.gif", img), 400, errcode.UploadTypeNotAllowed.Code()},
		{"no extension", multipartBody(t, image, "cat", img), 400, errcode.UploadTypeNotAllowed.Code()},
		{"text named png", multipartBody(t, image, "note.png", []byte("<script>alert(1)</script>")), 400, errcode.UploadTypeNotAllowed.Code()},
		{"png named jpg", multipartBody(t, image, "cat.jpg", img), 400, errcode.UploadTypeNotAllowed.Code()},
		{"empty file", multipartBody(t, image, "cat.png", nil), 400, errcode.UploadTypeNotAllowed.Code()},
		{"type after the file, as the book's curl sends it", multipartOf(t, formPart{"file", "cat.png", img}, typeField), 200, 0},
		{"over the size limit", multipartBody(t, image, "big.png", big), 413, errcode.UploadTooLarge.Code()},
		{"far over the size limit", multipartBody(t, image, "huge.png", append(pngBytes(t), make([]byte, 3<<20)...)), 413, errcode.UploadTooLarge.Code()},
		{"no file", multipartBody(t, image, "", nil), 400, errcode.InvalidParams.Code()},
		{"file field without a file name", multipartOf(t, typeField, formPart{name: "file", content: img}), 400, errcode.InvalidParams.Code()},
		{"no type", multipartBody(t, nil, "cat.png", img), 400, errcode.InvalidParams.Code()},
		{"wrong type", multipartBody(t, map[string]string{"type": "2"}, "cat.png", img), 400, errcode.InvalidParams.Code()},
		{"wrong type after the file", multipartOf(t, formPart{"file", "cat.png", img}, formPart{name: "type", content: []byte("2")}), 400, errcode.InvalidParams.Code()},
		{"two files", multipartOf(t, typeField, formPart{"file", "a.png", img}, formPart{"file", "b.png", img}), 400, errcode.InvalidParams.Code()},
		{"too many parts", multipartOf(t, typeField, typeField, typeField, typeField, typeField, typeField, typeField, typeField, formPart{"file", "a.png", img}), 400, errcode.InvalidParams.Code()},
		{"cut short", body{multipartBody(t, image, "cat.png", img).contentType, multipartBody(t, image, "cat.png", img).text[:200]}, 400, errcode.InvalidParams.Code()},
		{"not multipart", form("type=1"), 415, errcode.UnsupportedMediaType.Code()},
		{"type sent as a file", multipartOf(t, formPart{"type", "t.png", img}, formPart{"file", "cat.png", img}), 400, errcode.InvalidParams.Code()},
		{"a second type sent as a file", multipartOf(t, typeField, formPart{"type", "t.png", img}, formPart{"file", "cat.png", img}), 400, errcode.InvalidParams.Code()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.do(t, "POST", "/upload/file", tt.body, e.token)
			if rec.Code != tt.wantStatus {
				t.Fatalf("POST /upload/file = %d %s, want %d", rec.Code, rec.Body, tt.wantStatus)
			}
			if tt.wantStatus != 200 {
				if got := errorBody(t, rec).Code; got != tt.wantCode {
					t.Errorf("code %d, want %d (%s)", got, tt.wantCode, rec.Body)
				}
				return
			}
			url := decode[map[string]string](t, rec)["file_access_url"]
			name := strings.TrimPrefix(url, "http://example.test/static/")
			if name == url || strings.ContainsAny(name, `/\`) || strings.Contains(name, "cat") || strings.Contains(name, "evil") {
				t.Errorf("file_access_url = %q, want a server-chosen name under the static URL", url)
			}
			// The file is served back under /static as an image that browsers must not sniff.
			get := e.do(t, "GET", "/static/"+name, noBody, "")
			if get.Code != 200 || !strings.HasPrefix(get.Header().Get("Content-Type"), "image/") ||
				get.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("GET /static/%s = %d %v", name, get.Code, get.Header())
			}
		})
	}
	// Only the four accepted images are stored: no partial files, nothing outside the dir.
	if names := uploadDirFiles(t, e); len(names) != 4 {
		t.Errorf("upload directory holds %v, want the 4 accepted files", names)
	}
	if _, err := os.Stat(filepath.Join(e.uploads.Dir(), "..", "..", "..", "etc", "evil.png")); err == nil {
		t.Error("the client's path was used")
	}
}

func TestUploadNeedsToken(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	rec := e.do(t, "POST", "/upload/file", multipartBody(t, map[string]string{"type": "1"}, "cat.png", pngBytes(t)), "")
	if rec.Code != 401 {
		t.Errorf("upload without a token = %d, want 401", rec.Code)
	}
}

func TestStaticServesNoDirectoryListing(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	// Hidden files there are uploads still being received (older releases kept them beside
	// the stored files), and a file with a plain name in .parts is no more public.
	for _, name := range []string{".upload-1.part", ".parts/.upload-2.part", ".parts/x.png"} {
		if err := os.WriteFile(filepath.Join(e.uploads.Dir(), name), pngBytes(t), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range []string{"/static/", "/static//", "/static/../../go.mod", "/static/..", "/static/.upload-1.part",
		"/static/.parts", "/static/.parts/", "/static/.parts/.upload-2.part", "/static/.parts/x.png", "/static//.parts/x.png"} {
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.Path = path // raw, as a hostile client could send it
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code == 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Errorf("GET %s = %d %s %q, want a JSON error: no listing and no escape", path, rec.Code,
				rec.Header().Get("Content-Type"), rec.Body.String()[:min(80, rec.Body.Len())])
		}
	}
}

// The upload URL never comes from the request: a client choosing its Host header (or a
// proxy's forwarding headers) must not get a link to a host of its choosing.
func TestUploadURLIgnoresHost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, publicURL, wantPrefix string
	}{
		{"no App.UploadServerUrl: a path", "", "/static/"},
		{"App.UploadServerUrl", "https://cdn.example.com/static/", "https://cdn.example.com/static/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnvDeps(t, service.Options{}, func(d *Deps) { d.UploadURL = tt.publicURL })
			b := multipartBody(t, map[string]string{"type": "1"}, "cat.png", pngBytes(t))
			rec := e.send(t, "POST", "/upload/file", b.text, map[string]string{"Content-Type": b.contentType, "token": e.token,
				"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"})
			url := decode[map[string]string](t, rec)["file_access_url"]
			name, ok := strings.CutPrefix(url, tt.wantPrefix)
			if rec.Code != 200 || !ok || strings.Contains(url, "evil.example") || !regexp.MustCompile(`^[0-9a-f]{32}\.png$`).MatchString(name) {
				t.Errorf("file_access_url = %q (%d), want %s<name> and nothing of the Host header", url, rec.Code, tt.wantPrefix)
			}
		})
	}
}

// An oversized upload is 413 with code 20030003 whatever its size and however its body
// ends: the store's cap, the route's body cap, a declared length over the cap, a form
// whose fields or headers spend the file's allowance. Nothing is left on disk.
func TestUploadTooLargeIsOneCode(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{}) // 1 MB files
	image := map[string]string{"type": "1"}
	png := pngBytes(t)
	padded := func(n int) []byte { return append(append([]byte{}, png...), make([]byte, n-len(png))...) }
	hugeHeader := "--b\r\nContent-Disposition: form-data; name=\"type\"\r\nX-Pad: " + strings.Repeat("x", 512<<10) + "\r\n\r\n1\r\n--b--\r\n"
	endless := io.MultiReader(strings.NewReader("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n"), bytes.NewReader(png), zeros{})
	oneOver := multipartBody(t, image, "a.png", padded(1<<20+1))
	half := multipartBody(t, image, "a.png", padded(3<<19))
	six := multipartBody(t, image, "a.png", padded(6<<20))
	small := multipartBody(t, image, "a.png", png)
	longField := multipartBody(t, map[string]string{"type": "1", "x": strings.Repeat("x", 100<<10)}, "a.png", png)
	tests := []struct {
		name          string
		contentType   string
		body          io.Reader
		contentLength int64 // 0: the body's; -1: unknown, as a chunked body
	}{
		{"one byte over", oneOver.contentType, strings.NewReader(oneOver.text), 0},
		{"1.5 MB", half.contentType, strings.NewReader(half.text), 0},
		{"6 MB, unknown length", six.contentType, strings.NewReader(six.text), -1},
		{"500 MB declared", small.contentType, strings.NewReader(small.text), 500 << 20},
		{"endless body", "multipart/form-data; boundary=b", endless, -1},
		{"a 512 KB part header", "multipart/form-data; boundary=b", strings.NewReader(hugeHeader), -1},
		{"fields past the form allowance", longField.contentType, strings.NewReader(longField.text), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/upload/file", tt.body)
			if tt.contentLength != 0 {
				req.ContentLength = tt.contentLength
			}
			req.Header.Set("Content-Type", tt.contentType)
			req.Header.Set("token", e.token)
			rec := e.serve(t, req)
			if rec.Code != 413 || errorBody(t, rec).Code != errcode.UploadTooLarge.Code() {
				t.Errorf("POST /upload/file = %d %s, want 413 code %d", rec.Code, rec.Body, errcode.UploadTooLarge.Code())
			}
		})
	}
	if names := uploadDirFiles(t, e); len(names) != 0 {
		t.Errorf("refused uploads left %v", names)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// failingBody yields its text, then fails as the body of a client that went away does.
type failingBody struct{ r io.Reader }

func (f failingBody) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

// A client that goes away mid-file leaves nothing behind, not even the temporary file.
func TestUploadCutShortLeavesNothing(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, service.Options{})
	b := multipartBody(t, map[string]string{"type": "1"}, "a.png", append(pngBytes(t), make([]byte, 512<<10)...))
	req := httptest.NewRequest("POST", "/upload/file", failingBody{strings.NewReader(b.text[:300<<10])})
	req.ContentLength = int64(len(b.text))
	req.Header.Set("Content-Type", b.contentType)
	req.Header.Set("token", e.token)
	rec := e.serve(t, req)
	if rec.Code != 400 || errorBody(t, rec).Code != errcode.InvalidParams.Code() {
		t.Errorf("upload cut short = %d %s, want 400", rec.Code, rec.Body)
	}
	if names := uploadDirFiles(t, e); len(names) != 0 {
		t.Errorf("a cut-short upload left %v", names)
	}
}

// Below App.UploadMinFreeBytes (plus room for one file) uploads are refused with 507.
func TestUploadRefusedWhenDiskNearlyFull(t *testing.T) {
	t.Parallel()
	free := uint64(1 << 30)
	store, err := upload.NewStore(upload.Options{Dir: filepath.Join(t.TempDir(), "uploads"), MaxSize: 1 << 20,
		Exts: []string{".png"}, MinFree: 256 << 20, FreeSpace: func(string) (uint64, error) { return free, nil }})
	if err != nil {
		t.Fatal(err)
	}
	e := newTestEnv(t, service.Options{Uploads: store})
	b := multipartBody(t, map[string]string{"type": "1"}, "a.png", pngBytes(t))
	if rec := e.do(t, "POST", "/upload/file", b, e.token); rec.Code != 200 {
		t.Fatalf("with 1 GB free = %d %s, want 200", rec.Code, rec.Body)
	}
	free = 256<<20 + 1<<20 - 1 // one more file could eat into the floor
	rec := e.do(t, "POST", "/upload/file", b, e.token)
	if rec.Code != 507 || errorBody(t, rec).Code != errcode.UploadNoSpace.Code() {
		t.Errorf("with the disk at the floor = %d %s, want 507 code %d", rec.Code, rec.Body, errcode.UploadNoSpace.Code())
	}
	if names := uploadDirFiles(t, e); len(names) != 1 {
		t.Errorf("upload directory holds %v, want only the first upload", names)
	}
}

// The built-in Limiter.Rules hold each client to a burst of uploads, then 429.
func TestUploadIsRateLimitedByDefault(t *testing.T) {
	t.Parallel()
	cfg, err := setting.Load("", true, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var rule setting.LimitRule
	for _, r := range cfg.Limiter.Rules {
		if r.Path == "/upload/file" {
			rule = r
		}
	}
	if rule.Burst == 0 {
		t.Fatalf("the default Limiter.Rules %+v have none for /upload/file", cfg.Limiter.Rules)
	}
	e := newTestEnvDeps(t, service.Options{}, func(d *Deps) {
		d.RateLimits = middleware.RateLimits{PerClient: map[string]limiter.Limiter{"/upload/file": limiter.NewLocal(rule.Rate, rule.Burst)}}
	})
	b := multipartBody(t, map[string]string{"type": "1"}, "a.png", pngBytes(t))
	codes := map[int]int{}
	for range rule.Burst + 2 {
		codes[e.do(t, "POST", "/upload/file", b, e.token).Code]++
	}
	if codes[200] < rule.Burst || codes[429] == 0 {
		t.Errorf("%d quick uploads under the default rule %+v gave %v, want %d stored and the rest 429", rule.Burst+2, rule, codes, rule.Burst)
	}
}

// FuzzUpload sends arbitrary bodies as multipart uploads: never a 5xx, every error the
// envelope, and a file stays only when the answer is 200. `make fuzz` searches further.
func FuzzUpload(f *testing.F) {
	png := string(pngBytes(f))
	typeField := "--b\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\n1\r\n"
	file := "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n" + png + "\r\n"
	valid := typeField + file + "--b--\r\n"
	for _, seed := range []string{
		valid,
		file + typeField + "--b--\r\n",
		valid[:len(valid)/2],
		strings.Replace(valid, "a.png", "../a.png", 1),
		typeField + file + file + "--b--\r\n",
		typeField + "--b--\r\n",
		"--b\r\n\r\n--b--",
		"",
	} {
		f.Add(seed)
	}
	e := newTestEnv(f, service.Options{})
	f.Fuzz(func(t *testing.T, text string) {
		before := len(uploadDirFiles(t, e))
		rec := e.do(t, "POST", "/upload/file", body{"multipart/form-data; boundary=b", text}, e.token)
		if rec.Code >= 500 {
			t.Fatalf("POST /upload/file %q = %d %s", text, rec.Code, rec.Body)
		}
		want := before
		if rec.Code == 200 {
			want++
		} else {
			errorBody(t, rec)
		}
		if names := uploadDirFiles(t, e); len(names) != want {
			t.Fatalf("after a %d the upload directory holds %v, want %d files", rec.Code, names, want)
		}
	})
}
