package dao_test

import (
	"context"
	"testing"

	"github.com/go-programming-tour-book/blog-service/internal/dao"
	"github.com/go-programming-tour-book/blog-service/internal/dao/daotest"
	"github.com/go-programming-tour-book/blog-service/internal/model"
)

// An article whose tag link is gone (written by hand, or by an older version) is still
// listed and read, with no tag, instead of failing on the join's NULL columns.
func TestArticleWithoutLink(t *testing.T) {
	t.Parallel()
	db := daotest.Open(t)
	d := dao.New(db)
	ctx := context.Background()
	tag := model.Tag{Name: "Go", State: 1}
	if err := d.CreateTag(ctx, &tag); err != nil {
		t.Fatal(err)
	}
	a := model.Article{Title: "Hello", Desc: "Desc", Content: "Content", State: 1}
	if err := d.CreateArticle(ctx, &a, tag.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.Exec("UPDATE blog_article_tag SET is_del = 1 WHERE article_id = ?", a.ID).Error; err != nil {
		t.Fatal(err)
	}
	got, err := d.GetArticle(ctx, a.ID)
	if err != nil || got.Tag != nil || got.Title != "Hello" {
		t.Errorf("GetArticle = %+v, %v; want the article with no tag", got, err)
	}
	list, _, err := d.ListArticles(ctx, dao.ArticleFilter{}, dao.Page{Limit: 10})
	if err != nil || len(list) != 1 || list[0].Tag != nil {
		t.Errorf("ListArticles = %+v, %v", list, err)
	}
}
