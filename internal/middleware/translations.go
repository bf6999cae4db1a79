package middleware

import (
	"github.com/gin-gonic/gin"

	"github.com/go-programming-tour-book/blog-service/internal/app"
)

// Translations gives Bind the validation-message translators, built once at start-up and
// shared: Bind writes each detail in English and Chinese, and app.Error sends the language
// the request asks for (the book's `locale` header or Accept-Language).
func Translations(tr *app.Translations) gin.HandlerFunc {
	return func(c *gin.Context) {
		app.SetTranslations(c, tr)
		c.Next()
	}
}
