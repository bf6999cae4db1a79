package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/gin-gonic/gin/binding"

	"github.com/go-programming-tour-book/blog-service/internal/app"
	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/internal/service"
	"github.com/go-programming-tour-book/blog-service/pkg/upload"
)

// FormOverhead is what an upload's body may carry beside the file's content: the multipart
// framing, the parts' headers and the type field. A few hundred bytes in practice.
const FormOverhead = 64 << 10

// maxParts bounds the parts of one upload form: the file, the type, and some slack.
const maxParts = 8

// badForm is a multipart body that ends early or breaks the format.
var badForm = errcode.InvalidParams.WithDetail("the multipart body is cut short or not well-formed", "multipart 请求体不完整或格式错误")

// Upload handles POST /upload/file.
type Upload struct {
	svc       *service.Service
	staticURL string
	maxFile   int64
}

// NewUpload returns the upload handler. publicURL is where /static is reachable by clients
// (App.UploadServerUrl); empty means the path /static on the server the client called,
// which is never spelled out from the request's Host header (a client chooses that).
// maxFile is the largest file accepted, in bytes.
func NewUpload(svc *service.Service, publicURL string, maxFile int64) Upload {
	staticURL := strings.TrimRight(publicURL, "/")
	if staticURL == "" {
		staticURL = "/static"
	}
	return Upload{svc: svc, staticURL: staticURL, maxFile: maxFile}
}

// maxBody is the cap on the route's request body: the largest file and FormOverhead.
func (u Upload) maxBody() int64 { return u.maxFile + FormOverhead }

// UploadBody is the answer of POST /upload/file.
//
// @Description Where the uploaded image is served.
type UploadBody struct {
	// App.UploadServerUrl + /<name> when that is set, else the path /static/<name>.
	FileAccessURL string `json:"file_access_url" validate:"required" example:"/static/9f86d081884c7d659a2feaa0c55ad015.png"`
}

// File godoc
// @ID       uploadFile
// @Summary  Upload an image
// @Description  Streams the image to disk under a name chosen by the server and returns its URL. Unlike the book, it needs the token.
// @Tags     upload
// @Accept   mpfd
// @Produce  json
// @Param    file  formData  file  true  "the image: .jpg, .jpeg or .png (App.UploadImageAllowExts) whose content matches, at most App.UploadImageMaxSize (5 MB)"
// @Param    type  formData  int   true  "file type: 1 for images"  Enums(1)  format(int32)
// @Success  200  {object}  UploadBody
// @Failure  400  {object}  app.ErrorBody  "no file, a wrong type, content that is not an allowed image (code 20030002), or a body cut short (code 10000001)"
// @Failure  401  {object}  app.ErrorBody  "no token, or a bad, expired or revoked one (codes 10000004, 10000005)"
// @Failure  413  {object}  app.ErrorBody  "the file is over App.UploadImageMaxSize, or the form beside it over 64 KB (code 20030003)"
// @Failure  415  {object}  app.ErrorBody  "a body that is not multipart/form-data, or is compressed (Content-Encoding; code 10000015)"
// @Failure  429  {object}  app.ErrorBody  "over the /upload/file rate of Limiter.Rules (code 10000007); retry after Retry-After"
// @Header   429  {integer}  Retry-After  "seconds to wait"
// @Failure  500  {object}  app.ErrorBody  "internal error (code 10000000)"
// @Failure  503  {object}  app.ErrorBody  "database or rate limiter unavailable, or the server is stopping (codes 10000012, 10000008)"
// @Failure  504  {object}  app.ErrorBody  "past App.DefaultContextTimeout (code 10000009)"
// @Failure  507  {object}  app.ErrorBody  "the disk is down to App.UploadMinFreeBytes (code 20030004)"
// @Security TokenHeader
// @Security BearerAuth
// @Security TokenQuery
// @Router   /upload/file [post]
func (u Upload) File(c *gin.Context) error {
	name, err := u.receive(c)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		// Whichever cap the body met (declared length, route cap, form overhead, file
		// size), the client sent too much: one code for all.
		err = errcode.UploadTooLarge.WithDetail(
			fmt.Sprintf("the file must be at most %d bytes, with at most %d bytes of form beside it", u.maxFile, FormOverhead),
			fmt.Sprintf("文件最多 %d 字节，文件之外的表单最多 %d 字节", u.maxFile, FormOverhead))
	}
	if err != nil {
		return err
	}
	app.OK(c, UploadBody{FileAccessURL: u.staticURL + "/" + name})
	return nil
}

