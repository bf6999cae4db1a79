// Package upload stores uploaded images safely: the extension must be allowed and match
// the sniffed content, the size is capped while reading, the stored name is chosen here
// (never the client's path, so no traversal and no overwrite), and a failed upload leaves
// no partial file behind.
package upload

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/go-programming-tour-book/blog-service/pkg/writable"
)

// Errors a caller maps to client errors.
var (
	ErrExtNotAllowed = errors.New("file extension not allowed")
	ErrContentType   = errors.New("file content does not match an allowed image type")
	ErrTooLarge      = errors.New("file too large")
)

// contentTypes are the sniffed types each image extension must have.
var contentTypes = map[string]string{
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".png":  "image/png",
	".gif":  "image/gif",
	".webp": "image/webp",
	".bmp":  "image/bmp",
}

// Store saves images into one directory.
type Store struct {
	dir     string
	maxSize int64
	exts    map[string]bool
}

// NewStore returns a Store writing into dir (created if missing) files of at most maxSize
// bytes whose extension is in exts (".png", case-insensitive) and whose content is an image.
// A directory it cannot write is an error now, not at the first upload.
func NewStore(dir string, maxSize int64, exts []string) (*Store, error) {
	if err := writable.Dir(dir); err != nil {
		return nil, err
	}
	s := &Store{dir: dir, maxSize: maxSize, exts: map[string]bool{}}
	for _, e := range exts {
		s.exts[strings.ToLower(e)] = true
	}
	return s, nil
}

// Exts lists the allowed extensions, sorted.
func (s *Store) Exts() []string {
	exts := make([]string, 0, len(s.exts))
	for e := range s.exts {
		exts = append(exts, e)
	}
	slices.Sort(exts)
	return exts
}

// Dir is the directory files are stored in.
func (s *Store) Dir() string { return s.dir }

// MaxSize is the largest file the store accepts, in bytes.
func (s *Store) MaxSize() int64 { return s.maxSize }

// Ext returns the lower-cased extension of a client's file name if it is allowed.
func (s *Store) Ext(clientName string) (string, error) {
	// Only the extension of the client's name is used; its directories and base are not.
	ext := strings.ToLower(filepath.Ext(strings.ReplaceAll(clientName, "\\", "/")))
	if !s.exts[ext] || contentTypes[ext] == "" {
		return "", fmt.Errorf("%w: %q", ErrExtNotAllowed, ext)
	}
	return ext, nil
}

// SaveImage stores the image read from r, whose client-side name was clientName, and
// returns the name it is stored under.
func (s *Store) SaveImage(r io.Reader, clientName string) (string, error) {
	ext, err := s.Ext(clientName)
	if err != nil {
		return "", err
	}
	head := make([]byte, 512) // what http.DetectContentType reads
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read upload: %w", err)
	}
	head = head[:n]
	if got := http.DetectContentType(head); got != contentTypes[ext] {
		return "", fmt.Errorf("%w: %s content in a %s file", ErrContentType, got, ext)
	}
	name := randomName() + ext
	// Write beside the final name, then rename: readers never see a partial file, and
	// O_EXCL refuses to reuse any existing path.
	tmp, err := os.OpenFile(filepath.Join(s.dir, "."+name+".part"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", fmt.Errorf("create upload: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	written, err := io.Copy(tmp, io.LimitReader(io.MultiReader(bytes.NewReader(head), r), s.maxSize+1))
	if err != nil {
		return "", fmt.Errorf("write upload: %w", err)
	}
	if written > s.maxSize {
		return "", fmt.Errorf("%w: over %d bytes", ErrTooLarge, s.maxSize)
	}
	if err := tmp.Sync(); err != nil {
		return "", fmt.Errorf("sync upload: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("close upload: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(s.dir, name)); err != nil {
		return "", fmt.Errorf("store upload: %w", err)
	}
	ok = true
	return name, nil
}

// randomName is 128 random bits: unguessable, and never equal to another upload's name.
func randomName() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
