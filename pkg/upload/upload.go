// Package upload stores uploaded images safely: the extension must be allowed and match
// the sniffed content, the size is capped while reading, the stored name is chosen here
// (never the client's path, so no traversal and no overwrite), a failed upload leaves no
// partial file behind, and nothing is written while the disk is nearly full.
package upload

import (
	"bytes"
	"cmp"
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
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-programming-tour-book/blog-service/pkg/writable"
)

// Errors a caller maps to client errors.
var (
	ErrExtNotAllowed = errors.New("file extension not allowed")
	ErrContentType   = errors.New("file content does not match an allowed image type")
	ErrTooLarge      = errors.New("file too large")
	// ErrNoSpace: the disk is too full to take the file.
	ErrNoSpace = errors.New("not enough free space for uploads")
	// ErrRead: the upload itself could not be read (the client's body was cut short or
	// failed), as opposed to a failure to store it. The reader's error is wrapped too.
	ErrRead = errors.New("read upload")
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

// Options configure a Store.
type Options struct {
	Dir     string   // created if missing
	MaxSize int64    // the largest file, in bytes
	Exts    []string // allowed extensions, like ".png" (case-insensitive)
	// MinFree is the free space, in bytes, the file system holding Dir must keep: an
	// upload is refused when one of MaxSize could leave less.
	MinFree int64
	// FreeSpace reports the bytes free for unprivileged writers on the file system
	// holding dir; nil means the operating system's answer (statfs).
	FreeSpace func(dir string) (uint64, error)
}

// Store saves images into one directory.
type Store struct {
	dir, parts string // parts: partsDir in dir
	maxSize    int64
	exts       map[string]bool
	minFree    int64
	freeSpace  func(string) (uint64, error)
	// legacySwept: a Sweep found no part file in dir itself (see Sweep).
	legacySwept atomic.Bool
}

// NewStore returns a Store configured by o.
func NewStore(o Options) (*Store, error) {
	// A directory it cannot write is an error now, not at the first upload.
	parts := filepath.Join(o.Dir, partsDir)
	for _, dir := range []string{o.Dir, parts} {
		if err := writable.Dir(dir); err != nil {
			return nil, err
		}
	}
	s := &Store{dir: o.Dir, parts: parts, maxSize: o.MaxSize, exts: map[string]bool{}, minFree: max(o.MinFree, 0), freeSpace: o.FreeSpace}
	if s.freeSpace == nil {
		s.freeSpace = diskFree
	}
	for _, e := range o.Exts {
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
// returns the name it is stored under: Receive, then Keep.
func (s *Store) SaveImage(r io.Reader, clientName string) (string, error) {
	p, err := s.Receive(r, clientName)
	if err != nil {
		return "", err
	}
	name, err := p.Keep()
	if err != nil {
		p.Discard()
		return "", err
	}
	return name, nil
}

// Receive streams the image read from r, whose client-side name was clientName, into a
// temporary file in the store's directory: memory use does not grow with the file. The
// file takes its name only on Keep, so a caller can still refuse the rest of the request;
// on error nothing is left behind.
func (s *Store) Receive(r io.Reader, clientName string) (*Pending, error) {
	ext, err := s.Ext(clientName)
	if err != nil {
		return nil, err
	}
	if err := s.checkSpace(); err != nil {
		return nil, err
	}
	src := &readErr{r: r}
	head := make([]byte, 512) // what http.DetectContentType reads
	n, _ := io.ReadFull(src, head)
	if src.err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRead, src.err)
	}
	head = head[:n]
	if got := http.DetectContentType(head); got != contentTypes[ext] {
		return nil, fmt.Errorf("%w: %s content in a %s file", ErrContentType, got, ext)
	}
	// In partsDir, beside the final name: the same file system, so the rename is atomic.
	tmp, err := os.CreateTemp(s.parts, partPattern)
	if err != nil {
		return nil, fmt.Errorf("create upload: %w", err)
	}
	lockPart(tmp) // held open until Keep or Discard, so Sweep can tell it from a dead one
	p := &Pending{f: tmp, path: tmp.Name(), name: randomName() + ext, dir: s.dir}
	ok := false
	defer func() {
		if !ok {
			p.Discard()
		}
	}()
	written, err := io.Copy(tmp, io.LimitReader(io.MultiReader(bytes.NewReader(head), src), s.maxSize+1))
	switch {
	case src.err != nil:
		return nil, fmt.Errorf("%w: %w", ErrRead, src.err)
	case errors.Is(err, syscall.ENOSPC):
		return nil, fmt.Errorf("%w: %w", ErrNoSpace, err)
	case err != nil:
		return nil, fmt.Errorf("write upload: %w", err)
	case written > s.maxSize:
		return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, s.maxSize)
	}
	if err := tmp.Sync(); err != nil {
		return nil, fmt.Errorf("sync upload: %w", err)
	}
	p.size = written
	ok = true
	return p, nil
}

