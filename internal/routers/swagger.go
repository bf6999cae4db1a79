package routers

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"strings"

	swaggerfiles "github.com/swaggo/files/v2"
	"golang.org/x/net/webdav"
)

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
