// Package swaggerui serves the Swagger UI page for an OpenAPI spec. Its files are in dist/:
// the ones the page loads, copied by scripts/swagger-ui.sh from github.com/swaggo/files/v2
// (Swagger UI, Apache License 2.0, packaged under the MIT license in
// dist/LICENSE.swaggo-files), and swagger-initializer.js, ours. Embedding that module
// instead would put its source maps and unused bundles, 9 MB, in the binary; gin-swagger,
// which served them before, also links swag's Go source parser (1.5 MB) to read the spec.
package swaggerui

import (
	"embed"
	"io"
	"io/fs"
	"net/http"
	"strings"
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
		f, ok := file(name)
		if !ok {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		// ServeContent, not FileServer: FileServer redirects index.html to the bare
		// directory, and /swagger/index.html is the URL the README and links give.
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
	f, ok := file(name)
	if ok {
		f.Close()
	}
	return ok
}

// file opens one of the UI's files; ok is false for a name that is not one, or a directory.
func file(name string) (f io.ReadSeekCloser, ok bool) {
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
