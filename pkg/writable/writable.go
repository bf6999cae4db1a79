// Package writable checks at start-up that a directory the service writes to can be
// written, so a bad path or a missing permission fails start-up at once, naming the
// directory and the cause, rather than at the first write.
package writable

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Dir creates dir if it is missing and checks that this process can create files in it.
// The error names the absolute path and the cause: permission denied, not a directory,
// read-only file system.
func Dir(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return fmt.Errorf("create directory %s: %w", abs, err) // err names the part that failed
	}
	// Create a file rather than read the mode bits: that also catches a read-only mount,
	// ACLs and a directory owned by another user, and it is what the callers will do.
	f, err := os.CreateTemp(abs, ".write-check-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the probe's own name says nothing to the reader
		}
		return fmt.Errorf("directory %s is not writable: %w", abs, err)
	}
	f.Close()
	return os.Remove(f.Name())
}
