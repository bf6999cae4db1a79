package routers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
	swaggerfiles "github.com/swaggo/files/v2"
	ginSwagger "github.com/swaggo/gin-swagger"
	"golang.org/x/net/webdav"

	"github.com/go-programming-tour-book/blog-service/docs"
	"github.com/go-programming-tour-book/blog-service/internal/app"
	"github.com/go-programming-tour-book/blog-service/internal/errcode"
)

// swaggerHandler serves the Swagger UI and, at /swagger/doc.json, the spec in docs/.
func swaggerHandler() (gin.HandlerFunc, error) {
	doc, err := servedSpec()
	if err != nil {
		return nil, err
	}
	ui := ginSwagger.WrapHandler(swaggerUI())
	return func(c *gin.Context) {
		switch name := strings.TrimPrefix(c.Param("any"), "/"); {
		case name == "doc.json":
			c.Data(http.StatusOK, "application/json; charset=utf-8", doc)
		case name == "":
			redirect(c, "/swagger/index.html")
		case uiPage[name] || isUIFile(name):
			ui(c)
		default: // gin-swagger answers these with a plain-text 404
			app.Error(c, errcode.NotFound)
		}
	}, nil
}

// uiPage are the files gin-swagger renders itself rather than serving them from swaggerfiles.
var uiPage = map[string]bool{"index.html": true, "index.css": true, "swagger-initializer.js": true}

func isUIFile(name string) bool {
	f, err := swaggerfiles.FS.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	return err == nil && !st.IsDir()
}

// servedSpec is docs/swagger.json as the service serves it. swag's template writes
// `"host": ""` when no host is set, which no validator accepts; without a host, clients
// call the host that served the spec, which is what we want: the service cannot know the
// name its clients reach it by (the Host header is theirs to choose). It is rendered once
// per process: the spec is fixed at build time, and swag's ReadDoc writes to the
// registered docs.SwaggerInfo, so two routers built at once (as in tests) would race.
var servedSpec = sync.OnceValues(func() ([]byte, error) {
	var spec map[string]any
	if err := json.Unmarshal([]byte(docs.SwaggerInfo.ReadDoc()), &spec); err != nil {
		return nil, fmt.Errorf("read the generated spec: %w", err)
	}
	if host, _ := spec["host"].(string); host == "" {
		delete(spec, "host")
	}
	if schemes, _ := spec["schemes"].([]any); len(schemes) == 0 {
		delete(spec, "schemes")
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false) // served as JSON, never as HTML: keep <token> readable
	enc.SetIndent("", "    ")
	if err := enc.Encode(spec); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
})

// redirect answers 302 to location with no body: http.Redirect would add a line of HTML.
func redirect(c *gin.Context, location string) {
	c.Header("Location", location)
	c.AbortWithStatus(http.StatusFound)
}

// swaggerUI serves the Swagger UI's files to gin-swagger from swaggo/files/v2, which embeds
// them: swaggo/files v1 unpacked them into an 8.6 MB in-memory file system at start-up, in
// every process, raising both the master's and the workers' resident memory.
func swaggerUI() *webdav.Handler {
	return &webdav.Handler{FileSystem: readOnlyFS{http.FS(swaggerfiles.FS)}, LockSystem: webdav.NewMemLS()}
}

// readOnlyFS adapts an http.FileSystem to the webdav.FileSystem gin-swagger serves from.
type readOnlyFS struct{ fs http.FileSystem }

var errReadOnly = errors.New("swagger UI files are read-only")

func (r readOnlyFS) OpenFile(_ context.Context, name string, flag int, _ os.FileMode) (webdav.File, error) {
	if flag&(os.O_WRONLY|os.O_RDWR|os.O_CREATE|os.O_TRUNC|os.O_APPEND) != 0 {
		return nil, errReadOnly
	}
	f, err := r.fs.Open("/" + strings.TrimPrefix(name, "/"))
	if err != nil {
		return nil, err
	}
	return readOnlyFile{f}, nil
}

func (r readOnlyFS) Stat(ctx context.Context, name string) (fs.FileInfo, error) {
	f, err := r.OpenFile(ctx, name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Stat()
}

func (readOnlyFS) Mkdir(context.Context, string, os.FileMode) error { return errReadOnly }
func (readOnlyFS) RemoveAll(context.Context, string) error          { return errReadOnly }
func (readOnlyFS) Rename(context.Context, string, string) error     { return errReadOnly }

type readOnlyFile struct{ http.File }

func (readOnlyFile) Write([]byte) (int, error) { return 0, errReadOnly }
