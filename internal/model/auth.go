package model

// Auth is a row of blog_auth: an API client's credential. AppSecret holds a bcrypt hash,
// never the secret itself (the book stored it in clear).
type Auth struct {
	Model
	AppKey    string `gorm:"size:20;not null;default:'';uniqueIndex" json:"app_key"`
	AppSecret string `gorm:"size:100;not null;default:''" json:"-"`
}
