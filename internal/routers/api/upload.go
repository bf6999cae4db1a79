package api

import (
	"fmt"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/go-programming-tour-book/blog-service/internal/service"
	"github.com/go-programming-tour-book/blog-service/pkg/app"
	"github.com/go-programming-tour-book/blog-service/pkg/errcode"
)

// Upload handles POST /upload/file.
type Upload struct {
	svc       *service.Service
	staticURL string
}

// NewUpload returns the upload handler. publicURL is where /static is reachable by clients
// (App.UploadServerUrl); empty means the path /static on the server the client called,
// which is never spelled out from the request's Host header (a client chooses that).
func NewUpload(svc *service.Service, publicURL string) Upload {
	staticURL := strings.TrimRight(publicURL, "/")
	if staticURL == "" {
		staticURL = "/static"
	}
	return Upload{svc: svc, staticURL: staticURL}
}

// UploadBody is the answer of POST /upload/file.
type UploadBody struct {
	FileAccessURL string `json:"file_access_url" example:"/static/9f86d081884c7d659a2feaa0c55ad015.png"`
}

// File godoc
// @Summary      Upload an image
// @Description  Stores the image under a name chosen by the server and returns its URL: App.UploadServerUrl + /<name> when that is set, else the path /static/<name>. The content must really be an image of an allowed type (App.UploadImageAllowExts), at most App.UploadImageMaxSize MB. Unlike the book, it requires the token.
// @Tags         upload
// @Accept       mpfd
// @Produce      json
// @Param        file  formData  file  true  "the image"
// @Param        type  formData  int   true  "file type: 1 for images"  Enums(1)
// @Success      200  {object}  UploadBody
// @Failure      400  {object}  app.ErrorBody  "no file, wrong type, or content that is not an allowed image"
// @Failure      401  {object}  app.ErrorBody
// @Failure      413  {object}  app.ErrorBody
// @Security     ApiKeyAuth
// @Router       /upload/file [post]
func (u Upload) File(c *gin.Context) {
	var req service.UploadRequest
	if err := app.Bind(c, &req); err != nil {
		app.Error(c, err)
		return
	}
	fh, err := c.FormFile("file")
	if err != nil {
		app.Error(c, errcode.InvalidParams.WithDetails("file is required: send the image as the multipart field \"file\""))
		return
	}
	f, err := fh.Open()
	if err != nil {
		app.Error(c, fmt.Errorf("open uploaded part: %w", err))
		return
	}
	defer f.Close()
	name, err := u.svc.UploadImage(c.Request.Context(), f, fh.Filename)
	if err != nil {
		app.Error(c, err)
		return
	}
	app.OK(c, UploadBody{FileAccessURL: u.staticURL + "/" + name})
}
