// Package api holds the HTTP handlers, one file per resource. A handler binds its input,
// calls one service method and returns its error to internal/app, which decides the status.
package api

import (
	"github.com/go-programming-tour-book/blog-service/pkg/page"

	"github.com/gin-gonic/gin"

	"github.com/go-programming-tour-book/blog-service/internal/app"
	"github.com/go-programming-tour-book/blog-service/internal/model"
	"github.com/go-programming-tour-book/blog-service/internal/service"
)

// Deleted is the answer of a DELETE: an empty object.
//
// @Description An empty object: the row is deleted.
type Deleted struct{}

// Tag handles /api/v1/tags and /api/v1/tags/:id (GET /api/v1/tags/slow is Slow's).
type Tag struct {
	svc   *service.Service
	pages page.Limits
}

// NewTag returns the tag handlers.
func NewTag(svc *service.Service, pages page.Limits) Tag {
	return Tag{svc: svc, pages: pages}
}

// TagList is the documented shape of a page of tags.
//
// @Description A page of tags.
type TagList struct {
	List  []model.Tag `json:"list" validate:"required"`
	Pager page.Pager  `json:"pager" validate:"required"`
}

// List godoc
// @ID       listTags
// @Summary  List tags
// @Description  Oldest first. pager.total_rows counts every matching tags (total_exact is always true). pager.next_after_id, absent on the last page, is the after_id of the next page: after_id pages cost what page 1 costs at any depth.
// @Tags     tags
// @Produce  json
// @Param    name       query  string  false  "only the tag with this exact name"  maxlength(100)
// @Param    state      query  int     false  "1: enabled tags (the default); 0: disabled ones"  Enums(0, 1)  default(1)  format(int32)
// @Param    page       query  int  false  "page number; page n walks past the n-1 pages before it, so a page that starts more than App.MaxPageOffset (10000) rows in is a 400: use after_id to go deep"  minimum(1)  maximum(1048576)  default(1)  format(int32)
// @Param    page_size  query  int  false  "rows per page: App.DefaultPageSize (10) when absent, clamped to App.MaxPageSize (100)"  minimum(1)  maximum(1048576)  format(int32)
// @Param    after_id   query  int     false  "instead of page: the tags after this id, as cheap at any depth as page 1; pass the previous page's pager.next_after_id"  minimum(0)  maximum(4294967295)  format(int64)
// @Success  200  {object}  TagList
// @Failure  400  {object}  app.ErrorBody  "invalid parameters (code 10000001)"
// @Failure  401  {object}  app.ErrorBody  "no token, or a bad, expired or revoked one (codes 10000004, 10000005)"
// @Failure  429  {object}  app.ErrorBody  "over a Limiter.Rules rate for this route (code 10000007); retry after Retry-After"
// @Header   429  {integer}  Retry-After  "seconds to wait"
// @Failure  500  {object}  app.ErrorBody  "internal error (code 10000000)"
// @Failure  503  {object}  app.ErrorBody  "database or rate limiter unavailable, or the server is stopping (codes 10000012, 10000008)"
// @Failure  504  {object}  app.ErrorBody  "past App.DefaultContextTimeout (code 10000009)"
// @Security TokenHeader
// @Security BearerAuth
// @Security TokenQuery
// @Router   /api/v1/tags [get]
func (t Tag) List(c *gin.Context) error {
	var req service.ListTagsRequest
	if err := app.Bind(c, &req); err != nil {
		return err
	}
	pager, err := app.ParsePage(c, t.pages)
	if err != nil {
		return err
	}
	tags, pager, err := t.svc.ListTags(c.Request.Context(), req, pager)
	if err != nil {
		return err
	}
	app.List(c, tags, pager)
	return nil
}

