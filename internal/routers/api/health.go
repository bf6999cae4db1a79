package api

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/go-programming-tour-book/blog-service/global"
	"github.com/go-programming-tour-book/blog-service/internal/service"
	"github.com/go-programming-tour-book/blog-service/pkg/app"
	"github.com/go-programming-tour-book/blog-service/pkg/errcode"
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
type HealthBody struct {
	Status  string `json:"status" example:"ok"`
	Version string `json:"version" example:"v1.0.0"`
	PID     int    `json:"pid" example:"4242"`
}

// Live godoc
// @Summary  Liveness: the process is up
// @Tags     health
// @Produce  json
// @Success  200  {object}  HealthBody
// @Router   /healthz [get]
func (h Health) Live(c *gin.Context) {
	c.JSON(http.StatusOK, HealthBody{Status: "ok", Version: global.Version, PID: os.Getpid()})
}

// Ready godoc
// @Summary  Readiness: 503 while draining or when the database does not answer
// @Tags     health
// @Produce  json
// @Success  200  {object}  HealthBody
// @Failure  503  {object}  app.ErrorBody
// @Router   /readyz [get]
func (h Health) Ready(c *gin.Context) {
	if h.draining() {
		app.Error(c, errcode.ServiceUnavailable.WithDetail("draining: the server is stopping", "服务正在停止"))
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), time.Second)
	defer cancel()
	if err := h.svc.Ping(ctx); err != nil {
		app.Error(c, fmt.Errorf("readiness: %w: %w", errcode.ServiceUnavailable.WithDetail("database does not answer", "数据库无响应"), err))
		return
	}
	c.JSON(http.StatusOK, HealthBody{Status: "ready", Version: global.Version, PID: os.Getpid()})
}
