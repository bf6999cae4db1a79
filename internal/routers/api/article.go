package api

import (
	"github.com/gin-gonic/gin"

	"github.com/go-programming-tour-book/blog-service/pkg/page"

	"github.com/go-programming-tour-book/blog-service/internal/app"
	"github.com/go-programming-tour-book/blog-service/internal/model"
	"github.com/go-programming-tour-book/blog-service/internal/service"
)

// Article handles /api/v1/articles.
type Article struct {
	svc   *service.Service
	pages page.Limits
}

// NewArticle returns the article handlers.
func NewArticle(svc *service.Service, pages page.Limits) Article {
	return Article{svc: svc, pages: pages}
}

// ArticleList is the documented shape of a page of articles.
//
// @Description A page of articles, without their content.
type ArticleList struct {
	List  []model.ArticleWithTag `json:"list" validate:"required"`
	Pager page.Pager             `json:"pager" validate:"required"`
}

// List godoc
// @ID       listArticles
// @Summary  List articles with their tags (without their content)
// @Description  Oldest first. pager.total_rows counts every matching articles (total_exact is always true). pager.next_after_id, absent on the last page, is the after_id of the next page: after_id pages cost what page 1 costs at any depth.
// @Tags     articles
// @Produce  json
// @Param    tag_id     query  int  false  "only the articles of this tag"  minimum(1)  maximum(4294967295)  format(int64)
// @Param    state      query  int  false  "1: published articles (the default); 0: withdrawn ones"  Enums(0, 1)  default(1)  format(int32)
// @Param    page       query  int  false  "page number; page n walks past the n-1 pages before it, so a page that starts more than App.MaxPageOffset (10000) rows in is a 400: use after_id to go deep"  minimum(1)  maximum(1048576)  default(1)  format(int32)
// @Param    page_size  query  int  false  "rows per page: App.DefaultPageSize (10) when absent, clamped to App.MaxPageSize (100)"  minimum(1)  maximum(1048576)  format(int32)
// @Param    after_id   query  int  false  "instead of page: the articles after this id, as cheap at any depth as page 1; pass the previous page's pager.next_after_id"  minimum(0)  maximum(4294967295)  format(int64)
// @Success  200  {object}  ArticleList
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
// @Router   /api/v1/articles [get]
func (a Article) List(c *gin.Context) error {
	var req service.ListArticlesRequest
	if err := app.Bind(c, &req); err != nil {
		return err
	}
	pager, err := app.ParsePage(c, a.pages)
	if err != nil {
		return err
	}
	list, pager, err := a.svc.ListArticles(c.Request.Context(), req, pager)
	if err != nil {
		return err
	}
	app.List(c, list, pager)
	return nil
}

// Get godoc
// @ID       getArticle
// @Summary  Get an article with its content and tag
// @Tags     articles
// @Produce  json
// @Param    id  path  int  true  "article ID"  minimum(1)  maximum(4294967295)  format(int64)
// @Success  200  {object}  model.ArticleWithTag
// @Failure  400  {object}  app.ErrorBody  "invalid parameters (code 10000001)"
// @Failure  401  {object}  app.ErrorBody  "no token, or a bad, expired or revoked one (codes 10000004, 10000005)"
// @Failure  404  {object}  app.ErrorBody  "no such live article (code 10000002)"
// @Failure  429  {object}  app.ErrorBody  "over a Limiter.Rules rate for this route (code 10000007); retry after Retry-After"
// @Header   429  {integer}  Retry-After  "seconds to wait"
// @Failure  500  {object}  app.ErrorBody  "internal error (code 10000000)"
// @Failure  503  {object}  app.ErrorBody  "database or rate limiter unavailable, or the server is stopping (codes 10000012, 10000008)"
// @Failure  504  {object}  app.ErrorBody  "past App.DefaultContextTimeout (code 10000009)"
// @Security TokenHeader
// @Security BearerAuth
// @Security TokenQuery
// @Router   /api/v1/articles/{id} [get]
func (a Article) Get(c *gin.Context) error {
	id, err := app.ParamID(c, "id")
	if err != nil {
		return err
	}
	art, err := a.svc.GetArticle(c.Request.Context(), id)
	if err != nil {
		return err
	}
	app.OK(c, art)
	return nil
}

