package api

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/go-programming-tour-book/blog-service/global"
	"github.com/go-programming-tour-book/blog-service/internal/app"
	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/internal/service"
)

// Health answers liveness and readiness probes.
type Health struct {
	svc      *service.Service
	draining func() bool
}

// NewHealth returns the probe handlers; draining reports whether the server is stopping.
func NewHealth(svc *service.Service, draining func() bool) Health {
	return Health{svc: svc, draining: draining}
}

// HealthBody is the answer of /healthz and /readyz.
//
// @Description The process's state, version and id.
type HealthBody struct {
	// ok (liveness) or ready (readiness).
	Status string `json:"status" validate:"required" enums:"ok,ready" example:"ok"`
	// The build's version.
	Version string `json:"version" validate:"required" example:"v1.0.0"`
	// The id of the process that answered.
	PID int `json:"pid" validate:"required" format:"int32" example:"4242"`
}

// Live godoc
// @ID       getLiveness
// @Summary  Liveness: the process is up
// @Tags     health
// @Produce  json
// @Success  200  {object}  HealthBody
// @Failure  400  {object}  app.ErrorBody  "a query string that does not parse (code 10000001); probes need none"
// @Failure  429  {object}  app.ErrorBody  "over a Limiter.Rules rate for this route (code 10000007); retry after Retry-After"
// @Header   429  {integer}  Retry-After  "seconds to wait"
// @Failure  500  {object}  app.ErrorBody  "internal error (code 10000000)"
// @Failure  503  {object}  app.ErrorBody  "the rate limiter is unavailable (code 10000012)"
// @Router   /healthz [get]
func (h Health) Live(c *gin.Context) error {
	app.OK(c, HealthBody{Status: "ok", Version: global.Version, PID: os.Getpid()})
	return nil
}

// LiveHead godoc
// @ID       headLiveness
// @Summary  Liveness, as GET /healthz without the body (for monitors that send HEAD)
// @Tags     health
// @Produce  json
// @Success  200  {object}  HealthBody
// @Failure  400  {object}  app.ErrorBody  "a query string that does not parse (code 10000001); probes need none"
// @Failure  429  {object}  app.ErrorBody  "over a Limiter.Rules rate for this route (code 10000007); retry after Retry-After"
// @Header   429  {integer}  Retry-After  "seconds to wait"
// @Failure  500  {object}  app.ErrorBody  "internal error (code 10000000)"
// @Failure  503  {object}  app.ErrorBody  "the rate limiter is unavailable (code 10000012)"
// @Router   /healthz [head]
func (h Health) LiveHead(c *gin.Context) error { return h.Live(c) }

// ReadyHead godoc
// @ID       headReadiness
// @Summary  Readiness, as GET /readyz without the body (for load balancers that send HEAD)
// @Tags     health
// @Produce  json
// @Success  200  {object}  HealthBody
// @Failure  400  {object}  app.ErrorBody  "a query string that does not parse (code 10000001); probes need none"
// @Failure  429  {object}  app.ErrorBody  "over a Limiter.Rules rate for this route (code 10000007); retry after Retry-After"
// @Header   429  {integer}  Retry-After  "seconds to wait"
// @Failure  500  {object}  app.ErrorBody  "internal error (code 10000000)"
// @Failure  503  {object}  app.ErrorBody  "draining, the database does not answer, or the rate limiter is unavailable (code 10000012)"
// @Router   /readyz [head]
func (h Health) ReadyHead(c *gin.Context) error { return h.Ready(c) }

// Ready godoc
// @ID       getReadiness
// @Summary  Readiness: 503 while draining or when the database does not answer
// @Tags     health
// @Produce  json
// @Success  200  {object}  HealthBody
// @Failure  400  {object}  app.ErrorBody  "a query string that does not parse (code 10000001); probes need none"
// @Failure  429  {object}  app.ErrorBody  "over a Limiter.Rules rate for this route (code 10000007); retry after Retry-After"
// @Header   429  {integer}  Retry-After  "seconds to wait"
// @Failure  500  {object}  app.ErrorBody  "internal error (code 10000000)"
// @Failure  503  {object}  app.ErrorBody  "draining, the database does not answer, or the rate limiter is unavailable (code 10000012)"
// @Router   /readyz [get]
func (h Health) Ready(c *gin.Context) error {
	if h.draining() {
		return errcode.ServiceUnavailable.WithDetail("draining: the server is stopping", "服务正在停止")
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), time.Second)
	defer cancel()
	if err := h.svc.Ping(ctx); err != nil {
		return fmt.Errorf("readiness: %w: %w", errcode.ServiceUnavailable.WithDetail("database does not answer", "数据库无响应"), err)
	}
	app.OK(c, HealthBody{Status: "ready", Version: global.Version, PID: os.Getpid()})
	return nil
}