// Get godoc
// @ID       getTag
// @Summary  Get a tag
// @Tags     tags
// @Produce  json
// @Param    id  path  int  true  "tag ID"  minimum(1)  maximum(4294967295)  format(int64)
// @Success  200  {object}  model.Tag
// @Failure  400  {object}  app.ErrorBody  "invalid parameters (code 10000001)"
// @Failure  401  {object}  app.ErrorBody  "no token, or a bad, expired or revoked one (codes 10000004, 10000005)"
// @Failure  404  {object}  app.ErrorBody  "no such live tag (code 10000002)"
// @Failure  429  {object}  app.ErrorBody  "over a Limiter.Rules rate for this route (code 10000007); retry after Retry-After"
// @Header   429  {integer}  Retry-After  "seconds to wait"
// @Failure  500  {object}  app.ErrorBody  "internal error (code 10000000)"
// @Failure  503  {object}  app.ErrorBody  "database or rate limiter unavailable, or the server is stopping (codes 10000012, 10000008)"
// @Failure  504  {object}  app.ErrorBody  "past App.DefaultContextTimeout (code 10000009)"
// @Security TokenHeader
// @Security BearerAuth
// @Security TokenQuery
// @Router   /api/v1/tags/{id} [get]
func (t Tag) Get(c *gin.Context) error {
	id, err := app.ParamID(c, "id")
	if err != nil {
		return err
	}
	tag, err := t.svc.GetTag(c.Request.Context(), id)
	if err != nil {
		return err
	}
	app.OK(c, tag)
	return nil
}

// Create godoc
// @ID       createTag
// @Summary  Create a tag
// @Tags     tags
// @Accept   json
// @Produce  json
// @Param    body  body  service.CreateTagRequest  true  "the tag"
// @Success  200  {object}  model.Tag
// @Failure  400  {object}  app.ErrorBody  "invalid parameters (code 10000001)"
// @Failure  401  {object}  app.ErrorBody  "no token, or a bad, expired or revoked one (codes 10000004, 10000005)"
// @Failure  409  {object}  app.ErrorBody  "a live tag has this name (code 20010006)"
// @Failure  413  {object}  app.ErrorBody  "body over App.MaxBodyBytes (code 10000014)"
// @Failure  415  {object}  app.ErrorBody  "a body that is not JSON or a form, or is compressed (Content-Encoding; code 10000015)"
// @Failure  429  {object}  app.ErrorBody  "over a Limiter.Rules rate for this route (code 10000007); retry after Retry-After"
// @Header   429  {integer}  Retry-After  "seconds to wait"
// @Failure  500  {object}  app.ErrorBody  "internal error (code 10000000)"
// @Failure  503  {object}  app.ErrorBody  "database or rate limiter unavailable, or the server is stopping (codes 10000012, 10000008)"
// @Failure  504  {object}  app.ErrorBody  "past App.DefaultContextTimeout (code 10000009)"
// @Security TokenHeader
// @Security BearerAuth
// @Security TokenQuery
// @Router   /api/v1/tags [post]
func (t Tag) Create(c *gin.Context) error {
	var req service.CreateTagRequest
	if err := app.Bind(c, &req); err != nil {
		return err
	}
	tag, err := t.svc.CreateTag(c.Request.Context(), req)
	if err != nil {
		return err
	}
	app.OK(c, tag)
	return nil
}

// Update godoc
// @ID       updateTag
// @Summary  Update a tag: only the fields sent change
// @Tags     tags
// @Accept   json
// @Produce  json
// @Param    id    path  int  true  "tag ID"  minimum(1)  maximum(4294967295)  format(int64)
// @Param    body  body  service.UpdateTagRequest  true  "fields to change, and who changes them"
// @Success  200  {object}  model.Tag
// @Failure  400  {object}  app.ErrorBody  "invalid parameters (code 10000001)"
// @Failure  401  {object}  app.ErrorBody  "no token, or a bad, expired or revoked one (codes 10000004, 10000005)"
// @Failure  404  {object}  app.ErrorBody  "no such live tag (code 10000002)"
// @Failure  409  {object}  app.ErrorBody  "another live tag has this name (code 20010006)"
// @Failure  413  {object}  app.ErrorBody  "body over App.MaxBodyBytes (code 10000014)"
// @Failure  415  {object}  app.ErrorBody  "a body that is not JSON or a form, or is compressed (Content-Encoding; code 10000015)"
// @Failure  429  {object}  app.ErrorBody  "over a Limiter.Rules rate for this route (code 10000007); retry after Retry-After"
// @Header   429  {integer}  Retry-After  "seconds to wait"
// @Failure  500  {object}  app.ErrorBody  "internal error (code 10000000)"
// @Failure  503  {object}  app.ErrorBody  "database or rate limiter unavailable, or the server is stopping (codes 10000012, 10000008)"
// @Failure  504  {object}  app.ErrorBody  "past App.DefaultContextTimeout (code 10000009)"
// @Security TokenHeader
// @Security BearerAuth
// @Security TokenQuery
// @Router   /api/v1/tags/{id} [put]
func (t Tag) Update(c *gin.Context) error {
	id, err := app.ParamID(c, "id")
	if err != nil {
		return err
	}
	var req service.UpdateTagRequest
	if err := app.Bind(c, &req); err != nil {
		return err
	}
	tag, err := t.svc.UpdateTag(c.Request.Context(), id, req)
	if err != nil {
		return err
	}
	app.OK(c, tag)
	return nil
}

