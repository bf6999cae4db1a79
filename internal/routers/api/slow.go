package api

import (
	"cmp"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/go-programming-tour-book/blog-service/internal/app"
	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/internal/service"
)

// maxDelayLength is the spec's maxLength of delay (Work's annotations).
const maxDelayLength = 32

// Slow handles GET /api/v1/tags/slow, the slow demonstration endpoint: a request that
// takes as long as it asks, to watch a graceful stop or an upgrade let it finish. Its work
// (Service.Slow) and its settings (service.SlowOptions) are in internal/service/slow.go.
type Slow struct {
	svc *service.Service
}

// NewSlow returns the slow endpoint's handler.
func NewSlow(svc *service.Service) Slow {
	return Slow{svc: svc}
}

// Work godoc
// @ID       slowWork
// @Summary  Slow work, for trying graceful stop
// @Description  Waits for delay, then fetches Upstream.URL when one is configured. Stops when the client leaves or the shutdown deadline passes.
// @Tags     tags
// @Produce  json
// @Param    delay  query  string  false  "a Go duration from 0s to App.SlowMaxDelay (30s)"  default(1s)  maxlength(32)
// @Success  200  {object}  service.SlowResult
// @Failure  400  {object}  app.ErrorBody  "invalid parameters (code 10000001)"
// @Failure  401  {object}  app.ErrorBody  "no token, or a bad, expired or revoked one (codes 10000004, 10000005)"
// @Failure  429  {object}  app.ErrorBody  "over a Limiter.Rules rate for this route (code 10000007); retry after Retry-After"
// @Header   429  {integer}  Retry-After  "seconds to wait"
// @Failure  500  {object}  app.ErrorBody  "internal error (code 10000000)"
// @Failure  502  {object}  app.ErrorBody  "Upstream.URL failed or answered 5xx (code 10000010)"
// @Failure  503  {object}  app.ErrorBody  "cancelled: the server is shutting down or the client left (code 10000008), or the rate limiter is unavailable (code 10000012)"
// @Failure  504  {object}  app.ErrorBody  "past App.DefaultContextTimeout (code 10000009), or Upstream.URL timed out (code 10000011)"
// @Security TokenHeader
// @Security BearerAuth
// @Security TokenQuery
// @Router   /api/v1/tags/slow [get]
func (s Slow) Work(c *gin.Context) error {
	raw := c.Query("delay")
	if utf8.RuneCountInString(raw) > maxDelayLength { // a count of characters, as JSON Schema's
		return errcode.InvalidParams.WithDetail(fmt.Sprintf("delay is at most %d characters", maxDelayLength),
			fmt.Sprintf("delay 最多 %d 个字符", maxDelayLength))
	}
	// Blank counts as not sent, as for every number (app.Bind).
	delay, err := time.ParseDuration(cmp.Or(strings.TrimSpace(raw), "1s"))
	if err != nil {
		return errcode.InvalidParams.WithDetail("delay must be a duration such as 3s or 500ms", "delay 必须是时长，例如 3s 或 500ms")
	}
	res, err := s.svc.Slow(c.Request.Context(), delay)
	if err != nil {
		return err
	}
	app.OK(c, res)
	return nil
}
