package service

import (
	"context"
	"fmt"

	"github.com/go-programming-tour-book/blog-service/internal/dao"
	"github.com/go-programming-tour-book/blog-service/internal/model"
	"github.com/go-programming-tour-book/blog-service/pkg/app"
	"github.com/go-programming-tour-book/blog-service/pkg/errcode"
)

// ListTagsRequest filters GET /api/v1/tags. As in the book, state defaults to 1 (enabled).
type ListTagsRequest struct {
	Name  string `form:"name" binding:"max=100"`
	State uint8  `form:"state,default=1" binding:"oneof=0 1"`
}

// CreateTagRequest is the body of POST /api/v1/tags (form or JSON); state defaults to 1.
type CreateTagRequest struct {
	Name      string `form:"name" json:"name" binding:"required,min=2,max=100"`
	CreatedBy string `form:"created_by" json:"created_by" binding:"required,min=2,max=100"`
	State     *uint8 `form:"state" json:"state" binding:"omitempty,oneof=0 1"`
}

// UpdateTagRequest is the body of PUT /api/v1/tags/:id. Only the fields sent change (the
// book's update silently reset state to 0 when only a name was sent).
type UpdateTagRequest struct {
	Name       *string `form:"name" json:"name" binding:"omitempty,min=2,max=100"`
	State      *uint8  `form:"state" json:"state" binding:"omitempty,oneof=0 1"`
	ModifiedBy string  `form:"modified_by" json:"modified_by" binding:"required,min=2,max=100"`
}

// UpdateTagStateRequest is the body of PATCH /api/v1/tags/:id/state.
type UpdateTagStateRequest struct {
	State      *uint8 `form:"state" json:"state" binding:"required,oneof=0 1"`
	ModifiedBy string `form:"modified_by" json:"modified_by" binding:"required,min=2,max=100"`
}

// ListTags returns one page of tags and fills in the pager: the total, counted through
// CountPages pages, and the after_id of the next page.
func (s *Service) ListTags(ctx context.Context, req ListTagsRequest, p app.Pager) ([]model.Tag, app.Pager, error) {
	f := dao.TagFilter{Name: req.Name, State: &req.State}
	n, err := s.dao.CountTags(ctx, f, countLimit(p)+1)
	if err != nil {
		return nil, p, err
	}
	tags, err := s.dao.ListTags(ctx, f, pageOf(p))
	if err != nil {
		return nil, p, err
	}
	tags, p = finishPage(p, n, tags, func(t model.Tag) uint32 { return t.ID })
	return tags, p, nil
}

// GetTag returns a live tag.
func (s *Service) GetTag(ctx context.Context, id uint32) (model.Tag, error) {
	return s.dao.GetTag(ctx, id)
}

// CreateTag adds a tag whose name no live tag has.
func (s *Service) CreateTag(ctx context.Context, req CreateTagRequest) (model.Tag, error) {
	if err := s.checkNameFree(ctx, req.Name, 0); err != nil {
		return model.Tag{}, err
	}
	t := model.Tag{Name: req.Name, State: model.StateEnabled}
	if req.State != nil {
		t.State = *req.State
	}
	t.CreatedBy = req.CreatedBy
	if err := s.dao.CreateTag(ctx, &t); err != nil {
		return model.Tag{}, err
	}
	return t, nil
}

// UpdateTag changes the fields the request carries and returns the tag as stored.
func (s *Service) UpdateTag(ctx context.Context, id uint32, req UpdateTagRequest) (model.Tag, error) {
	columns := map[string]any{"modified_by": req.ModifiedBy}
	if req.Name != nil {
		if err := s.checkNameFree(ctx, *req.Name, id); err != nil {
			return model.Tag{}, err
		}
		columns["name"] = *req.Name
	}
	if req.State != nil {
		columns["state"] = *req.State
	}
	if err := s.dao.UpdateTag(ctx, id, columns); err != nil {
		return model.Tag{}, err
	}
	return s.dao.GetTag(ctx, id)
}

// UpdateTagState enables or disables a tag.
func (s *Service) UpdateTagState(ctx context.Context, id uint32, req UpdateTagStateRequest) (model.Tag, error) {
	return s.UpdateTag(ctx, id, UpdateTagRequest{State: req.State, ModifiedBy: req.ModifiedBy})
}

// DeleteTag soft-deletes a tag.
func (s *Service) DeleteTag(ctx context.Context, id uint32) error {
	return s.dao.DeleteTag(ctx, id)
}

// checkNameFree answers the common case without a failed write. It is not the guard: two
// racing creates can both pass it, and the database's unique index on live tag names then
// refuses the second (the dao returns the same errcode.TagNameTaken).
func (s *Service) checkNameFree(ctx context.Context, name string, exceptID uint32) error {
	taken, err := s.dao.TagNameTaken(ctx, name, exceptID)
	if err != nil {
		return err
	}
	if taken {
		return fmt.Errorf("tag name %q: %w", name, errcode.TagNameTaken.WithDetails(fmt.Sprintf("name %q is taken", name)))
	}
	return nil
}
