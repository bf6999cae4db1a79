package upload

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

func pngBytes(t testing.TB) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func newStore(t testing.TB) *Store {
	s, err := NewStore(Options{Dir: filepath.Join(t.TempDir(), "uploads"), MaxSize: 64 << 10, Exts: []string{".jpg", ".jpeg", ".PNG"}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// files lists the files in a store's directory and in its parts directory (as
// ".parts/name"), sorted.
func files(t testing.TB, dir string) []string {
	t.Helper()
	var names []string
	for _, d := range []string{"", partsDir} {
		entries, err := os.ReadDir(filepath.Join(dir, d))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !e.IsDir() {
				names = append(names, path.Join(d, e.Name()))
			}
		}
	}
	return names
}

var storedName = regexp.MustCompile(`^[0-9a-f]{32}\.(png|jpg|jpeg)$`)

func TestSaveImage(t *testing.T) {
	img := pngBytes(t)
	tests := []struct {
		name, clientName string
		content          []byte
		wantErr          error
	}{
		{"png", "a.png", img, nil},
		{"upper-case extension", "A.PNG", img, nil},
		{"windows path", `C:\Users\me\a.png`, img, nil},
		{"traversal", "../../a.png", img, nil},
		{"not allowed", "a.gif", img, ErrExtNotAllowed},
		{"name that is only an extension", ".png", img, nil},
		{"content mismatch", "a.jpg", img, ErrContentType},
		{"html", "a.png", []byte("<html><script>x</script>"), ErrContentType},
		{"too large", "a.png", append(img, make([]byte, 64<<10)...), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			name, err := s.SaveImage(bytes.NewReader(tt.content), tt.clientName)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("SaveImage(%q) = %q, %v; want %v", tt.clientName, name, err, tt.wantErr)
			}
			entries := files(t, s.Dir())
			if tt.wantErr != nil {
				if len(entries) != 0 {
					t.Errorf("a failed upload left %d files", len(entries))
				}
				return
			}
			if !storedName.MatchString(name) || len(entries) != 1 || entries[0] != name {
				t.Errorf("stored as %q (dir holds %v), want one random hex name with the extension", name, entries)
			}
			if got, _ := os.ReadFile(filepath.Join(s.Dir(), name)); !bytes.Equal(got, tt.content) {
				t.Error("stored content differs from the upload")
			}
		})
	}
}

func TestNamesNeverRepeat(t *testing.T) {
	s := newStore(t)
	img := pngBytes(t)
	seen := map[string]bool{}
	for range 50 {
		name, err := s.SaveImage(bytes.NewReader(img), "same.png")
		if err != nil || seen[name] {
			t.Fatalf("SaveImage = %q, %v (seen before: %v)", name, err, seen[name])
		}
		seen[name] = true
	}
}

// A directory the store cannot write fails NewStore, naming it, not the first upload.
func TestNewStoreRefusesUnwritableDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(file, "uploads")
	if _, err := NewStore(Options{Dir: dir, MaxSize: 1 << 20, Exts: []string{".png"}}); err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("NewStore(%s) = %v, want an error naming it and saying \"not a directory\"", dir, err)
	}
}

// FuzzSaveImage: whatever name and content a client sends, the store either refuses it
// or writes exactly one file, named by the server, inside its directory.
func FuzzSaveImage(f *testing.F) {
	img := pngBytes(f)
	for _, name := range []string{"a.png", "../a.png", "/etc/passwd", `..\..\a.jpg`, "a.png\x00.jpg", "a.PnG", "", ".", "a.png/"} {
		f.Add(name, img)
	}
	f.Add("a.jpg", []byte("\xff\xd8\xff"))
	f.Fuzz(func(t *testing.T, clientName string, content []byte) {
		root := t.TempDir()
		s, err := NewStore(Options{Dir: filepath.Join(root, "uploads"), MaxSize: 1 << 20, Exts: []string{".png", ".jpg"}})
		if err != nil {
			t.Fatal(err)
		}
		name, err := s.SaveImage(bytes.NewReader(content), clientName)
		var files []string
		filepath.WalkDir(root, func(p string, d os.DirEntry, _ error) error {
			if d != nil && !d.IsDir() {
				files = append(files, strings.TrimPrefix(p, root))
			}
			return nil
		})
		if err != nil {
			if len(files) != 0 {
				t.Errorf("refused %q but left %v", clientName, files)
			}
			return
		}
		if !storedName.MatchString(name) || len(files) != 1 || files[0] != "/uploads/"+name {
			t.Errorf("stored %q as %q; files %v", clientName, name, files)
		}
	})
}

