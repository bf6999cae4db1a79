// Package api holds the HTTP handlers, one file per resource. A handler binds its input,
// calls one service method and answers with pkg/app; it never decides a status itself.
package api

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/go-programming-tour-book/blog-service/internal/model"
	"github.com/go-programming-tour-book/blog-service/internal/service"
	"github.com/go-programming-tour-book/blog-service/pkg/app"
	"github.com/go-programming-tour-book/blog-service/pkg/errcode"
)

// Tag handles /api/v1/tags.
type Tag struct {
	svc   *service.Service
	pages app.PageLimits
}

// NewTag returns the tag handlers.
func NewTag(svc *service.Service, pages app.PageLimits) Tag {
	return Tag{svc: svc, pages: pages}
}

// TagList is the documented shape of a page of tags.
type TagList struct {
	List  []model.Tag `json:"list"`
	Pager app.Pager   `json:"pager"`
}

// List godoc
// @Summary  List tags
// @Description  Oldest first. pager.total_rows counts the matching tags through this page and the nine after it (service.CountPages): exact when the list ends there (pager.total_exact true); otherwise the count stops, total_rows is the rows up to that point and total_exact is false. A request with after_id counts as page 1 does. pager.next_after_id, absent on the last page, is the after_id of the next page.
// @Tags     tags
// @Produce  json
// @Param    name       query  string  false  "exact tag name"  maxlength(100)
// @Param    state      query  int     false  "state"  Enums(0, 1)  default(1)
// @Param    page       query  int     false  "page number: page n walks past the n-1 pages before it; use after_id to go deep"  minimum(1)  default(1)
// @Param    page_size  query  int     false  "page size, clamped to App.MaxPageSize"  minimum(1)
// @Param    after_id   query  int     false  "instead of page: the tags after this id, as cheap at any depth as page 1; pass the previous page's pager.next_after_id"  minimum(0)
// @Success  200  {object}  TagList
// @Failure  400  {object}  app.ErrorBody
// @Failure  401  {object}  app.ErrorBody
// @Failure  500  {object}  app.ErrorBody
// @Security ApiKeyAuth
// @Router   /api/v1/tags [get]
func (t Tag) List(c *gin.Context) {
	var req service.ListTagsRequest
	if err := app.Bind(c, &req); err != nil {
		app.Error(c, err)
		return
	}
	pager, err := app.ParsePage(c, t.pages)
	if err != nil {
		app.Error(c, err)
		return
	}
	tags, pager, err := t.svc.ListTags(c.Request.Context(), req, pager)
	if err != nil {
		app.Error(c, err)
		return
	}
	app.List(c, tags, pager)
}

// Get godoc
// @Summary  Get a tag
// @Tags     tags
// @Produce  json
// @Param    id   path  int  true  "tag ID"  minimum(1)
// @Success  200  {object}  model.Tag
// @Failure  400  {object}  app.ErrorBody
// @Failure  401  {object}  app.ErrorBody
// @Failure  404  {object}  app.ErrorBody
// @Security ApiKeyAuth
// @Router   /api/v1/tags/{id} [get]
func (t Tag) Get(c *gin.Context) {
	id, err := app.ParamID(c, "id")
	if err != nil {
		app.Error(c, err)
		return
	}
	tag, err := t.svc.GetTag(c.Request.Context(), id)
	if err != nil {
		app.Error(c, err)
		return
	}
	app.OK(c, tag)
}

// Create godoc
// @Summary  Create a tag
// @Tags     tags
// @Accept   json,mpfd,x-www-form-urlencoded
// @Produce  json
// @Param    body  body  service.CreateTagRequest  true  "the tag (or the same fields as form values)"
// @Success  200  {object}  model.Tag
// @Failure  400  {object}  app.ErrorBody
// @Failure  401  {object}  app.ErrorBody
// @Failure  409  {object}  app.ErrorBody  "name taken"
// @Security ApiKeyAuth
// @Router   /api/v1/tags [post]
func (t Tag) Create(c *gin.Context) {
	var req service.CreateTagRequest
	if err := app.Bind(c, &req); err != nil {
		app.Error(c, err)
		return
	}
	tag, err := t.svc.CreateTag(c.Request.Context(), req)
	if err != nil {
		app.Error(c, err)
		return
	}
	app.OK(c, tag)
}

