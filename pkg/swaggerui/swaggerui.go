// Package swaggerui serves the Swagger UI page for an OpenAPI spec. Its files are in dist/:
// the ones the page loads, copied by scripts/swagger-ui.sh from github.com/swaggo/files/v2
// (Swagger UI, Apache License 2.0, packaged under the MIT license in
// dist/LICENSE.swaggo-files), and swagger-initializer.js, ours. Embedding that module
// instead would put its source maps and unused bundles, 9 MB, in the binary; gin-swagger,
// which served them before, also links swag's Go source parser (1.5 MB) to read the spec.
//
// The large text files are stored gzip-compressed, dist/NAME.gz for NAME (1.8 MB of
// JavaScript and CSS in 0.5 MB of binary). NAME.gz goes as it is, with Content-Encoding:
// gzip, to a client whose Accept-Encoding allows gzip (every browser); any other client
// gets NAME, decompressed once and kept. Either way Vary: Accept-Encoding tells caches the response
// depends on that header. NAME.gz is not served under its own name.
package swaggerui

import (
	"bytes"
	"compress/gzip"
	"embed"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed dist
var dist embed.FS

// files is dist/ itself: names are the page's relative URLs.
var files, _ = fs.Sub(dist, "dist")

// Handler serves the UI at index.html (and at the bare prefix) and spec, a JSON document,
// at doc.json; any other name is a plain-text 404 (see Serves). Mount it with the prefix
// stripped: http.StripPrefix("/swagger", h).
func Handler(spec []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		switch name {
		case "doc.json":
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			_, _ = w.Write(spec) // a client that left mid-body is nothing to act on
			return
		case "":
			name = "index.html"
		}
		f, gzipped, ok := file(name)
		if !ok {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		// ServeContent, not FileServer: FileServer redirects index.html to the bare
		// directory, and /swagger/index.html is the URL the README and links give.
		if !gzipped {
			http.ServeContent(w, r, name, time.Time{}, f)
			return
		}
		h := w.Header()
		h.Add("Vary", "Accept-Encoding")
		if !acceptsGzip(r.Header.Values("Accept-Encoding")) {
			content, err := plain(name, f)
			if err != nil {
				http.Error(w, "swaggerui: "+name+".gz: "+err.Error(), http.StatusInternalServerError)
				return
			}
			http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(content))
			return
		}
		size, err := f.Seek(0, io.SeekEnd)
		if err == nil {
			_, err = f.Seek(0, io.SeekStart)
		}
		if err != nil {
			http.Error(w, "swaggerui: "+name+".gz: "+err.Error(), http.StatusInternalServerError)
			return
		}
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = "application/octet-stream" // ServeContent would sniff the gzip bytes
		}
		h.Set("Content-Type", ctype)
		h.Set("Content-Encoding", "gzip")
		// ServeContent leaves Content-Length to the caller when Content-Encoding is set,
		// except for a range, whose length it sets itself; on an error it drops both.
		h.Set("Content-Length", strconv.FormatInt(size, 10))
		if strings.Contains(r.Header.Get("Range"), ",") {
			// Several ranges would be a multipart body under a Content-Encoding that is
			// not its own; a server may ignore Range, and this one sends the whole file.
			r = r.Clone(r.Context())
			r.Header.Del("Range")
		}
		http.ServeContent(w, r, name, time.Time{}, f)
	})
}

// Serves reports whether Handler answers name (the path below its prefix, without the
// leading slash) with the page, a file of the UI or the spec, so a service with its own
// 404 (a JSON error, say) can answer the other names itself.
func Serves(name string) bool {
	if name == "" || name == "doc.json" {
		return true
	}
	f, _, ok := file(name)
	if ok {
		f.Close()
	}
	return ok
}

// file opens one of the UI's files as stored: name itself or, gzipped, name.gz. ok is false
// for a name that is not one of the UI's files, a directory, or a stored name.gz.
func file(name string) (f io.ReadSeekCloser, gzipped, ok bool) {
	if strings.HasSuffix(name, ".gz") {
		return nil, false, false
	}
	if f, ok = open(name); ok {
		return f, false, true
	}
	if f, ok = open(name + ".gz"); ok {
		return f, true, true
	}
	return nil, false, false
}

// open opens a file in dist/; ok is false for a name that is not one, or a directory.
func open(name string) (f io.ReadSeekCloser, ok bool) {
	opened, err := files.Open(name)
	if err != nil {
		return nil, false
	}
	f, ok = opened.(io.ReadSeekCloser) // every embedded file is; a directory is not
	if !ok {
		opened.Close()
	}
	return f, ok
}

// acceptsGzip reports whether the Accept-Encoding header values allow gzip (RFC 9110,
// section 12.5.3): gzip, x-gzip or *, with a weight other than 0, where gzip or x-gzip
// named outright overrides *. No header at all is identity only: RFC 9110 would allow any
// coding, but clients that send none (curl, scripts) expect the file as it is.
func acceptsGzip(values []string) bool {
	named, star := 0, 0 // 0 not listed, 1 refused (q=0), 2 accepted
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(item, ";")
			var state *int
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip", "x-gzip":
				state = &named
			case "*":
				state = &star
			default:
				continue
			}
			accepted, valid := weightAccepts(params)
			switch {
			case !valid: // a malformed entry says nothing
			case accepted:
				*state = 2
			case *state == 0:
				*state = 1
			}
		}
	}
	if named != 0 {
		return named == 2
	}
	return star == 2
}

// weightAccepts reads an Accept-Encoding entry's parameters (what follows the coding's
// first ";"): accepted is false for q=0, and valid false for a q that is not a number.
func weightAccepts(params string) (accepted, valid bool) {
	for _, p := range strings.Split(params, ";") {
		key, value, _ := strings.Cut(strings.TrimSpace(p), "=")
		if !strings.EqualFold(strings.TrimSpace(key), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || q < 0 || q > 1 {
			return false, false
		}
		return q > 0, true
	}
	return true, true
}

// plainCopies holds the decompressed files, name to []byte, each made on the first request
// that does not accept gzip and kept: a flood of such requests then costs no more memory
// than one, 1.8 MB in all.
var plainCopies sync.Map

// plain returns the file stored gzipped in f, decompressed.
func plain(name string, f io.Reader) ([]byte, error) {
	if b, ok := plainCopies.Load(name); ok {
		return b.([]byte), nil
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	plainCopies.Store(name, b)
	return b, nil
}
