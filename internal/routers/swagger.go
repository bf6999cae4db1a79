package routers

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/go-programming-tour-book/blog-service/docs"
	"github.com/go-programming-tour-book/blog-service/internal/app"
	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/pkg/swaggerui"
)

// swaggerHandler serves the Swagger UI (pkg/swaggerui) and, at /swagger/doc.json, the spec
// in docs/ as committed. `swag init` writes swagger.json with no host, so clients call the
// host that served the spec, which is what we want: the service cannot know the name its
// clients reach it by (the Host header is theirs to choose). The bytes are embedded, fixed
// at build time, so every router shares them and nothing renders them at run time.
func swaggerHandler() gin.HandlerFunc {
	ui := http.StripPrefix("/swagger", swaggerui.Handler(docs.SwaggerJSON))
	return func(c *gin.Context) {
		switch name := strings.TrimPrefix(c.Param("any"), "/"); {
		case name == "":
			redirect(c, "/swagger/index.html")
		case swaggerui.Serves(name):
			ui.ServeHTTP(c.Writer, c.Request)
		default: // swaggerui answers these with a plain-text 404
			app.Error(c, errcode.NotFound)
		}
	}
}

// redirect answers 302 to location with no body: http.Redirect would add a line of HTML.
func redirect(c *gin.Context, location string) {
	c.Header("Location", location)
	c.AbortWithStatus(http.StatusFound)
}
