package writable

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDirCreatesAndLeavesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	if err := Dir(dir); err != nil {
		t.Fatal(err)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Errorf("%s holds %v (%v) after the check, want an empty directory", dir, entries, err)
	}
}

func TestDirUnderAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{file, filepath.Join(file, "sub")} {
		if err := Dir(dir); err == nil || !strings.Contains(err.Error(), "not a directory") || !strings.Contains(err.Error(), dir) {
			t.Errorf("Dir(%s) = %v, want an error naming it and saying \"not a directory\"", dir, err)
		}
	}
}

func TestDirReadOnly(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes into a read-only directory")
	}
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	for _, d := range []string{dir, filepath.Join(dir, "sub")} {
		if err := Dir(d); err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("Dir(%s) = %v, want permission denied", d, err)
		}
	}
}
