package api

import (
	"github.com/gin-gonic/gin"

	"github.com/go-programming-tour-book/blog-service/internal/model"
	"github.com/go-programming-tour-book/blog-service/internal/service"
	"github.com/go-programming-tour-book/blog-service/pkg/app"
)

// Article handles /api/v1/articles.
type Article struct {
	svc   *service.Service
	pages app.PageLimits
}

// NewArticle returns the article handlers.
func NewArticle(svc *service.Service, pages app.PageLimits) Article {
	return Article{svc: svc, pages: pages}
}

// ArticleList is the documented shape of a page of articles.
type ArticleList struct {
	List  []model.ArticleWithTag `json:"list"`
	Pager app.Pager              `json:"pager"`
}

// List godoc
// @Summary  List articles with their tags
// @Description  Oldest first. pager.total_rows counts the matching articles through this page and the nine after it (service.CountPages): exact when the list ends there (pager.total_exact true); otherwise the count stops, total_rows is the rows up to that point and total_exact is false. A request with after_id counts as page 1 does. pager.next_after_id, absent on the last page, is the after_id of the next page.
// @Tags     articles
// @Produce  json
// @Param    tag_id     query  int  false  "only articles with this tag"  minimum(1)
// @Param    state      query  int  false  "state"  Enums(0, 1)  default(1)
// @Param    page       query  int  false  "page number: page n walks past the n-1 pages before it; use after_id to go deep"  minimum(1)  default(1)
// @Param    page_size  query  int  false  "page size, clamped to App.MaxPageSize"  minimum(1)
// @Param    after_id   query  int  false  "instead of page: the articles after this id, as cheap at any depth as page 1; pass the previous page's pager.next_after_id"  minimum(0)
// @Success  200  {object}  ArticleList
// @Failure  400  {object}  app.ErrorBody
// @Failure  401  {object}  app.ErrorBody
// @Security ApiKeyAuth
// @Router   /api/v1/articles [get]
func (a Article) List(c *gin.Context) {
	var req service.ListArticlesRequest
	if err := app.Bind(c, &req); err != nil {
		app.Error(c, err)
		return
	}
	pager, err := app.ParsePage(c, a.pages)
	if err != nil {
		app.Error(c, err)
		return
	}
	list, pager, err := a.svc.ListArticles(c.Request.Context(), req, pager)
	if err != nil {
		app.Error(c, err)
		return
	}
	app.List(c, list, pager)
}

// Get godoc
// @Summary  Get an article with its tag
// @Tags     articles
// @Produce  json
// @Param    id   path  int  true  "article ID"  minimum(1)
// @Success  200  {object}  model.ArticleWithTag
// @Failure  400  {object}  app.ErrorBody
// @Failure  401  {object}  app.ErrorBody
// @Failure  404  {object}  app.ErrorBody
// @Security ApiKeyAuth
// @Router   /api/v1/articles/{id} [get]
func (a Article) Get(c *gin.Context) {
	id, err := app.ParamID(c, "id")
	if err != nil {
		app.Error(c, err)
		return
	}
	art, err := a.svc.GetArticle(c.Request.Context(), id)
	if err != nil {
		app.Error(c, err)
		return
	}
	app.OK(c, art)
}

// Create godoc
// @Summary  Create an article with its tag
// @Tags     articles
// @Accept   json,mpfd,x-www-form-urlencoded
// @Produce  json
// @Param    body  body  service.CreateArticleRequest  true  "the article (or the same fields as form values)"
// @Success  200  {object}  model.ArticleWithTag
// @Failure  400  {object}  app.ErrorBody  "invalid fields, or tag_id names no live tag"
// @Failure  401  {object}  app.ErrorBody
// @Security ApiKeyAuth
// @Router   /api/v1/articles [post]
func (a Article) Create(c *gin.Context) {
	var req service.CreateArticleRequest
	if err := app.Bind(c, &req); err != nil {
		app.Error(c, err)
		return
	}
	art, err := a.svc.CreateArticle(c.Request.Context(), req)
	if err != nil {
		app.Error(c, err)
		return
	}
	app.OK(c, art)
}

// Update godoc
// @Summary  Update an article: only the fields sent change
// @Tags     articles
// @Accept   json,mpfd,x-www-form-urlencoded
// @Produce  json
// @Param    id    path  int                           true  "article ID"  minimum(1)
// @Param    body  body  service.UpdateArticleRequest  true  "fields to change, and who changes them"
// @Success  200  {object}  model.ArticleWithTag
// @Failure  400  {object}  app.ErrorBody
// @Failure  401  {object}  app.ErrorBody
// @Failure  404  {object}  app.ErrorBody
// @Security ApiKeyAuth
// @Router   /api/v1/articles/{id} [put]
func (a Article) Update(c *gin.Context) {
	id, err := app.ParamID(c, "id")
	if err != nil {
		app.Error(c, err)
		return
	}
	var req service.UpdateArticleRequest
	if err := app.Bind(c, &req); err != nil {
		app.Error(c, err)
		return
	}
	art, err := a.svc.UpdateArticle(c.Request.Context(), id, req)
	if err != nil {
		app.Error(c, err)
		return
	}
	app.OK(c, art)
}

// UpdateState godoc
// @Summary  Publish or withdraw an article
// @Tags     articles
// @Accept   json,mpfd,x-www-form-urlencoded
// @Produce  json
// @Param    id    path  int                                true  "article ID"  minimum(1)
// @Param    body  body  service.UpdateArticleStateRequest  true  "new state"
// @Success  200  {object}  model.ArticleWithTag
// @Failure  400  {object}  app.ErrorBody
// @Failure  401  {object}  app.ErrorBody
// @Failure  404  {object}  app.ErrorBody
// @Security ApiKeyAuth
// @Router   /api/v1/articles/{id}/state [patch]
func (a Article) UpdateState(c *gin.Context) {
	id, err := app.ParamID(c, "id")
	if err != nil {
		app.Error(c, err)
		return
	}
	var req service.UpdateArticleStateRequest
	if err := app.Bind(c, &req); err != nil {
		app.Error(c, err)
		return
	}
	art, err := a.svc.UpdateArticleState(c.Request.Context(), id, req)
	if err != nil {
		app.Error(c, err)
		return
	}
	app.OK(c, art)
}

// Delete godoc
// @Summary  Delete an article (soft delete)
// @Tags     articles
// @Produce  json
// @Param    id   path  int  true  "article ID"  minimum(1)
// @Success  200  {object}  map[string]any  "empty object"
// @Failure  400  {object}  app.ErrorBody
// @Failure  401  {object}  app.ErrorBody
// @Failure  404  {object}  app.ErrorBody
// @Security ApiKeyAuth
// @Router   /api/v1/articles/{id} [delete]
func (a Article) Delete(c *gin.Context) {
	id, err := app.ParamID(c, "id")
	if err != nil {
		app.Error(c, err)
		return
	}
	if err := a.svc.DeleteArticle(c.Request.Context(), id); err != nil {
		app.Error(c, err)
		return
	}
	app.OK(c, gin.H{})
}
