package dao_test

import (
	"context"
	"errors"
	"testing"

	"github.com/go-programming-tour-book/blog-service/internal/dao"
	"github.com/go-programming-tour-book/blog-service/internal/dao/daotest"
	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/internal/model"
)

// The database, not the service's pre-check, keeps live tag names unique: these calls go
// straight to the dao. A deleted tag's name is free again.
func TestLiveTagNamesAreUnique(t *testing.T) {
	t.Parallel()
	d := dao.New(daotest.Open(t))
	ctx := context.Background()
	create := func(name string) (model.Tag, error) {
		tag := model.Tag{Name: name, State: model.StateEnabled}
		return tag, d.CreateTag(ctx, &tag)
	}
	goTag, err := create("Go")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := create("Go"); !errors.Is(err, errcode.TagNameTaken) {
		t.Errorf("second live Go: %v, want TagNameTaken", err)
	}
	rust, err := create("Rust")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.UpdateTag(ctx, rust.ID, map[string]any{"name": "Go"}); !errors.Is(err, errcode.TagNameTaken) {
		t.Errorf("rename Rust to Go: %v, want TagNameTaken", err)
	}
	if err := d.UpdateTag(ctx, goTag.ID, map[string]any{"name": "Go", "state": model.StateDisabled}); err != nil {
		t.Errorf("update Go keeping its name: %v", err)
	}
	if err := d.DeleteTag(ctx, goTag.ID); err != nil {
		t.Fatal(err)
	}
	again, err := create("Go")
	if err != nil {
		t.Fatalf("create Go after deleting the old one: %v", err)
	}
	if err := d.DeleteTag(ctx, again.ID); err != nil {
		t.Fatal(err)
	}
	if err := d.UpdateTag(ctx, rust.ID, map[string]any{"name": "Go"}); err != nil {
		t.Errorf("rename Rust to Go, all Go tags deleted: %v", err)
	}
}
