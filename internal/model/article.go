package model

// Article is a row of blog_article. Content is left out of lists (see dao.ListArticles);
// it is mediumtext on MySQL (16 MB), TEXT affinity on SQLite. State has no gorm default:
// gorm would write the default over an explicit 0.
type Article struct {
	Model
	// The title.
	Title string `gorm:"size:100;not null;default:''" json:"title" validate:"required" example:"Graceful restarts in Go"`
	// A short description.
	Desc string `gorm:"size:255;not null;default:''" json:"desc" validate:"required" example:"How a server drains its requests"`
	// The text; only in GET /api/v1/articles/{id}, never in lists.
	Content string `gorm:"type:mediumtext" json:"content,omitempty" example:"Stop accepting, finish what is in flight, then exit."`
	// An http or https URL of the cover image.
	CoverImageURL string `gorm:"column:cover_image_url;size:255;not null;default:''" json:"cover_image_url" validate:"required" example:"https://example.com/cover.png"`
	// 1: published, listed by default; 0: withdrawn.
	State uint8 `gorm:"not null" json:"state" validate:"required" format:"int32" enums:"0,1" example:"1"`
}

// ArticleTag is a row of blog_article_tag, linking an article to its tag.
type ArticleTag struct {
	Model
	ArticleID uint32 `gorm:"not null;index" json:"article_id"`
	TagID     uint32 `gorm:"not null;index" json:"tag_id"`
}

// ArticleWithTag is an article as the API shows it: with its tag (nil if the link is gone).
//
// @Description An article with its tag.
type ArticleWithTag struct {
	Article
	// The article's tag; null only if its link was removed from the database by hand.
	Tag *Tag `json:"tag" validate:"required" extensions:"x-nullable"`
}
