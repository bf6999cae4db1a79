// Package model holds the gorm models: the book's tables (blog_tag, blog_article,
// blog_article_tag, blog_auth) and their columns. No queries and no HTTP live here.
//
// The models are also the API's answers, so their fields carry swag's tags: field comments
// are what API clients read in the spec, and validate:"required" marks a field every answer
// has (gin validates only binding tags; swag reads validate tags for "required").
package model

// TablePrefix is the book's table prefix; dao.Open gives it to gorm's naming strategy.
const TablePrefix = "blog_"

// Model holds the book's common columns. Times are Unix seconds, as in the book's schema;
// rows are soft-deleted by setting IsDel to 1 and DeletedOn to the time.
type Model struct {
	// The row's id.
	ID uint32 `gorm:"primaryKey" json:"id" validate:"required" format:"int64" minimum:"1" maximum:"4294967295" example:"1"`
	// Who created it.
	CreatedBy string `gorm:"size:100;not null;default:''" json:"created_by" validate:"required" example:"admin"`
	// Who changed it last; empty until it is changed.
	ModifiedBy string `gorm:"size:100;not null;default:''" json:"modified_by" validate:"required" example:""`
	// When it was created, in Unix seconds.
	CreatedOn uint32 `gorm:"autoCreateTime;not null" json:"created_on" validate:"required" format:"int64" example:"1700000000"`
	// When it was changed last, in Unix seconds.
	ModifiedOn uint32 `gorm:"autoUpdateTime;not null" json:"modified_on" validate:"required" format:"int64" example:"1700000000"`
	// When it was deleted, in Unix seconds: always 0, deleted rows are never returned.
	DeletedOn uint32 `gorm:"not null;default:0" json:"deleted_on" validate:"required" format:"int64" example:"0"`
	// 1 once deleted: always 0, deleted rows are never returned.
	IsDel uint8 `gorm:"not null;default:0" json:"is_del" validate:"required" format:"int32" enums:"0,1" example:"0"`
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
