package service

import (
	"context"

	"github.com/go-programming-tour-book/blog-service/pkg/page"

	"github.com/go-programming-tour-book/blog-service/internal/dao"
	"github.com/go-programming-tour-book/blog-service/internal/model"
)

// ListArticlesRequest filters GET /api/v1/articles. As in the book, state defaults to 1.
// TagID is a pointer so that tag_id=0 is refused rather than read as no filter: the
// validator skips omitempty's checks on a zero value, not on a pointer to one.
type ListArticlesRequest struct {
	TagID *uint32 `form:"tag_id" binding:"omitempty,gte=1"`
	State uint8   `form:"state,default=1" binding:"oneof=0 1"`
}

// CreateArticleRequest is the body of POST /api/v1/articles (form or JSON). Field comments
// and examples are the spec's (swag): the examples must succeed as sent. TagID is a pointer
// so that a tag_id of 0 is told it must be 1 or greater: the validator's required reads a
// zero value as not sent.
//
// @Description A new article and its tag.
type CreateArticleRequest struct {
	// The id of a live tag.
	TagID *uint32 `form:"tag_id" json:"tag_id" binding:"required,gte=1" format:"int64" maximum:"4294967295" example:"1"`
	// The title.
	Title string `form:"title" json:"title" binding:"required,min=2,max=100,line" example:"Graceful restarts in Go"`
	// A short description.
	Desc string `form:"desc" json:"desc" binding:"required,min=2,max=255,text" example:"How a server drains its requests"`
	// The text.
	Content string `form:"content" json:"content" binding:"required,min=2,max=65535,text" example:"Stop accepting, finish what is in flight, then exit."`
	// An http or https URL of the cover image.
	CoverImageURL string `form:"cover_image_url" json:"cover_image_url" binding:"required,http_url,rfc3986,max=255" format:"uri" example:"https://example.com/cover.png"`
	// Who creates it.
	CreatedBy string `form:"created_by" json:"created_by" binding:"required,min=2,max=100,line" example:"admin"`
	// 1 (the default): published; 0: withdrawn.
	State *uint8 `form:"state" json:"state" binding:"omitempty,oneof=0 1" format:"int32" default:"1" example:"1"`
}

// UpdateArticleRequest is the body of PUT /api/v1/articles/:id: only the fields sent
// change (the book's update demanded every field).
//
// @Description The fields to change, and who changes them: fields left out keep their value.
type UpdateArticleRequest struct {
	// The id of a live tag.
	TagID *uint32 `form:"tag_id" json:"tag_id" binding:"omitempty,gte=1" format:"int64" maximum:"4294967295" example:"1"`
	// The title.
	Title *string `form:"title" json:"title" binding:"omitempty,min=2,max=100,line" example:"Graceful restarts in Go, revised"`
	// A short description.
	Desc *string `form:"desc" json:"desc" binding:"omitempty,min=2,max=255,text" example:"How a server drains its requests"`
	// The text.
	Content *string `form:"content" json:"content" binding:"omitempty,min=2,max=65535,text" example:"Stop accepting, finish what is in flight, then exit."`
	// An http or https URL of the cover image.
	CoverImageURL *string `form:"cover_image_url" json:"cover_image_url" binding:"omitempty,http_url,rfc3986,max=255" format:"uri" example:"https://example.com/cover.png"`
	// 1: published; 0: withdrawn.
	State *uint8 `form:"state" json:"state" binding:"omitempty,oneof=0 1" format:"int32" example:"1"`
	// Who changes it.
	ModifiedBy string `form:"modified_by" json:"modified_by" binding:"required,min=2,max=100,line" example:"editor"`
}

// UpdateArticleStateRequest is the body of PATCH /api/v1/articles/:id/state.
//
// @Description An article's new state.
type UpdateArticleStateRequest struct {
	// 1: published; 0: withdrawn.
	State *uint8 `form:"state" json:"state" binding:"required,oneof=0 1" format:"int32" example:"1"`
	// Who changes it.
	ModifiedBy string `form:"modified_by" json:"modified_by" binding:"required,min=2,max=100,line" example:"editor"`
}

// ListArticles returns one page of articles with their tags and fills in the pager: the
// total and the after_id of the next page.
func (s *Service) ListArticles(ctx context.Context, req ListArticlesRequest, p page.Pager) ([]model.ArticleWithTag, page.Pager, error) {
	f := dao.ArticleFilter{State: &req.State}
	if req.TagID != nil {
		f.TagID = *req.TagID
	}
	list, n, err := s.dao.ListArticles(ctx, f, pageOf(p))
	if err != nil {
		return nil, p, err
	}
	list, p = finishPage(p, n, list, func(a model.ArticleWithTag) uint32 { return a.ID })
	return list, p, nil
}

// GetArticle returns a live article with its tag.
func (s *Service) GetArticle(ctx context.Context, id uint32) (model.ArticleWithTag, error) {
	return s.dao.GetArticle(ctx, id)
}

// CreateArticle adds an article linked to a live tag.
func (s *Service) CreateArticle(ctx context.Context, req CreateArticleRequest) (model.ArticleWithTag, error) {
	a := model.Article{
		Title:         req.Title,
		Desc:          req.Desc,
		Content:       req.Content,
		CoverImageURL: req.CoverImageURL,
		State:         model.StateEnabled,
	}
	if req.State != nil {
		a.State = *req.State
	}
	a.CreatedBy = req.CreatedBy
	if err := s.dao.CreateArticle(ctx, &a, *req.TagID); err != nil { // required: never nil once bound
		return model.ArticleWithTag{}, err
	}
	ctx, cancel := readBack(ctx)
	defer cancel()
	return s.dao.GetArticle(ctx, a.ID)
}

// UpdateArticle changes the fields the request carries and returns the article as stored.
func (s *Service) UpdateArticle(ctx context.Context, id uint32, req UpdateArticleRequest) (model.ArticleWithTag, error) {
	columns := map[string]any{"modified_by": req.ModifiedBy}
	for column, v := range map[string]*string{
		"title": req.Title, "desc": req.Desc, "content": req.Content, "cover_image_url": req.CoverImageURL,
	} {
		if v != nil {
			columns[column] = *v
		}
	}
	if req.State != nil {
		columns["state"] = *req.State
	}
	if err := s.dao.UpdateArticle(ctx, id, columns, req.TagID); err != nil {
		return model.ArticleWithTag{}, err
	}
	ctx, cancel := readBack(ctx)
	defer cancel()
	return s.dao.GetArticle(ctx, id)
}

// UpdateArticleState publishes or withdraws an article.
func (s *Service) UpdateArticleState(ctx context.Context, id uint32, req UpdateArticleStateRequest) (model.ArticleWithTag, error) {
	return s.UpdateArticle(ctx, id, UpdateArticleRequest{State: req.State, ModifiedBy: req.ModifiedBy})
}

// DeleteArticle soft-deletes an article.
func (s *Service) DeleteArticle(ctx context.Context, id uint32) error {
	return s.dao.DeleteArticle(ctx, id)
}
