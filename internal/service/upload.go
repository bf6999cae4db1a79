package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/go-programming-tour-book/blog-service/pkg/errcode"
	"github.com/go-programming-tour-book/blog-service/pkg/upload"
)

// FileTypeImage is the book's upload type for images, the only one it defines.
const FileTypeImage = 1

// UploadRequest is the form of POST /upload/file, beside its file part.
type UploadRequest struct {
	Type int `form:"type" binding:"required,oneof=1"`
}

// UploadImage stores an image sent under clientName and returns the name it is stored
// under (served at /static/<name>).
func (s *Service) UploadImage(ctx context.Context, r io.Reader, clientName string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	name, err := s.opts.Uploads.SaveImage(r, clientName)
	switch {
	case errors.Is(err, upload.ErrExtNotAllowed), errors.Is(err, upload.ErrContentType):
		return "", fmt.Errorf("upload %q: %w", clientName, errcode.UploadTypeNotAllowed.WithDetails(
			"the file must be a "+strings.Join(s.opts.Uploads.Exts(), ", ")+" image whose content matches its extension"))
	case errors.Is(err, upload.ErrTooLarge):
		return "", fmt.Errorf("upload %q: %w", clientName, errcode.UploadTooLarge.WithDetails(
			fmt.Sprintf("the file must be at most %d bytes", s.opts.Uploads.MaxSize())))
	case errors.Is(err, upload.ErrNoSpace):
		// The client may retry later; the operator needs the numbers, so they go to the log.
		return "", fmt.Errorf("upload %q: %w: %w", clientName, errcode.UploadNoSpace, err)
	case err != nil:
		return "", fmt.Errorf("upload %q: %w", clientName, err)
	}
	return name, nil
}
