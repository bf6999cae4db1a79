// Package model holds the gorm models: the book's tables (blog_tag, blog_article,
// blog_article_tag, blog_auth) and their columns. No queries and no HTTP live here.
package model

// TablePrefix is the book's table prefix; dao.Open gives it to gorm's naming strategy.
const TablePrefix = "blog_"

// Model holds the book's common columns. Times are Unix seconds, as in the book's schema;
// rows are soft-deleted by setting IsDel to 1 and DeletedOn to the time.
type Model struct {
	ID         uint32 `gorm:"primaryKey" json:"id"`
	CreatedBy  string `gorm:"size:100;not null;default:''" json:"created_by"`
	ModifiedBy string `gorm:"size:100;not null;default:''" json:"modified_by"`
	CreatedOn  uint32 `gorm:"autoCreateTime;not null" json:"created_on"`
	ModifiedOn uint32 `gorm:"autoUpdateTime;not null" json:"modified_on"`
	DeletedOn  uint32 `gorm:"not null;default:0" json:"deleted_on"`
	IsDel      uint8  `gorm:"not null;default:0" json:"is_del"`
}

// States of a tag or an article, as in the book.
const (
	StateDisabled uint8 = 0
	StateEnabled  uint8 = 1
)

// All lists every model, for the test that checks the migrations create their columns.
func All() []any {
	return []any{&Tag{}, &Article{}, &ArticleTag{}, &Auth{}}
}