// checkSpace refuses an upload that could take the free space below the floor.
func (s *Store) checkSpace() error {
	free, err := s.freeSpace(s.dir)
	if err != nil {
		return fmt.Errorf("free space in %s: %w", s.dir, err)
	}
	if need := uint64(s.minFree) + uint64(s.maxSize); free < need {
		return fmt.Errorf("%w: %d bytes free, %d needed", ErrNoSpace, free, need)
	}
	return nil
}

// Pending is a received image in a temporary file, not yet under its name.
type Pending struct {
	f               *os.File // open, so its lock holds
	path, name, dir string
	size            int64
}

// Size is the file's length in bytes.
func (p *Pending) Size() int64 { return p.size }

// Keep renames the file into place and returns the name it is stored under.
func (p *Pending) Keep() (string, error) {
	if err := os.Rename(p.path, filepath.Join(p.dir, p.name)); err != nil {
		return "", fmt.Errorf("store upload: %w", err)
	}
	p.path = ""
	// Synced already: closing can no longer lose data.
	_ = p.f.Close()
	return p.name, nil
}

// Discard removes the temporary file; after Keep it does nothing.
func (p *Pending) Discard() {
	if p.path != "" {
		os.Remove(p.path)
		p.path = ""
		_ = p.f.Close()
	}
}

// partsDir holds the temporary files of uploads being received, beside the stored files
// (the same file system, so Keep's rename is atomic) but apart from them, so that Sweep
// lists a few files, not every image. It is a dot-name: /static serves none.
const partsDir = ".parts"

// partPattern names the temporary files of uploads being received.
const partPattern = ".upload-*.part"

// SweepAge is how long Sweep leaves a part file alone after its last write, whoever holds
// it: the moment between its creation and its lock, and the uploads of a release before
// the locks, which write without pause (Server.ReadTimeout bounds a stalled body).
const SweepAge = time.Minute

// Swept is what one Sweep did.
type Swept struct {
	Removed int
	// Stuck are abandoned part files it could not open or remove (their owner or
	// permissions changed by hand, say): they stay until someone removes them.
	Stuck []string
}

// Sweep removes the temporary files that uploads left when their process died (a SIGKILL,
// an OOM kill, a power cut). A file a live process holds (another worker's, during an
// upgrade) or written in the last SweepAge is left alone. Until it has found none, it also
// looks for the part files of releases before this one, which kept them among the stored
// files: those of an old worker still receiving during the upgrade, until it ends.
func (s *Store) Sweep() (Swept, error) {
	var swept Swept
	_, err := s.sweepDir(s.parts, &swept)
	if !s.legacySwept.Load() {
		left, e := s.sweepDir(s.dir, &swept)
		s.legacySwept.Store(e == nil && left == 0)
		err = cmp.Or(err, e)
	}
	return swept, err
}

// sweepDir sweeps the part files in dir and returns how many it left there.
func (s *Store) sweepDir(dir string, swept *Swept) (left int, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("sweep %s: %w", dir, err)
	}
	for _, e := range entries {
		if ok, _ := filepath.Match(partPattern, e.Name()); !ok || !e.Type().IsRegular() {
			continue // not a part file; a symbolic link or a directory is no upload's
		}
		left++
		path := filepath.Join(dir, e.Name())
		info, err := e.Info()
		if err != nil || time.Since(info.ModTime()) < SweepAge {
			continue
		}
		if held, err := held(path); err != nil {
			swept.Stuck = append(swept.Stuck, path)
		} else if !held {
			if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
				swept.Stuck = append(swept.Stuck, path)
			} else if err == nil {
				swept.Removed++
				left--
			}
		}
	}
	return left, nil
}

// readErr remembers its reader's first error other than io.EOF, so that a body cut short
// is told apart from a disk that failed.
type readErr struct {
	r   io.Reader
	err error
}

func (e *readErr) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

// randomName is 128 random bits: unguessable, and never equal to another upload's name.
func randomName() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
