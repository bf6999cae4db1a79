package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/pkg/upload"
)

// FileTypeImage is the book's upload type for images, the only one it defines.
const FileTypeImage = 1

// UploadRequest is the form of POST /upload/file, beside its file part (documented by the
// handler's @Param lines).
type UploadRequest struct {
	Type int `form:"type" binding:"required,oneof=1"`
}

// ReceiveImage streams an image sent under clientName into a temporary file and returns
// it pending: the caller keeps it (Keep gives the name served at /static/<name>) once the
// rest of the request is valid, or discards it. Reading stops when ctx ends.
func (s *Service) ReceiveImage(ctx context.Context, r io.Reader, clientName string) (*upload.Pending, error) {
	p, err := s.opts.Uploads.Receive(ctxReader{ctx: ctx, r: r}, clientName)
	if len(clientName) > 64 { // errors reach the log; the client chose this name
		clientName = clientName[:64] + "..."
	}
	switch {
	case err == nil:
		return p, nil
	case ctx.Err() != nil:
		return nil, fmt.Errorf("upload %q: %w", clientName, ctx.Err())
	case errors.Is(err, upload.ErrExtNotAllowed), errors.Is(err, upload.ErrContentType):
		return nil, fmt.Errorf("upload %q: %w", clientName, errcode.UploadTypeNotAllowed.WithDetail(
			"the file must be a "+strings.Join(s.opts.Uploads.Exts(), ", ")+" image whose content matches its extension",
			"文件必须是内容与扩展名相符的 "+strings.Join(s.opts.Uploads.Exts(), "、")+" 图片"))
	case errors.Is(err, upload.ErrTooLarge):
		return nil, fmt.Errorf("upload %q: %w", clientName, errcode.UploadTooLarge.WithDetail(
			fmt.Sprintf("the file must be at most %d bytes", s.opts.Uploads.MaxSize()),
			fmt.Sprintf("文件最多 %d 字节", s.opts.Uploads.MaxSize())))
	case errors.Is(err, upload.ErrNoSpace):
		// The client may retry later; the operator needs the numbers, so they go to the log.
		return nil, fmt.Errorf("upload %q: %w: %w", clientName, errcode.UploadNoSpace, err)
	case errors.Is(err, upload.ErrRead):
		// The client's body failed; keep its error in the chain, since the edge may know
		// better (a body over the route's cap is a 413, not a 400).
		return nil, fmt.Errorf("upload %q: %w: %w", clientName, errcode.InvalidParams.WithDetail(
			"the upload was cut short or is not well-formed multipart", "上传不完整或不是格式正确的 multipart"), err)
	}
	return nil, fmt.Errorf("upload %q: %w", clientName, err)
}

// ctxReader stops reading once ctx ends, so a request timeout also ends a slow upload. It
// lives for one call.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
