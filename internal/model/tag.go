package model

// Tag is a row of blog_tag.
type Tag struct {
	Model
	Name  string `gorm:"size:100;not null;default:'';index" json:"name"`
	State uint8  `gorm:"not null" json:"state"` // no gorm default: gorm would write it over an explicit 0
}
