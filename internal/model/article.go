package model

// Article is a row of blog_article.
type Article struct {
	Model
	Title string `gorm:"size:100;not null;default:''" json:"title"`
	Desc  string `gorm:"size:255;not null;default:''" json:"desc"`
	// Content is left out of lists (see dao.ListArticles). mediumtext on MySQL (16 MB); TEXT
	// affinity on SQLite.
	Content       string `gorm:"type:mediumtext" json:"content,omitempty"`
	CoverImageURL string `gorm:"column:cover_image_url;size:255;not null;default:''" json:"cover_image_url"`
	State         uint8  `gorm:"not null" json:"state"` // no gorm default: gorm would write it over an explicit 0
}

// ArticleTag is a row of blog_article_tag, linking an article to its tag.
type ArticleTag struct {
	Model
	ArticleID uint32 `gorm:"not null;index" json:"article_id"`
	TagID     uint32 `gorm:"not null;index" json:"tag_id"`
}

// ArticleWithTag is an article as the API shows it: with its tag (nil if the link is gone).
type ArticleWithTag struct {
	Article
	Tag *Tag `json:"tag"`
}