// Update godoc
// @Summary  Update a tag: only the fields sent change
// @Tags     tags
// @Accept   json,mpfd,x-www-form-urlencoded
// @Produce  json
// @Param    id    path  int                       true  "tag ID"  minimum(1)
// @Param    body  body  service.UpdateTagRequest  true  "fields to change, and who changes them"
// @Success  200  {object}  model.Tag
// @Failure  400  {object}  app.ErrorBody
// @Failure  401  {object}  app.ErrorBody
// @Failure  404  {object}  app.ErrorBody
// @Failure  409  {object}  app.ErrorBody  "name taken"
// @Security ApiKeyAuth
// @Router   /api/v1/tags/{id} [put]
func (t Tag) Update(c *gin.Context) {
	id, err := app.ParamID(c, "id")
	if err != nil {
		app.Error(c, err)
		return
	}
	var req service.UpdateTagRequest
	if err := app.Bind(c, &req); err != nil {
		app.Error(c, err)
		return
	}
	tag, err := t.svc.UpdateTag(c.Request.Context(), id, req)
	if err != nil {
		app.Error(c, err)
		return
	}
	app.OK(c, tag)
}

// UpdateState godoc
// @Summary  Enable or disable a tag
// @Tags     tags
// @Accept   json,mpfd,x-www-form-urlencoded
// @Produce  json
// @Param    id    path  int                            true  "tag ID"  minimum(1)
// @Param    body  body  service.UpdateTagStateRequest  true  "new state"
// @Success  200  {object}  model.Tag
// @Failure  400  {object}  app.ErrorBody
// @Failure  401  {object}  app.ErrorBody
// @Failure  404  {object}  app.ErrorBody
// @Security ApiKeyAuth
// @Router   /api/v1/tags/{id}/state [patch]
func (t Tag) UpdateState(c *gin.Context) {
	id, err := app.ParamID(c, "id")
	if err != nil {
		app.Error(c, err)
		return
	}
	var req service.UpdateTagStateRequest
	if err := app.Bind(c, &req); err != nil {
		app.Error(c, err)
		return
	}
	tag, err := t.svc.UpdateTagState(c.Request.Context(), id, req)
	if err != nil {
		app.Error(c, err)
		return
	}
	app.OK(c, tag)
}

// Delete godoc
// @Summary  Delete a tag (soft delete)
// @Tags     tags
// @Produce  json
// @Param    id   path  int  true  "tag ID"  minimum(1)
// @Success  200  {object}  map[string]any  "empty object"
// @Failure  400  {object}  app.ErrorBody
// @Failure  401  {object}  app.ErrorBody
// @Failure  404  {object}  app.ErrorBody
// @Security ApiKeyAuth
// @Router   /api/v1/tags/{id} [delete]
func (t Tag) Delete(c *gin.Context) {
	id, err := app.ParamID(c, "id")
	if err != nil {
		app.Error(c, err)
		return
	}
	if err := t.svc.DeleteTag(c.Request.Context(), id); err != nil {
		app.Error(c, err)
		return
	}
	app.OK(c, gin.H{})
}

// Slow godoc
// @Summary      Slow work, for trying graceful stop
// @Description  Waits for delay (capped by App.SlowMaxDelay), then fetches Upstream.URL when one is configured. Stops when the client leaves or the shutdown deadline passes, answering a 503 JSON error.
// @Tags         tags
// @Produce      json
// @Param        delay  query  string  false  "a Go duration such as 3s"  default(1s)
// @Success      200  {object}  service.SlowResult
// @Failure      400  {object}  app.ErrorBody
// @Failure      401  {object}  app.ErrorBody
// @Failure      502  {object}  app.ErrorBody  "upstream failed"
// @Failure      503  {object}  app.ErrorBody  "cancelled: shutting down or client gone"
// @Failure      504  {object}  app.ErrorBody  "upstream timed out"
// @Security     ApiKeyAuth
// @Router       /api/v1/tags/slow [get]
func (t Tag) Slow(c *gin.Context) {
	delay, err := time.ParseDuration(c.DefaultQuery("delay", "1s"))
	if err != nil {
		app.Error(c, errcode.InvalidParams.WithDetails("delay must be a duration such as 3s or 500ms"))
		return
	}
	res, err := t.svc.Slow(c.Request.Context(), delay)
	if err != nil {
		app.Error(c, err)
		return
	}
	app.OK(c, res)
}
