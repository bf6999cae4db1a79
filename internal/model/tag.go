package model

// Tag is a row of blog_tag. State has no gorm default: gorm would write the default over
// an explicit 0.
//
// @Description A tag that articles are filed under.
type Tag struct {
	Model
	// The tag's name, unique among live tags.
	Name string `gorm:"size:100;not null;default:'';index" json:"name" validate:"required" example:"Go"`
	// 1: enabled, listed by default; 0: disabled.
	State uint8 `gorm:"not null" json:"state" validate:"required" format:"int32" enums:"0,1" example:"1"`
}
