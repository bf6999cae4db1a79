package middleware

import (
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/go-programming-tour-book/blog-service/internal/app"
)

// Recovery turns a panic in a handler into the JSON 500 envelope and logs the stack with
// the request id; the client never sees the stack. http.ErrAbortHandler is re-raised: it is
// net/http's way to abort a response on purpose.
func Recovery(log *zap.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			r := recover()
			if r == nil {
				return
			}
			if err, ok := r.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(r)
			}
			log.Error("panic in handler",
				zap.Any("panic", r),
				zap.String("request_id", GetRequestID(c)),
				zap.ByteString("stack", debug.Stack()))
			app.Error(c, fmt.Errorf("panic: %v", r))
		}()
		c.Next()
	}
}
