// Package routers builds the gin.Engine: every route and its middleware, in one file.
package routers

import (
	"net/http"

	"github.com/gin-gonic/gin"
	swaggerFiles "github.com/swaggo/files"
	ginSwagger "github.com/swaggo/gin-swagger"
	"go.uber.org/zap"

	_ "github.com/go-programming-tour-book/blog-service/docs" // registers the generated Swagger spec
	"github.com/go-programming-tour-book/blog-service/internal/middleware"
	"github.com/go-programming-tour-book/blog-service/internal/routers/api"
	"github.com/go-programming-tour-book/blog-service/internal/service"
	"github.com/go-programming-tour-book/blog-service/pkg/app"
	"github.com/go-programming-tour-book/blog-service/pkg/errcode"
)

// Deps is everything the router needs; NewRouter reads nothing else.
type Deps struct {
	Service      *service.Service
	Log          *zap.Logger
	JWT          *app.JWT
	Translations *app.Translations
	Pages        app.PageLimits
	// Draining reports whether the server is stopping; /readyz turns 503 then.
	Draining func() bool
}

// NewRouter returns the service's HTTP handler.
func NewRouter(d Deps) *gin.Engine {
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.Use(
		middleware.RequestID(),
		middleware.AccessLog(d.Log),
		middleware.Recovery(d.Log),
		middleware.Translations(d.Translations),
	)
	r.NoRoute(func(c *gin.Context) {
		app.Error(c, errcode.NotFound.WithDetails("no route for "+c.Request.Method+" "+c.Request.URL.Path))
	})
	r.NoMethod(func(c *gin.Context) {
		app.Error(c, errcode.MethodNotAllowed)
	})

	health := api.NewHealth(d.Service, d.Draining)
	r.GET("/healthz", health.Live)
	r.GET("/readyz", health.Ready)
	r.GET("/swagger/*any", ginSwagger.WrapHandler(swaggerFiles.Handler))
	r.GET("/", func(c *gin.Context) { c.Redirect(http.StatusFound, "/swagger/index.html") })

	auth := api.NewAuth(d.Service)
	r.POST("/auth", auth.Token)

	tag := api.NewTag(d.Service, d.Pages)
	v1 := r.Group("/api/v1", middleware.JWT(d.JWT))
	v1.GET("/tags", tag.List)
	v1.GET("/tags/slow", tag.Slow)
	v1.GET("/tags/:id", tag.Get)
	v1.POST("/tags", tag.Create)
	v1.PUT("/tags/:id", tag.Update)
	v1.PATCH("/tags/:id/state", tag.UpdateState)
	v1.DELETE("/tags/:id", tag.Delete)
	return r
}
