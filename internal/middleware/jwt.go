package middleware

import (
	"context"
	"errors"
	"fmt"
	"strings"

	tokens "github.com/go-programming-tour-book/blog-service/pkg/token"

	"github.com/gin-gonic/gin"

	"github.com/go-programming-tour-book/blog-service/internal/app"
	"github.com/go-programming-tour-book/blog-service/internal/errcode"
)

// JWT requires a valid token, read from `Authorization: Bearer`, the `token` header or the
// `token` query parameter (the book's two ways), that check accepts (its credential still
// exists). No handler needs the caller's app_key, so it is not kept: c.Set would make a
// map for every request (claims.AppKey is where a handler that needs it would get it).
func JWT(j *tokens.JWT, check func(context.Context, *tokens.Claims) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		token := bearer(c.GetHeader("Authorization"))
		if token == "" {
			token = c.GetHeader("Token") // the book's token header, canonical: no conversion per lookup
		}
		if token == "" {
			token = c.Query("token")
		}
		if token == "" {
			app.Error(c, errcode.UnauthorizedTokenError.WithDetail("no token: send Authorization: Bearer <token>, a token header or ?token=",
				"缺少 Token：请发送 Authorization: Bearer <token>、token 请求头或 ?token="))
			return
		}
		claims, err := j.Parse(token)
		switch {
		case errors.Is(err, tokens.ErrExpired):
			err = fmt.Errorf("%w: %w", errcode.UnauthorizedTokenTimeout, err)
		case err != nil:
			err = fmt.Errorf("%w: %w", errcode.UnauthorizedTokenError, err)
		default:
			err = check(c.Request.Context(), claims)
		}
		if err != nil {
			app.Error(c, err)
			return
		}
		c.Next()
	}
}

func bearer(h string) string {
	if len(h) > 7 && strings.EqualFold(h[:7], "Bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}