// failAfter yields n bytes of r, then fails as a body whose client went away does.
type failAfter struct {
	r   io.Reader
	n   int
	err error
}

func (f *failAfter) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, f.err
	}
	p = p[:min(len(p), f.n)]
	n, err := f.r.Read(p)
	f.n -= n
	return n, err
}

func TestCutShortLeavesNothing(t *testing.T) {
	for _, at := range []int{10, 600, 40 << 10} { // inside the sniffed head, and past it
		t.Run(fmt.Sprint(at), func(t *testing.T) {
			s := newStore(t)
			body := &failAfter{r: bytes.NewReader(append(pngBytes(t), make([]byte, 60<<10)...)), n: at, err: io.ErrUnexpectedEOF}
			name, err := s.SaveImage(body, "a.png")
			if !errors.Is(err, ErrRead) || !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("SaveImage of a body cut at %d = %q, %v; want ErrRead wrapping the reader's error", at, name, err)
			}
			if entries := files(t, s.Dir()); len(entries) != 0 {
				t.Errorf("a cut-short upload left %v", entries)
			}
		})
	}
}

func TestPendingIsInvisibleUntilKept(t *testing.T) {
	s := newStore(t)
	img := pngBytes(t)
	p, err := s.Receive(bytes.NewReader(img), "a.png")
	if err != nil {
		t.Fatal(err)
	}
	entries := files(t, s.Dir())
	if len(entries) != 1 || !strings.HasPrefix(entries[0], partsDir+"/.") || p.Size() != int64(len(img)) {
		t.Fatalf("while pending the directory holds %v (size %d), want one hidden temporary file in %s", entries, p.Size(), partsDir)
	}
	name, err := p.Keep()
	if err != nil {
		t.Fatal(err)
	}
	p.Discard() // after Keep: must not remove the kept file
	if entries := files(t, s.Dir()); len(entries) != 1 || entries[0] != name {
		t.Errorf("after Keep the directory holds %v, want just %s", entries, name)
	}

	discarded, err := s.Receive(bytes.NewReader(img), "b.png")
	if err != nil {
		t.Fatal(err)
	}
	discarded.Discard()
	if entries := files(t, s.Dir()); len(entries) != 1 {
		t.Errorf("after Discard the directory holds %v, want only the kept file", entries)
	}
}

func TestFreeSpaceFloor(t *testing.T) {
	const maxSize, minFree = 64 << 10, 1 << 20
	tests := []struct {
		name    string
		free    uint64
		err     error
		wantErr error
	}{
		{"plenty", 1 << 40, nil, nil},
		{"room for one more file", minFree + maxSize, nil, nil},
		{"one file would cross the floor", minFree + maxSize - 1, nil, ErrNoSpace},
		{"nearly full", 4096, nil, ErrNoSpace},
		{"statfs fails", 0, os.ErrPermission, os.ErrPermission},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "uploads")
			var asked string
			s, err := NewStore(Options{Dir: dir, MaxSize: maxSize, Exts: []string{".png"}, MinFree: minFree,
				FreeSpace: func(d string) (uint64, error) { asked = d; return tt.free, tt.err }})
			if err != nil {
				t.Fatal(err)
			}
			name, err := s.SaveImage(bytes.NewReader(pngBytes(t)), "a.png")
			if !errors.Is(err, tt.wantErr) || asked != dir {
				t.Fatalf("SaveImage with %d bytes free = %q, %v (asked about %q); want %v", tt.free, name, err, asked, tt.wantErr)
			}
			if entries := files(t, dir); tt.wantErr != nil && len(entries) != 0 {
				t.Errorf("a refused upload left %v", entries)
			}
		})
	}
}

// The operating system's answer is used when no FreeSpace is given.
func TestDiskFree(t *testing.T) {
	free, err := diskFree(t.TempDir())
	if err != nil || free == 0 {
		t.Errorf("diskFree(temp dir) = %d, %v; want some free bytes", free, err)
	}
}

