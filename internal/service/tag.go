package service

import (
	"context"
	"fmt"

	"github.com/go-programming-tour-book/blog-service/pkg/page"

	"github.com/go-programming-tour-book/blog-service/internal/dao"
	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/internal/model"
)

// ListTagsRequest filters GET /api/v1/tags. As in the book, state defaults to 1 (enabled).
type ListTagsRequest struct {
	Name  string `form:"name" binding:"omitempty,max=100,line"`
	State uint8  `form:"state,default=1" binding:"oneof=0 1"`
}

// CreateTagRequest is the body of POST /api/v1/tags (form or JSON); state defaults to 1.
// Field comments and examples are the spec's (swag): the examples must succeed as sent.
//
// @Description A new tag.
type CreateTagRequest struct {
	// The name, unique among live tags.
	Name string `form:"name" json:"name" binding:"required,min=2,max=100,line" example:"Go"`
	// Who creates it.
	CreatedBy string `form:"created_by" json:"created_by" binding:"required,min=2,max=100,line" example:"admin"`
	// 1 (the default): enabled; 0: disabled.
	State *uint8 `form:"state" json:"state" binding:"omitempty,oneof=0 1" format:"int32" default:"1" example:"1"`
}

// UpdateTagRequest is the body of PUT /api/v1/tags/:id. Only the fields sent change (the
// book's update silently reset state to 0 when only a name was sent).
//
// @Description The fields to change, and who changes them: fields left out keep their value.
type UpdateTagRequest struct {
	// A new name, unique among live tags.
	Name *string `form:"name" json:"name" binding:"omitempty,min=2,max=100,line" example:"Golang"`
	// 1: enabled; 0: disabled.
	State *uint8 `form:"state" json:"state" binding:"omitempty,oneof=0 1" format:"int32" example:"1"`
	// Who changes it.
	ModifiedBy string `form:"modified_by" json:"modified_by" binding:"required,min=2,max=100,line" example:"editor"`
}

// UpdateTagStateRequest is the body of PATCH /api/v1/tags/:id/state.
//
// @Description A tag's new state.
type UpdateTagStateRequest struct {
	// 1: enabled; 0: disabled.
	State *uint8 `form:"state" json:"state" binding:"required,oneof=0 1" format:"int32" example:"1"`
	// Who changes it.
	ModifiedBy string `form:"modified_by" json:"modified_by" binding:"required,min=2,max=100,line" example:"editor"`
}

// ListTags returns one page of tags and fills in the pager: the total and
// the after_id of the next page.
func (s *Service) ListTags(ctx context.Context, req ListTagsRequest, p page.Pager) ([]model.Tag, page.Pager, error) {
	f := dao.TagFilter{Name: req.Name, State: &req.State}
	tags, n, err := s.dao.ListTags(ctx, f, pageOf(p))
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
	ctx, cancel := readBack(ctx)
	defer cancel()
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
		return fmt.Errorf("tag name %q: %w", name, errcode.TagNameTaken.WithDetail(fmt.Sprintf("name %q is taken", name), fmt.Sprintf("名称 %q 已被使用", name)))
	}
	return nil
}
