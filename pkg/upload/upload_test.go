package upload

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func pngBytes(t testing.TB) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func newStore(t testing.TB) *Store {
	s, err := NewStore(filepath.Join(t.TempDir(), "uploads"), 64<<10, []string{".jpg", ".jpeg", ".PNG"})
	if err != nil {
		t.Fatal(err)
	}
	return s
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
			entries, _ := os.ReadDir(s.Dir())
			if tt.wantErr != nil {
				if len(entries) != 0 {
					t.Errorf("a failed upload left %d files", len(entries))
				}
				return
			}
			if !storedName.MatchString(name) || len(entries) != 1 || entries[0].Name() != name {
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
	if _, err := NewStore(dir, 1<<20, []string{".png"}); err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "not a directory") {
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
		s, err := NewStore(filepath.Join(root, "uploads"), 1<<20, []string{".png", ".jpg"})
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