// Receive streams: storing 4 MiB allocates a small, fixed amount, not the file.
func TestReceiveStreams(t *testing.T) {
	s, err := NewStore(Options{Dir: t.TempDir(), MaxSize: 8 << 20, Exts: []string{".png"}})
	if err != nil {
		t.Fatal(err)
	}
	body := io.MultiReader(bytes.NewReader(pngBytes(t)), io.LimitReader(zeros{}, 4<<20))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := s.SaveImage(body, "big.png"); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > 256<<10 {
		t.Errorf("storing 4 MiB allocated %d bytes, want under 256 KiB", got)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// Sweep removes the part files nobody holds once they are SweepAge old, and nothing else:
// not a part a Pending holds, however old, nor a fresh one, nor a stored image, nor a link
// or a directory with a part's name. Its first call also removes the part files releases
// before this one left among the stored files.
func TestSweepRemovesOnlyAbandonedParts(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" && runtime.GOOS != "freebsd" {
		t.Skip("part files are locked with flock")
	}
	s := newStore(t)
	img := pngBytes(t)
	kept, err := s.SaveImage(bytes.NewReader(img), "kept.png")
	if err != nil {
		t.Fatal(err)
	}
	held, err := s.Receive(bytes.NewReader(img), "held.png")
	if err != nil {
		t.Fatal(err)
	}
	parts := filepath.Join(s.Dir(), partsDir)
	abandoned := filepath.Join(parts, ".upload-dead.part")
	legacy := filepath.Join(s.Dir(), ".upload-legacy.part")
	fresh := filepath.Join(parts, ".upload-fresh.part")
	outside := filepath.Join(t.TempDir(), "outside.png")
	for _, p := range []string{abandoned, legacy, fresh, outside} {
		if err := os.WriteFile(p, img, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	link := filepath.Join(parts, ".upload-link.part")
	dir := filepath.Join(parts, ".upload-dir.part")
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-SweepAge - time.Second)
	for _, p := range []string{abandoned, legacy, held.path, filepath.Join(s.Dir(), kept), outside, dir} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	swept, err := s.Sweep()
	if err != nil || swept.Removed != 2 || len(swept.Stuck) != 0 {
		t.Fatalf("Sweep = %+v, %v; want 2 removed", swept, err)
	}
	for _, p := range []string{abandoned, legacy} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("the abandoned part %s is still there (%v)", p, err)
		}
	}
	for _, p := range []string{fresh, held.path, filepath.Join(s.Dir(), kept), outside, link, dir} {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(p), err)
		}
	}
	if _, err := held.Keep(); err != nil {
		t.Fatalf("Keep after the sweep: %v", err)
	}
}

// A part file of an earlier release (among the stored files) that its worker still holds
// is removed by a later Sweep once that worker has died; once none is left, Sweep stops
// listing the stored files.
func TestSweepFollowsEarlierReleasesPartsUntilNoneIsLeft(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" && runtime.GOOS != "freebsd" {
		t.Skip("part files are locked with flock")
	}
	s := newStore(t)
	legacy := filepath.Join(s.Dir(), ".upload-old-worker.part")
	f, err := os.Create(legacy)
	if err != nil {
		t.Fatal(err)
	}
	lockPart(f) // as the old worker would hold it, had it locked; it is a minute old
	old := time.Now().Add(-SweepAge - time.Second)
	if err := os.Chtimes(legacy, old, old); err != nil {
		t.Fatal(err)
	}
	if swept, err := s.Sweep(); err != nil || swept.Removed != 0 {
		t.Fatalf("Sweep while the part is held = %+v, %v", swept, err)
	}
	f.Close() // the old worker dies
	if swept, err := s.Sweep(); err != nil || swept.Removed != 1 {
		t.Fatalf("Sweep after its holder died = %+v, %v; want 1 removed", swept, err)
	}
	if err := os.WriteFile(legacy, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(legacy, old, old); err != nil {
		t.Fatal(err)
	}
	if swept, err := s.Sweep(); err != nil || swept.Removed != 0 {
		t.Errorf("Sweep once no earlier release's part was left = %+v, %v; want the stored files left unread", swept, err)
	}
}
