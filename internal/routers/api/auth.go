package api

import (
	"errors"

	"github.com/gin-gonic/gin"

	"github.com/go-programming-tour-book/blog-service/internal/app"
	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/internal/service"
)

// Auth handles POST /auth.
type Auth struct {
	svc *service.Service
}

// NewAuth returns the auth handler.
func NewAuth(svc *service.Service) Auth { return Auth{svc: svc} }

// TokenBody is the answer of POST /auth.
//
// @Description A token for the API.
type TokenBody struct {
	// An HS256 JWT: send it as the token header, Authorization: Bearer <token> or ?token=.
	Token string `json:"token" validate:"required" example:"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhcHBfa2V5IjoiZWRkeWNqeSJ9.c2lnbmF0dXJl"`
}

// Token godoc
// @ID       issueToken
// @Summary  Get a token for an app_key and app_secret
// @Tags     auth
// @Accept   json
// @Produce  json
// @Param    body  body  service.AuthRequest  true  "the credential"
// @Success  200  {object}  TokenBody
// @Failure  400  {object}  app.ErrorBody  "invalid parameters (code 10000001)"
// @Failure  401  {object}  app.ErrorBody  "unknown app_key or wrong app_secret (code 10000003)"
// @Failure  413  {object}  app.ErrorBody  "body over App.MaxBodyBytes (code 10000014)"
// @Failure  415  {object}  app.ErrorBody  "a body that is not JSON or a form, or is compressed (Content-Encoding; code 10000015)"
// @Failure  429  {object}  app.ErrorBody  "over the /auth rate of Limiter.Rules (code 10000007); retry after Retry-After"
// @Header   429  {integer}  Retry-After  "seconds to wait"
// @Failure  500  {object}  app.ErrorBody  "internal error (codes 10000000, 10000006)"
// @Failure  503  {object}  app.ErrorBody  "too many password checks at once (code 10000016, with Retry-After), the database or rate limiter unavailable, or the server stopping (codes 10000012, 10000008)"
// @Failure  504  {object}  app.ErrorBody  "past App.DefaultContextTimeout (code 10000009)"
// @Router   /auth [post]
func (a Auth) Token(c *gin.Context) error {
	var req service.AuthRequest
	if err := app.Bind(c, &req); err != nil {
		return err
	}
	token, err := a.svc.Token(c.Request.Context(), req)
	if err != nil {
		if errors.Is(err, errcode.AuthBusy) {
			c.Header("Retry-After", "1")
		}
		return err
	}
	app.OK(c, TokenBody{Token: token})
	return nil
}