// UpdateState godoc
// @ID       updateTagState
// @Summary  Enable or disable a tag
// @Tags     tags
// @Accept   json
// @Produce  json
// @Param    id    path  int  true  "tag ID"  minimum(1)  maximum(4294967295)  format(int64)
// @Param    body  body  service.UpdateTagStateRequest  true  "the new state"
// @Success  200  {object}  model.Tag
// @Failure  400  {object}  app.ErrorBody  "invalid parameters (code 10000001)"
// @Failure  401  {object}  app.ErrorBody  "no token, or a bad, expired or revoked one (codes 10000004, 10000005)"
// @Failure  404  {object}  app.ErrorBody  "no such live tag (code 10000002)"
// @Failure  413  {object}  app.ErrorBody  "body over App.MaxBodyBytes (code 10000014)"
// @Failure  415  {object}  app.ErrorBody  "a body that is not JSON or a form, or is compressed (Content-Encoding; code 10000015)"
// @Failure  429  {object}  app.ErrorBody  "over a Limiter.Rules rate for this route (code 10000007); retry after Retry-After"
// @Header   429  {integer}  Retry-After  "seconds to wait"
// @Failure  500  {object}  app.ErrorBody  "internal error (code 10000000)"
// @Failure  503  {object}  app.ErrorBody  "database or rate limiter unavailable, or the server is stopping (codes 10000012, 10000008)"
// @Failure  504  {object}  app.ErrorBody  "past App.DefaultContextTimeout (code 10000009)"
// @Security TokenHeader
// @Security BearerAuth
// @Security TokenQuery
// @Router   /api/v1/tags/{id}/state [patch]
func (t Tag) UpdateState(c *gin.Context) error {
	id, err := app.ParamID(c, "id")
	if err != nil {
		return err
	}
	var req service.UpdateTagStateRequest
	if err := app.Bind(c, &req); err != nil {
		return err
	}
	tag, err := t.svc.UpdateTagState(c.Request.Context(), id, req)
	if err != nil {
		return err
	}
	app.OK(c, tag)
	return nil
}

// Delete godoc
// @ID       deleteTag
// @Summary  Delete a tag (soft delete)
// @Tags     tags
// @Produce  json
// @Param    id  path  int  true  "tag ID"  minimum(1)  maximum(4294967295)  format(int64)
// @Success  200  {object}  Deleted
// @Failure  400  {object}  app.ErrorBody  "invalid parameters (code 10000001)"
// @Failure  401  {object}  app.ErrorBody  "no token, or a bad, expired or revoked one (codes 10000004, 10000005)"
// @Failure  404  {object}  app.ErrorBody  "no such live tag (code 10000002)"
// @Failure  409  {object}  app.ErrorBody  "live articles use the tag (code 20010007)"
// @Failure  429  {object}  app.ErrorBody  "over a Limiter.Rules rate for this route (code 10000007); retry after Retry-After"
// @Header   429  {integer}  Retry-After  "seconds to wait"
// @Failure  500  {object}  app.ErrorBody  "internal error (code 10000000)"
// @Failure  503  {object}  app.ErrorBody  "database or rate limiter unavailable, or the server is stopping (codes 10000012, 10000008)"
// @Failure  504  {object}  app.ErrorBody  "past App.DefaultContextTimeout (code 10000009)"
// @Security TokenHeader
// @Security BearerAuth
// @Security TokenQuery
// @Router   /api/v1/tags/{id} [delete]
func (t Tag) Delete(c *gin.Context) error {
	id, err := app.ParamID(c, "id")
	if err != nil {
		return err
	}
	if err := t.svc.DeleteTag(c.Request.Context(), id); err != nil {
		return err
	}
	app.OK(c, Deleted{})
	return nil
}