// receive reads the multipart form part by part (never gin's ParseMultipartForm, which
// keeps up to 32 MB of it in memory): the file streams into a temporary file, the fields
// are a few bytes, and the file takes its name only once the whole form is valid.
func (u Upload) receive(c *gin.Context) (string, error) {
	if c.Request.ContentLength > u.maxBody() {
		return "", &http.MaxBytesError{Limit: u.maxBody()} // refused before reading a byte
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, u.maxBody())
	if err := app.BodyEncoding(c.Request); err != nil {
		return "", err
	}
	if mt, _, _ := mime.ParseMediaType(c.ContentType()); mt != binding.MIMEMultipartPOSTForm {
		return "", app.UnsupportedMediaType(c.GetHeader("Content-Type"), binding.MIMEMultipartPOSTForm)
	}
	body := &formBudget{ReadCloser: c.Request.Body, left: FormOverhead}
	c.Request.Body = body
	form, err := c.Request.MultipartReader()
	if err != nil {
		return "", errcode.InvalidParams.WithDetail("the body must be multipart/form-data with the image in the field \"file\"", "请求体必须是 multipart/form-data，图片放在字段 \"file\" 中")
	}
	var (
		file   *upload.Pending
		fields = map[string][]string{}
	)
	defer func() {
		if file != nil {
			file.Discard() // nothing left behind on error; a no-op once kept
		}
	}()
	for n := 0; ; n++ {
		part, err := form.NextPart()
		if err == io.EOF { // the closing boundary; a body cut short is a wrapped EOF
			break
		}
		if err != nil {
			return "", fmt.Errorf("%w: %w", badForm, err)
		}
		switch {
		case n == maxParts:
			return "", errcode.InvalidParams.WithDetail(fmt.Sprintf("the form has more than %d parts", maxParts), fmt.Sprintf("表单超过 %d 个部分", maxParts))
		case part.FormName() == "file" && part.FileName() != "":
			if file != nil {
				return "", errcode.InvalidParams.WithDetail("send one file per request", "每个请求只能上传一个文件")
			}
			if file, err = u.svc.ReceiveImage(c.Request.Context(), refund{part, body}, part.FileName()); err != nil {
				return "", err
			}
		case part.FileName() != "":
			return "", app.FileInTextField
		default:
			v, err := io.ReadAll(part) // bounded by the body's FormOverhead
			if err != nil {
				return "", fmt.Errorf("%w: %w", badForm, err)
			}
			fields[part.FormName()] = append(fields[part.FormName()], string(v))
		}
	}
	var req service.UploadRequest
	if err := app.BindValues(fields, &req); err != nil {
		return "", err
	}
	if file == nil {
		return "", errcode.InvalidParams.WithDetail("file is required: send the image as the multipart field \"file\"", "file 为必填字段：请把图片放在 multipart 字段 \"file\" 中发送")
	}
	return file.Keep()
}

// formBudget is the request body with a cap on the bytes it yields beyond the file's own
// content, which refund gives back as the file is read: headers, framing and fields share
// FormOverhead and cannot spend the file's allowance (a 5 MB part header would otherwise
// be held in memory whole).
type formBudget struct {
	io.ReadCloser
	left int64
}

func (b *formBudget) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, &http.MaxBytesError{Limit: FormOverhead}
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}

// refund reads the file's part and returns each byte's budget to the body.
type refund struct {
	r io.Reader
	b *formBudget
}

func (f refund) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	f.b.left += int64(n)
	return n, err
}
