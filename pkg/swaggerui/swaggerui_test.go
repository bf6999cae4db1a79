package swaggerui

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
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
	for _, path := range []string{"/swagger/swagger-ui.js.map", "/swagger/nope", "/swagger/../go.mod", "/swagger/dist/index.html", "/swagger/swagger-ui-bundle.js.gz"} {
		if rec := get(path); rec.Code != 404 {
			t.Errorf("GET %s = %d, want 404", path, rec.Code)
		}
		if name := strings.TrimPrefix(path, "/swagger/"); Serves(name) {
			t.Errorf("Serves(%q) = true, want false", name)
		}
	}
}

// serve answers one request to Handler at /swagger/name; header is "Key: value" pairs.
func serve(method, name string, header ...string) *httptest.ResponseRecorder {
	h := http.StripPrefix("/swagger", Handler([]byte(`{}`)))
	req := httptest.NewRequest(method, "/swagger/"+name, nil)
	for _, kv := range header {
		k, v, _ := strings.Cut(kv, ": ")
		req.Header.Add(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// originals reads testdata/dist.sha256, which scripts/swagger-ui.sh writes from the files
// as github.com/swaggo/files/v2 has them: name -> SHA-256.
func originals(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open("testdata/dist.sha256")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums := map[string]string{}
	for sc := bufio.NewScanner(f); sc.Scan(); {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok || len(sum) != 64 {
			t.Fatalf("testdata/dist.sha256: malformed line %q", sc.Text())
		}
		sums[name] = sum
	}
	if len(sums) < 5 {
		t.Fatalf("testdata/dist.sha256 lists %d files, want every file scripts/swagger-ui.sh copies", len(sums))
	}
	return sums
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func gunzipAll(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The large files are stored gzipped, so the binary carries 0.5 MB of them, not 1.8 MB.
func TestLargeFilesStoredGzipped(t *testing.T) {
	t.Parallel()
	gzipped := 0
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case strings.HasSuffix(name, ".gz"):
			gzipped++
		case info.Size() > 64<<10:
			t.Errorf("dist/%s is stored as it is, %d bytes: scripts/swagger-ui.sh should gzip it", name, info.Size())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if gzipped < 3 {
		t.Errorf("%d files stored gzipped, want the bundle, the preset and the CSS", gzipped)
	}
}

// Every file, asked for with and without gzip, by GET and HEAD: a client that accepts gzip
// gets the stored .gz as it is, any other the original, and both decode to the file as
// github.com/swaggo/files/v2 has it.
func TestEncodings(t *testing.T) {
	t.Parallel()
	for name, want := range originals(t) {
		stored, storedGzipped := []byte(nil), false
		if b, err := fs.ReadFile(files, name+".gz"); err == nil {
			stored, storedGzipped = b, true
		} else if stored, err = fs.ReadFile(files, name); err != nil {
			t.Errorf("dist/%s: %v", name, err)
			continue
		}
		var ctype string
		for _, ae := range []string{"", "gzip, deflate, br, zstd", "identity", "gzip;q=0, *"} {
			sendsGzip := storedGzipped && acceptsGzip([]string{ae})
			var hdr []string
			if ae != "" {
				hdr = []string{"Accept-Encoding: " + ae}
			}
			rec := serve("GET", name, hdr...)
			body := rec.Body.Bytes()
			what := fmt.Sprintf("GET %s, Accept-Encoding %q", name, ae)
			if rec.Code != 200 {
				t.Errorf("%s = %d, want 200", what, rec.Code)
				continue
			}
			if cl := rec.Header().Get("Content-Length"); cl != strconv.Itoa(len(body)) {
				t.Errorf("%s: Content-Length %q, body %d bytes", what, cl, len(body))
			}
			if ctype == "" {
				ctype = rec.Header().Get("Content-Type")
			} else if got := rec.Header().Get("Content-Type"); got != ctype {
				t.Errorf("%s: Content-Type %q, want %q as for the other encodings", what, got, ctype)
			}
			if vary := rec.Header().Values("Vary"); storedGzipped != (len(vary) == 1 && vary[0] == "Accept-Encoding") {
				t.Errorf("%s: Vary %q, want Accept-Encoding exactly when the file is stored gzipped (%v)", what, vary, storedGzipped)
			}
			switch ce := rec.Header().Get("Content-Encoding"); {
			case sendsGzip && ce != "gzip", !sendsGzip && ce != "":
				t.Errorf("%s: Content-Encoding %q, want gzip: %v", what, ce, sendsGzip)
			case sendsGzip && !bytes.Equal(body, stored):
				t.Errorf("%s: gzip body is not dist/%s.gz", what, name)
			case sendsGzip:
				body = gunzipAll(t, body)
			}
			if got := sha(body); got != want {
				t.Errorf("%s: decoded body (%d bytes) has SHA-256 %s, the original %s", what, len(body), got, want)
			}
			head := serve("HEAD", name, hdr...)
			if head.Code != 200 || head.Body.Len() != 0 || head.Header().Get("Content-Length") != rec.Header().Get("Content-Length") ||
				head.Header().Get("Content-Encoding") != rec.Header().Get("Content-Encoding") {
				t.Errorf("HEAD %s, Accept-Encoding %q = %d, %d bytes, Content-Length %q, Content-Encoding %q; want GET's headers, no body",
					name, ae, head.Code, head.Body.Len(), head.Header().Get("Content-Length"), head.Header().Get("Content-Encoding"))
			}
		}
	}
}

// Ranges are of what is sent: the gzip bytes to a client that accepts gzip, the original's
// to another.
func TestRanges(t *testing.T) {
	t.Parallel()
	const name = "swagger-ui-bundle.js"
	stored, err := fs.ReadFile(files, name+".gz")
	if err != nil {
		t.Fatal(err)
	}
	orig := gunzipAll(t, stored)
	if sha(orig) != originals(t)[name] {
		t.Fatalf("dist/%s.gz does not decompress to the original", name)
	}
	gz := "Accept-Encoding: gzip"
	for _, c := range []struct {
		hdr   []string
		rng   string
		first int
		last  int
		of    []byte
	}{
		{nil, "bytes=100-199", 100, 199, orig},
		{nil, "bytes=-10", len(orig) - 10, len(orig) - 1, orig},
		{nil, "bytes=700000-", 700000, len(orig) - 1, orig},
		{[]string{gz}, "bytes=100-199", 100, 199, stored},
		{[]string{gz}, "bytes=-10", len(stored) - 10, len(stored) - 1, stored},
	} {
		rec := serve("GET", name, append(c.hdr, "Range: "+c.rng)...)
		what := fmt.Sprintf("GET %s %v, Range %s", name, c.hdr, c.rng)
		wantCE := map[bool]string{true: "gzip"}[c.hdr != nil]
		if rec.Code != 206 || rec.Header().Get("Content-Encoding") != wantCE ||
			rec.Header().Get("Content-Range") != fmt.Sprintf("bytes %d-%d/%d", c.first, c.last, len(c.of)) ||
			rec.Header().Get("Content-Length") != strconv.Itoa(c.last-c.first+1) {
			t.Errorf("%s = %d, Content-Encoding %q, Content-Range %q, Content-Length %q; want 206, %q, bytes %d-%d/%d, %d",
				what, rec.Code, rec.Header().Get("Content-Encoding"), rec.Header().Get("Content-Range"), rec.Header().Get("Content-Length"),
				wantCE, c.first, c.last, len(c.of), c.last-c.first+1)
		} else if !bytes.Equal(rec.Body.Bytes(), c.of[c.first:c.last+1]) {
			t.Errorf("%s: body is not those bytes", what)
		}
	}

	// Several ranges: the original's in a multipart body, out of order (a seek back); to a
	// gzip client, the whole file, as a multipart body under Content-Encoding: gzip would
	// say the multipart body itself was compressed.
	rec := serve("GET", name, "Range: bytes=900000-900099,10-19")
	mt, params, err := mime.ParseMediaType(rec.Header().Get("Content-Type"))
	if rec.Code != 206 || err != nil || mt != "multipart/byteranges" {
		t.Fatalf("GET %s, two ranges = %d %q, want 206 multipart/byteranges", name, rec.Code, rec.Header().Get("Content-Type"))
	}
	if cl := rec.Header().Get("Content-Length"); cl != strconv.Itoa(rec.Body.Len()) {
		t.Errorf("GET %s, two ranges: Content-Length %q, body %d bytes", name, cl, rec.Body.Len())
	}
	mr := multipart.NewReader(rec.Body, params["boundary"])
	for _, want := range [][2]int{{900000, 900099}, {10, 19}} {
		part, err := mr.NextPart()
		if err != nil {
			t.Fatalf("GET %s, two ranges: %v", name, err)
		}
		got, _ := io.ReadAll(part)
		if !bytes.Equal(got, orig[want[0]:want[1]+1]) || part.Header.Get("Content-Range") != fmt.Sprintf("bytes %d-%d/%d", want[0], want[1], len(orig)) {
			t.Errorf("GET %s, two ranges: part %q is not bytes %d-%d", name, part.Header.Get("Content-Range"), want[0], want[1])
		}
	}
	if rec := serve("GET", name, gz, "Range: bytes=100-199,10-19"); rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), stored) ||
		rec.Header().Get("Content-Encoding") != "gzip" || rec.Header().Get("Content-Length") != strconv.Itoa(len(stored)) {
		t.Errorf("GET %s gzip, two ranges = %d, %d bytes, Content-Encoding %q, Content-Length %q; want 200 with all of dist/%s.gz",
			name, rec.Code, rec.Body.Len(), rec.Header().Get("Content-Encoding"), rec.Header().Get("Content-Length"), name)
	}

	// A range past the end is a 416 without Content-Encoding: its body is plain text.
	for _, hdr := range [][]string{nil, {gz}} {
		rec := serve("GET", name, append(hdr, "Range: bytes=99999999-")...)
		if rec.Code != 416 || rec.Header().Get("Content-Encoding") != "" {
			t.Errorf("GET %s %v, Range past the end = %d, Content-Encoding %q; want 416, none", name, hdr, rec.Code, rec.Header().Get("Content-Encoding"))
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		header []string
		want   bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{"gzip"}, true},
		{[]string{"GZip"}, true},
		{[]string{"x-gzip"}, true},
		{[]string{"gzip, deflate, br, zstd"}, true},
		{[]string{"br;q=1.0, gzip;q=0.8, *;q=0.1"}, true},
		{[]string{"deflate", "gzip"}, true},
		{[]string{"gzip ; q=0.001"}, true},
		{[]string{"identity"}, false},
		{[]string{"deflate, br"}, false},
		{[]string{"gzip;q=0"}, false},
		{[]string{"gzip; Q=0.000"}, false},
		{[]string{"*"}, true},
		{[]string{"*;q=0"}, false},
		{[]string{"gzip;q=0, *"}, false},
		{[]string{"*;q=0, gzip"}, true},
		{[]string{"gzip;q=abc"}, false},
		{[]string{"gzip;q=2"}, false},
		{[]string{"gzipped"}, false},
	} {
		if got := acceptsGzip(c.header); got != c.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", c.header, got, c.want)
		}
	}
}
