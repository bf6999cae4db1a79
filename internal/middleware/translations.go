package middleware

import (
	"github.com/gin-gonic/gin"

	"github.com/go-programming-tour-book/blog-service/pkg/app"
)

// Translations picks the language of validation messages from the book's `locale` header
// or Accept-Language. The translators are built once at start-up and shared.
func Translations(tr *app.Translations) gin.HandlerFunc {
	return func(c *gin.Context) {
		app.SetTranslator(c, tr.For(c.GetHeader("locale"), c.GetHeader("Accept-Language")))
		c.Next()
	}
}
