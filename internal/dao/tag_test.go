package dao_test

import (
	"context"
	"errors"
	"runtime"
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

// A page's memory follows the rows read, not the limit asked for: an operator may raise
// App.MaxPageSize far above the rows there are.
func TestAHugePageOfFewRowsIsSmall(t *testing.T) {
	d := dao.New(daotest.Open(t))
	ctx := context.Background()
	if err := d.CreateTag(ctx, &model.Tag{Name: "Go", State: model.StateEnabled}); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	tags, _, err := d.ListTags(ctx, dao.TagFilter{}, dao.Page{Limit: 1 << 20})
	runtime.ReadMemStats(&after)
	if err != nil || len(tags) != 1 {
		t.Fatalf("ListTags = %d tags, %v", len(tags), err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Errorf("a page of 1 row with a limit of 2^20 allocated %d bytes", n)
	}
}
