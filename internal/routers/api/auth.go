package api

import (
	"errors"

	"github.com/gin-gonic/gin"

	"github.com/go-programming-tour-book/blog-service/internal/service"
	"github.com/go-programming-tour-book/blog-service/pkg/app"
	"github.com/go-programming-tour-book/blog-service/pkg/errcode"
)

// Auth handles POST /auth.
type Auth struct {
	svc *service.Service
}

// NewAuth returns the auth handler.
func NewAuth(svc *service.Service) Auth { return Auth{svc: svc} }

// TokenBody is the answer of POST /auth.
type TokenBody struct {
	Token string `json:"token"`
}

// Token godoc
// @Summary  Get a token for an app_key and app_secret
// @Tags     auth
// @Accept   json,mpfd,x-www-form-urlencoded
// @Produce  json
// @Param    body  body  service.AuthRequest  true  "credential (or the same fields as form values)"
// @Success  200  {object}  TokenBody
// @Failure  400  {object}  app.ErrorBody
// @Failure  401  {object}  app.ErrorBody
// @Failure  415  {object}  app.ErrorBody
// @Failure  429  {object}  app.ErrorBody
// @Failure  503  {object}  app.ErrorBody
// @Router   /auth [post]
func (a Auth) Token(c *gin.Context) {
	var req service.AuthRequest
	if err := app.Bind(c, &req); err != nil {
		app.Error(c, err)
		return
	}
	token, err := a.svc.Token(c.Request.Context(), req)
	if err != nil {
		if errors.Is(err, errcode.AuthBusy) {
			c.Header("Retry-After", "1")
		}
		app.Error(c, err)
		return
	}
	app.OK(c, TokenBody{Token: token})
}
