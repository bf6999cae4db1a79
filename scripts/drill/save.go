package main

import (
	"io"
	"os"
)

// saveWriterTo writes a canvas to path.
func saveWriterTo(path string, w io.WriterTo) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := w.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