// Create godoc
// @ID       createArticle
// @Summary  Create an article with its tag
// @Tags     articles
// @Accept   json
// @Produce  json
// @Param    body  body  service.CreateArticleRequest  true  "the article"
// @Success  200  {object}  model.ArticleWithTag
// @Failure  400  {object}  app.ErrorBody  "invalid parameters (code 10000001), or tag_id names no live tag (code 20020006)"
// @Failure  401  {object}  app.ErrorBody  "no token, or a bad, expired or revoked one (codes 10000004, 10000005)"
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
// @Router   /api/v1/articles [post]
func (a Article) Create(c *gin.Context) error {
	var req service.CreateArticleRequest
	if err := app.Bind(c, &req); err != nil {
		return err
	}
	art, err := a.svc.CreateArticle(c.Request.Context(), req)
	if err != nil {
		return err
	}
	app.OK(c, art)
	return nil
}

// Update godoc
// @ID       updateArticle
// @Summary  Update an article: only the fields sent change
// @Tags     articles
// @Accept   json
// @Produce  json
// @Param    id    path  int  true  "article ID"  minimum(1)  maximum(4294967295)  format(int64)
// @Param    body  body  service.UpdateArticleRequest  true  "fields to change, and who changes them"
// @Success  200  {object}  model.ArticleWithTag
// @Failure  400  {object}  app.ErrorBody  "invalid parameters (code 10000001), or tag_id names no live tag (code 20020006)"
// @Failure  401  {object}  app.ErrorBody  "no token, or a bad, expired or revoked one (codes 10000004, 10000005)"
// @Failure  404  {object}  app.ErrorBody  "no such live article (code 10000002)"
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
// @Router   /api/v1/articles/{id} [put]
func (a Article) Update(c *gin.Context) error {
	id, err := app.ParamID(c, "id")
	if err != nil {
		return err
	}
	var req service.UpdateArticleRequest
	if err := app.Bind(c, &req); err != nil {
		return err
	}
	art, err := a.svc.UpdateArticle(c.Request.Context(), id, req)
	if err != nil {
		return err
	}
	app.OK(c, art)
	return nil
}

// UpdateState godoc
// @ID       updateArticleState
// @Summary  Publish or withdraw an article
// @Tags     articles
// @Accept   json
// @Produce  json
// @Param    id    path  int  true  "article ID"  minimum(1)  maximum(4294967295)  format(int64)
// @Param    body  body  service.UpdateArticleStateRequest  true  "the new state"
// @Success  200  {object}  model.ArticleWithTag
// @Failure  400  {object}  app.ErrorBody  "invalid parameters (code 10000001)"
// @Failure  401  {object}  app.ErrorBody  "no token, or a bad, expired or revoked one (codes 10000004, 10000005)"
// @Failure  404  {object}  app.ErrorBody  "no such live article (code 10000002)"
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
// @Router   /api/v1/articles/{id}/state [patch]
func (a Article) UpdateState(c *gin.Context) error {
	id, err := app.ParamID(c, "id")
	if err != nil {
		return err
	}
	var req service.UpdateArticleStateRequest
	if err := app.Bind(c, &req); err != nil {
		return err
	}
	art, err := a.svc.UpdateArticleState(c.Request.Context(), id, req)
	if err != nil {
		return err
	}
	app.OK(c, art)
	return nil
}

// Delete godoc
// @ID       deleteArticle
// @Summary  Delete an article (soft delete)
// @Tags     articles
// @Produce  json
// @Param    id  path  int  true  "article ID"  minimum(1)  maximum(4294967295)  format(int64)
// @Success  200  {object}  Deleted
// @Failure  400  {object}  app.ErrorBody  "invalid parameters (code 10000001)"
// @Failure  401  {object}  app.ErrorBody  "no token, or a bad, expired or revoked one (codes 10000004, 10000005)"
// @Failure  404  {object}  app.ErrorBody  "no such live article (code 10000002)"
// @Failure  429  {object}  app.ErrorBody  "over a Limiter.Rules rate for this route (code 10000007); retry after Retry-After"
// @Header   429  {integer}  Retry-After  "seconds to wait"
// @Failure  500  {object}  app.ErrorBody  "internal error (code 10000000)"
// @Failure  503  {object}  app.ErrorBody  "database or rate limiter unavailable, or the server is stopping (codes 10000012, 10000008)"
// @Failure  504  {object}  app.ErrorBody  "past App.DefaultContextTimeout (code 10000009)"
// @Security TokenHeader
// @Security BearerAuth
// @Security TokenQuery
// @Router   /api/v1/articles/{id} [delete]
func (a Article) Delete(c *gin.Context) error {
	id, err := app.ParamID(c, "id")
	if err != nil {
		return err
	}
	if err := a.svc.DeleteArticle(c.Request.Context(), id); err != nil {
		return err
	}
	app.OK(c, Deleted{})
	return nil
}
