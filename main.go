// Command blog-service is the blog API of "Go 语言编程之旅" with a production-grade
// lifecycle. main only calls run; run wires everything and owns the lifecycle.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"syscall"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/go-programming-tour-book/blog-service/global"
	"github.com/go-programming-tour-book/blog-service/internal/dao"
	"github.com/go-programming-tour-book/blog-service/internal/routers"
	"github.com/go-programming-tour-book/blog-service/internal/service"
	"github.com/go-programming-tour-book/blog-service/pkg/app"
	"github.com/go-programming-tour-book/blog-service/pkg/logger"
	"github.com/go-programming-tour-book/blog-service/pkg/server"
	"github.com/go-programming-tour-book/blog-service/pkg/setting"
	"github.com/go-programming-tour-book/blog-service/pkg/upload"
)

// @title        blog-service
// @version      1.0
// @description  The blog service of "Go 语言编程之旅": tags, auth and a slow endpoint to try graceful stop. Get a token from POST /auth (demo credential eddycjy / go-programming-tour-book in debug mode) and send it in the token header.
// @BasePath     /
// @securityDefinitions.apikey  ApiKeyAuth
// @in                          header
// @name                        token
func main() {
	if err := run(context.Background(), os.Args, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "blog-service: %v\n", err)
		os.Exit(1) // the only exit in the program
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	configPath := fs.String("config", "configs/config.yaml", "config file (YAML); without -config a missing file means built-in defaults")
	port := fs.Int("port", 0, "listen port (overrides Server.HttpPort)")
	mode := fs.String("mode", "", "debug or release (overrides Server.RunMode)")
	version := fs.Bool("version", false, "print version and exit")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *version {
		fmt.Fprintf(stdout, "blog-service %s (commit %s, built %s, %s)\n", global.Version, global.Commit, global.BuildTime, runtime.Version())
		return nil
	}
	overrides, explicitConfig := map[string]any{}, false
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "port":
			overrides["Server.HttpPort"] = *port
		case "mode":
			overrides["Server.RunMode"] = *mode
		case "config":
			explicitConfig = true
		}
	})
	cfg, err := setting.Load(*configPath, !explicitConfig, getenv, overrides)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	log, err := logger.New(stdout, cfg.Log.Level, cfg.Release())
	if err != nil {
		return fmt.Errorf("logger: %w", err)
	}
	defer log.Sync()
	ginMode := gin.DebugMode
	if cfg.Release() {
		ginMode = gin.ReleaseMode
	}
	tr, err := app.SetupGin(ginMode)
	if err != nil {
		return fmt.Errorf("gin: %w", err)
	}

	stop, force, release := server.NotifyStop(ctx, os.Interrupt, syscall.SIGTERM)
	defer release()

	// Bind before anything slow, so a taken port fails start-up at once with a clear error.
	ln, err := net.Listen("tcp", fmt.Sprintf(":%d", cfg.Server.HttpPort))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()

	db, err := dao.Open(stop, cfg.Database, log)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer dao.Close(db) // defers run last-in first-out: the database closes after the drain

	uploads, err := upload.NewStore(cfg.App.UploadSavePath, int64(cfg.App.UploadImageMaxSize)<<20, cfg.App.UploadImageAllowExts)
	if err != nil {
		return err
	}
	jwt := app.NewJWT(cfg.JWT.Secret, cfg.JWT.Issuer, cfg.JWT.Expire)
	svc := service.New(dao.New(db), jwt, service.Options{
		SlowMaxDelay:   cfg.App.SlowMaxDelay,
		UpstreamURL:    cfg.Upstream.URL,
		UpstreamClient: &http.Client{Timeout: cfg.Upstream.Timeout},
		Uploads:        uploads,
	})
	if !cfg.Release() {
		seeded, err := svc.SeedDemoAuth(stop)
		if err != nil {
			return fmt.Errorf("seed demo credential: %w", err)
		}
		if seeded {
			log.Info("debug mode: seeded the demo credential into an empty blog_auth",
				zap.String("app_key", service.DemoAppKey))
		}
	}

	srv := server.New(server.Options{
		ReadTimeout:       cfg.Server.ReadTimeout,
		ReadHeaderTimeout: cfg.Server.ReadHeaderTimeout,
		WriteTimeout:      cfg.Server.WriteTimeout,
		IdleTimeout:       cfg.Server.IdleTimeout,
		ShutdownTimeout:   cfg.Server.ShutdownTimeout,
		IdleDrainTimeout:  cfg.Server.IdleDrainTimeout,
	}, log)
	handler, err := routers.NewRouter(routers.Deps{
		Service:        svc,
		Log:            log,
		JWT:            jwt,
		Translations:   tr,
		Pages:          app.PageLimits{Default: cfg.App.DefaultPageSize, Max: cfg.App.MaxPageSize},
		Draining:       srv.Draining,
		MaxBodyBytes:   cfg.App.MaxBodyBytes,
		MaxUploadBytes: uploads.MaxSize() + 1<<20, // room for the multipart framing and fields
		RequestTimeout: cfg.App.DefaultContextTimeout,
		RateLimits:     cfg.Limiter.Rules,
		TrustedProxies: cfg.Server.TrustedProxies,
		UploadDir:      uploads.Dir(),
		UploadURL:      cfg.App.UploadServerUrl,
		DebugEndpoints: cfg.Server.DebugEndpoints || !cfg.Release(),
	})
	if err != nil {
		return fmt.Errorf("router: %w", err)
	}
	log.Info("serving", zap.String("addr", ln.Addr().String()), zap.String("mode", cfg.Server.RunMode),
		zap.String("database", cfg.Database.DBType), zap.String("version", global.Version), zap.Int("pid", os.Getpid()))
	err = srv.Serve(stop, force, ln, handler)
	log.Info("Server exiting", zap.Error(err))
	return err
}
