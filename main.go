// Command blog-service is the blog API of "Go 语言编程之旅" with a production-grade
// lifecycle. main only calls run; run wires everything and owns the lifecycle.
//
// The process you start is a small master that owns the listening socket and runs one
// serving worker (this same binary) at a time: SIGHUP starts a new worker from the current
// binary and config and retires the old one once the new one serves; SIGINT/SIGTERM drain
// and stop. See pkg/lifecycle and the README.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-programming-tour-book/blog-service/pkg/page"
	"github.com/go-programming-tour-book/blog-service/pkg/token"

	"github.com/coreos/go-systemd/v22/daemon"
	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"gorm.io/gorm"

	"github.com/go-programming-tour-book/blog-service/global"
	"github.com/go-programming-tour-book/blog-service/internal/app"
	"github.com/go-programming-tour-book/blog-service/internal/cli"
	"github.com/go-programming-tour-book/blog-service/internal/dao"
	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/internal/metrics"
	"github.com/go-programming-tour-book/blog-service/internal/middleware"
	"github.com/go-programming-tour-book/blog-service/internal/routers"
	"github.com/go-programming-tour-book/blog-service/internal/service"
	"github.com/go-programming-tour-book/blog-service/internal/setting"
	"github.com/go-programming-tour-book/blog-service/pkg/idle"
	"github.com/go-programming-tour-book/blog-service/pkg/lifecycle/server"
	"github.com/go-programming-tour-book/blog-service/pkg/lifecycle/supervisor"
	"github.com/go-programming-tour-book/blog-service/pkg/limiter"
	"github.com/go-programming-tour-book/blog-service/pkg/logger"
	"github.com/go-programming-tour-book/blog-service/pkg/tracing"
	"github.com/go-programming-tour-book/blog-service/pkg/upload"
)

// @title        blog-service
// @version      1.0
// @description  The blog service of "Go 语言编程之旅": tags, articles, auth and upload, with a production-grade lifecycle. Get a token from POST /auth (the demo credential eddycjy / go-programming-tour-book exists in debug mode) and send it in the token header, as Authorization: Bearer <token>, or as ?token=. Bodies are JSON here; the same fields also work as a URL-encoded or multipart form. Every failure is the ErrorBody JSON, in Chinese when the locale header or Accept-Language asks for zh.
// @BasePath     /
// @securityDefinitions.apikey  TokenHeader
// @in                          header
// @name                        token
// @description                 The token from POST /auth, as the book sends it.
// @securityDefinitions.apikey  BearerAuth
// @in                          header
// @name                        Authorization
// @description                 "Bearer " followed by the token from POST /auth.
// @securityDefinitions.apikey  TokenQuery
// @in                          query
// @name                        token
// @description                 The token from POST /auth as a query parameter.

// The master forks its workers and re-executes itself from the main thread only (see
// supervisor.Run): locking the main goroutine to it must happen in an init function.
func init() { runtime.LockOSThread() }

func main() {
	// A log reader that goes away (a pipe to a logger or a terminal that closed) must cost
	// the log, not the service: Go ends a program with SIGPIPE at its next write to a broken
	// stdout or stderr unless the signal is ignored. Workers inherit the setting.
	signal.Ignore(syscall.SIGPIPE)
	if err := run(context.Background(), os.Args, os.Environ(), os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "blog-service: %v\n", err)
		status := 1
		if errors.Is(err, server.ErrHandOverCut) { // a worker: its master tells the upgrade's cut from a stop's
			status = supervisor.StatusHandOverCut
		}
		os.Exit(status) // the only exit in the program
	}
}

func run(ctx context.Context, args []string, environ []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	configPath := fs.String("config", "configs/config.yaml", "config file (YAML); without -config a missing file means built-in defaults")
	port := fs.Int("port", 0, "listen port (overrides Server.HttpPort)")
	mode := fs.String("mode", "", "debug or release (overrides Server.RunMode)")
	pidFile := fs.String("pidfile", "", "write the PID to signal (SIGHUP upgrades, SIGTERM stops) here (overrides Server.PIDFile)")
	version := fs.Bool("version", false, "print version and exit")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: blog-service [flags]   serve\n%s\nflags:\n", cli.Usage)
		fs.PrintDefaults()
	}
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
		case "pidfile":
			overrides["Server.PIDFile"] = *pidFile
		case "config":
			explicitConfig = true
		}
	})
	getenv := func(key string) string { return lookupEnv(environ, key) }
	cfg, err := setting.Load(*configPath, !explicitConfig, environ, overrides)
	if err != nil {
		err = fmt.Errorf("config: %w", err)
		supervisor.StartFailed(getenv, err) // a worker's master passes it on to reload
		return err
	}
	if fs.NArg() > 0 {
		// A command (auth add|list|remove on the configured database, or reload through
		// the PID file) runs and returns; neither the supervisor nor a server starts.
		return cli.Run(ctx, cfg, fs.Args(), stdin, stdout, stderr)
	}
	log, accessLog, err := logger.New(stdout, cfg.Log.Level, cfg.Release())
	if err != nil {
		return fmt.Errorf("logger: %w", err)
	}
	defer func() { _ = accessLog.Sync() }() // writes the access lines still batched; fails on a terminal after that

	addr := fmt.Sprintf(":%d", cfg.Server.HttpPort)
	if supervisor.Probing(getenv) {
		// A master about to re-execute into this binary asks whether it can: it can, its
		// configuration loads and its logger starts, all a master does before Run.
		fmt.Fprintln(stdout, supervisor.ProbeAnswer())
		return nil
	}

	ln, rep, isWorker, err := supervisor.Inherited(getenv)
	if err != nil {
		return err
	}
	logStart(log, cfg, isWorker)
	switch {
	case isWorker:
		if _, port, _ := net.SplitHostPort(ln.Addr().String()); port != strconv.Itoa(cfg.Server.HttpPort) {
			log.Warn("Server.HttpPort is not applied until the service restarts: a worker serves the socket its master holds",
				zap.Int("configured", cfg.Server.HttpPort), zap.String("serving", port))
		}
		err := serve(ctx, cfg, log, accessLog, ln, rep.Ready, "SIGHUP goes to the master process (the PID file's), not to a worker")
		if err != nil {
			rep.Fail(err) // a no-op once it served: the master hears why an upgrade failed
		}
		return err
	case !supervisor.Supported:
		// Bind before anything slow, so a taken port fails start-up at once.
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("listen: %w", err)
		}
		return serve(ctx, cfg, log, accessLog, ln, nil, "SIGHUP: in-place upgrades are not supported on this platform; stop and start instead")
	}
	dir, err := os.Getwd()
	if err != nil {
		return err
	}
	return supervisor.Run(ctx, supervisor.Config{
		Addr:           addr,
		Args:           args[1:],
		Dir:            dir, // every worker starts where the master did, whatever argv[0] was
		PIDFile:        cfg.Server.PIDFile,
		UpgradeTimeout: cfg.Server.UpgradeTimeout,
		Settle:         cfg.Server.UpgradeSettle,
		// The worker enforces the drain deadline; this only catches a worker that hangs.
		StopTimeout: cfg.Server.DrainDelay + cfg.Server.ShutdownTimeout + 10*time.Second,
		Notify:      func(state string) { _, _ = daemon.SdNotify(false, state) }, // a no-op without NOTIFY_SOCKET
		Log:         log,
	})
}

// logStart says what this process runs with: the config file (or none), the database
// (never its user or password) and the mode. The master and each worker log it, since a
// worker reads the config afresh and is the one that opens the database.
func logStart(log *zap.Logger, cfg setting.Config, worker bool) {
	file := cfg.File
	if file == "" {
		file = "built-in defaults"
	}
	db := []zap.Field{zap.String("database", cfg.Database.DBType)}
	if cfg.Database.DBType == "sqlite" {
		path, err := filepath.Abs(cfg.Database.Path)
		if err != nil {
			path = cfg.Database.Path
		}
		db = append(db, zap.String("db_path", path))
	} else {
		db = append(db, zap.String("db_host", cfg.Database.Host), zap.String("db_name", cfg.Database.DBName))
	}
	log.Info("starting", append([]zap.Field{zap.String("config", file), zap.String("mode", cfg.Server.RunMode),
		zap.Bool("worker", worker), zap.Int("pid", os.Getpid())}, db...)...)
}

// lookupEnv returns the value of key in environ, as os.Getenv does in the process's own.
func lookupEnv(environ []string, key string) string {
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// serve runs one serving process on ln until SIGINT or SIGTERM (drain after
// Server.DrainDelay) or one of supervisor.DrainNowSignals (a new worker serves, or the
// master is gone: drain now); a SIGINT or SIGTERM during the drain stops it at once.
// ready, if set (a worker), is called once it serves, which it does once it is ready
// (awaitReady, reportReady); hup is logged for a SIGHUP, which a serving process ignores.
// accessLog gets a line per request.
func serve(ctx context.Context, cfg setting.Config, log, accessLog *zap.Logger, ln net.Listener, ready func() error, hup string) error {
	defer ln.Close()
	signals, release := server.NotifyStop(ctx, supervisor.DrainNowSignals(), os.Interrupt, syscall.SIGTERM)
	defer release()
	supervisor.CheckMaster(os.Getenv) // a master that died before now signalled nobody
	stop := signals.Stop
	go logSignals(stop, log, hup, syscall.SIGHUP)

	ginMode := gin.DebugMode
	if cfg.Release() {
		ginMode = gin.ReleaseMode
	}
	if err := app.SetupGin(ginMode); err != nil {
		return fmt.Errorf("gin: %w", err)
	}
	db, err := dao.Open(stop, cfg.Database, log)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer dao.Close(db) // defers run last-in first-out: the database closes after the drain
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	tracer, stopTracing, err := newTracer(stop, cfg.Tracing, db, log)
	if err != nil {
		return fmt.Errorf("tracing: %w", err)
	}
	defer func() { // flushes the last spans after the drain, within tracing.FlushTimeout
		if err := stopTracing(context.WithoutCancel(stop)); err != nil {
			log.Warn("flush traces", zap.Error(err))
		}
	}()
	uploads, err := upload.NewStore(upload.Options{
		Dir:     cfg.App.UploadSavePath,
		MaxSize: int64(cfg.App.UploadImageMaxSize) << 20,
		Exts:    cfg.App.UploadImageAllowExts,
		MinFree: cfg.App.UploadMinFreeBytes,
	})
	if err != nil {
		return fmt.Errorf("App.UploadSavePath: %w", err)
	}
	go sweepUploads(stop, uploads, log)
	limiters, closeLimiters := rateLimiters(cfg)
	defer func() { _ = closeLimiters() }() // the Redis client's connections: the process ends anyway
	jwt := token.NewJWT(cfg.JWT.Secret, cfg.JWT.Issuer, cfg.JWT.Expire)
	svc := service.New(dao.New(db), jwt, service.Options{
		Slow: service.SlowOptions{
			MaxDelay:       cfg.App.SlowMaxDelay,
			UpstreamURL:    cfg.Upstream.URL,
			UpstreamClient: &http.Client{Timeout: cfg.Upstream.Timeout},
		},
		Uploads:         uploads,
		AuthConcurrency: cfg.App.AuthConcurrency,
		AuthWait:        cfg.App.AuthWait,
	})
	if err := demoCredential(stop, cfg, log, svc); err != nil {
		return err
	}

	srv := server.New(serverOptions(cfg.Server, func() { reportReady(log, ready) }), log)
	router, err := routers.NewRouter(routers.Deps{
		Service:        svc,
		Log:            log,
		AccessLog:      accessLog,
		JWT:            jwt,
		Pages:          page.Limits{Default: cfg.App.DefaultPageSize, Max: cfg.App.MaxPageSize, MaxOffset: cfg.App.MaxPageOffset},
		Draining:       srv.Draining,
		MaxBodyBytes:   cfg.App.MaxBodyBytes,
		MaxUploadBytes: uploads.MaxSize(),
		RequestTimeout: cfg.App.DefaultContextTimeout,
		RateLimits:     limiters,
		FailOpen:       cfg.Limiter.FailOpen,
		TrustedProxies: cfg.Server.TrustedProxies,
		UploadDir:      uploads.Dir(),
		UploadURL:      cfg.App.UploadServerUrl,
		DebugEndpoints: cfg.Server.DebugEndpoints || !cfg.Release(),
		Metrics:        metrics.New(metrics.Build{Version: global.Version, Commit: global.Commit}, srv.Draining, sqlDB),
		Tracer:         tracer,
	})
	if err != nil {
		return fmt.Errorf("router: %w", err)
	}
	if ready != nil { // a worker: the master hands over only to one that answers
		if err := awaitReady(stop, log, router); err != nil {
			return nil // stopped before it was ready: it served no one
		}
	}
	// A burst leaves the process holding the heap the collector kept for the next one and
	// the pages of code and tables the requests touched: 36-42 MB idle after a load that
	// began at 13, still so minutes later. Released once traffic stops for releaseIdleAfter.
	handler := idle.Handler(stop, router, releaseIdleAfter, func() {
		if err := supervisor.ReleasePages(); err != nil {
			log.Warn("release pages when idle", zap.Error(err))
		}
	})
	gogc, memLimit := tuneGC()
	log.Info("serving", zap.String("addr", ln.Addr().String()), zap.String("mode", cfg.Server.RunMode),
		zap.String("database", cfg.Database.DBType), zap.String("version", global.Version), zap.Int("pid", os.Getpid()),
		zap.Uint64("gogc", gogc), zap.Uint64("gomemlimit", memLimit))
	err = srv.Serve(signals, ln, handler)
	log.Info("Server exiting", zap.Error(err))
	return err
}

// The serving process's garbage collector, unless the environment sets GOGC or GOMEMLIMIT
// (the operator's choice wins). Its live heap is small, about 2 MB, most of it tables the
// libraries build at start (the validator's, gorm's inflections, gob's). At Go's default,
// GOGC=100, the collector ran after every 3 MB or so of garbage, dozens of times a second
// under load, marking those tables each time and slowing all else: the tags page served
// 0.80x the floor's requests against 0.93-0.96x at GOGC=300 in two of three runs of make
// bench's "The garbage collector" (README, Performance). GOGC=300 lets three times the
// live heap of garbage build up between collections; the soft memory limit keeps a heap
// that has grown for a reason from growing threefold with it: near the limit the collector
// runs as often as it must. Two workers (an upgrade) and the master stay under the 256 MiB
// of deploy/kubernetes.
const (
	gcPercent   = 300
	memoryLimit = 96 << 20
)

// tuneGC applies gcPercent unless the environment sets GOGC, and memoryLimit unless it
// sets GOMEMLIMIT, and returns the settings in force.
func tuneGC() (gogc, limit uint64) {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(memoryLimit)
	}
	in := []rtmetrics.Sample{{Name: "/gc/gogc:percent"}, {Name: "/gc/gomemlimit:bytes"}}
	rtmetrics.Read(in)
	return in[0].Value.Uint64(), in[1].Value.Uint64()
}

// releaseIdleAfter is how long a serving process waits after its last request before it
// gives back what serving made it hold (idle.Handler): long enough that steady traffic,
// however thin, does not pay the page faults of code read back in after each release.
const releaseIdleAfter = 30 * time.Second

// serverOptions are the HTTP server's timeouts, connection caps and drain settings.
func serverOptions(cfg setting.Server, onServe func()) server.Options {
	return server.Options{
		ReadTimeout:       cfg.ReadTimeout,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		ShutdownTimeout:   cfg.ShutdownTimeout,
		HandOverTimeout:   cfg.HandOverTimeout,
		IdleDrainTimeout:  cfg.IdleDrainTimeout,
		DrainDelay:        cfg.DrainDelay,
		OnServe:           onServe,
		MaxConns:          cfg.MaxConns,
		MaxConnsPerClient: cfg.MaxConnsPerClient,
		Refused:           app.Refusal(errcode.TooManyConnections),
		Unreadable: func(status int, reason string) []byte {
			return app.Unreadable(status, reason, http.DefaultMaxHeaderBytes) // http.Server's cap: none is set
		},
	}
}

// newTracer returns the tracer provider and its flush, and traces db's queries, when
// Tracing.Endpoint is set; otherwise nil (no tracing middleware at all) and a no-op.
func newTracer(ctx context.Context, cfg setting.Tracing, db *gorm.DB, log *zap.Logger) (trace.TracerProvider, func(context.Context) error, error) {
	if cfg.Endpoint == "" {
		return nil, func(context.Context) error { return nil }, nil
	}
	tp, stop, err := tracing.New(ctx, cfg.Endpoint, "blog-service", global.Version, cfg.SampleRatio, log)
	if err != nil {
		return nil, nil, err
	}
	if err := dao.Trace(db, tp); err != nil {
		_ = stop(ctx) // nothing was traced yet: nothing to flush
		return nil, nil, err
	}
	return tp, stop, nil
}

// sweepUploads removes the part files of uploads whose process died, and says so: at
// start, beside it (a sweep may list every stored file, see upload.Store.Sweep), then
// every upload.SweepAge until ctx ends, for the files of a worker killed at any time (an
// old one during a hand-over, the one before this one).
func sweepUploads(ctx context.Context, uploads *upload.Store, log *zap.Logger) {
	tick := time.NewTicker(upload.SweepAge)
	defer tick.Stop()
	for {
		swept, err := uploads.Sweep()
		if err != nil {
			log.Warn("sweep abandoned uploads", zap.Error(err))
		}
		if swept.Removed > 0 {
			log.Info("removed the temporary files of uploads whose process died", zap.Int("files", swept.Removed))
		}
		if len(swept.Stuck) > 0 {
			log.Warn("temporary files of uploads whose process died cannot be removed: remove them by hand",
				zap.Strings("files", swept.Stuck[:min(len(swept.Stuck), 10)]), zap.Int("count", len(swept.Stuck)))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// demoCredential keeps the book's public demo credential to debug mode, and logs what it
// does: debug mode seeds it into an empty blog_auth; release mode removes it, since a
// database first run in debug mode holds it.
func demoCredential(ctx context.Context, cfg setting.Config, log *zap.Logger, svc *service.Service) error {
	if cfg.Release() {
		removed, err := svc.RemoveDemoAuth(ctx)
		if err != nil {
			return fmt.Errorf("remove the demo credential: %w", err)
		}
		if removed {
			log.Warn("release mode: removed the public demo credential from blog_auth (seeded by an earlier run in debug mode); add your own with: blog-service auth add APP_KEY",
				zap.String("app_key", service.DemoAppKey))
		}
		return nil
	}
	seeded, err := svc.SeedDemoAuth(ctx)
	if err != nil {
		return fmt.Errorf("seed demo credential: %w", err)
	}
	if seeded {
		log.Info("debug mode: seeded the demo credential into an empty blog_auth", zap.String("app_key", service.DemoAppKey))
	}
	return nil
}

// rateLimiters builds one limiter per Limiter.Rules entry: in Redis when Redis.Addr is set,
// so that every replica draws on the same buckets, else in this process.
func rateLimiters(cfg setting.Config) (middleware.RateLimits, func() error) {
	limits := middleware.RateLimits{PerClient: map[string]limiter.Limiter{}, Global: map[string]limiter.Limiter{}}
	newLimiter := func(r setting.LimitRule) limiter.Limiter { return limiter.NewLocal(r.Rate, r.Burst) }
	closeFn := func() error { return nil }
	if cfg.Redis.Addr != "" {
		client := redis.NewClient(&redis.Options{Addr: cfg.Redis.Addr, Password: cfg.Redis.Password, DB: cfg.Redis.DB})
		newLimiter = func(r setting.LimitRule) limiter.Limiter {
			return limiter.NewRedis(client, "blog-service:rate:", r.Rate, r.Burst)
		}
		closeFn = client.Close
	}
	for _, r := range cfg.Limiter.Rules {
		if r.Scope == setting.ScopeGlobal {
			limits.Global[r.Path] = newLimiter(r)
		} else {
			limits.PerClient[r.Path] = newLimiter(r)
		}
	}
	return limits, closeFn
}

// awaitReady returns once h, the handler about to serve, answers GET /readyz with 200:
// the database answers and the routes work, asked in process before the worker accepts a
// connection. It asks again, backing off, until then or until ctx ends (its error). A
// worker that never gets there is never handed over and has served no one: the master
// ends it after Server.UpgradeTimeout with nothing in flight, and the old worker serves on
// (at start-up, with no old worker, the master exits with an error).
func awaitReady(ctx context.Context, log *zap.Logger, h http.Handler) error {
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
		req, err := http.NewRequestWithContext(middleware.SelfCheck(ctx), http.MethodGet, "/readyz", nil)
		if err != nil {
			return err
		}
		req.RemoteAddr = "127.0.0.1:0" // itself
		answer := &selfCheck{header: http.Header{}}
		h.ServeHTTP(answer, req)
		if answer.status == http.StatusOK {
			return nil
		}
		log.Warn("not ready: GET /readyz answers; the master will not hand over yet", zap.Int("status", answer.status),
			zap.ByteString("body", answer.body), zap.Duration("again_in", wait))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// selfCheck is the response of a request a worker sends its own handler: the status and
// the start of the body (an error's reason).
type selfCheck struct {
	header http.Header
	status int
	body   []byte
}

func (s *selfCheck) Header() http.Header { return s.header }
func (s *selfCheck) WriteHeader(status int) {
	if s.status == 0 {
		s.status = status
	}
}
func (s *selfCheck) Write(b []byte) (int, error) {
	s.WriteHeader(http.StatusOK)
	s.body = append(s.body, b[:min(len(b), 512-len(s.body))]...)
	return len(b), nil
}

// reportReady tells the master this worker serves (it answered awaitReady): the master
// retires the old worker only then.
func reportReady(log *zap.Logger, ready func() error) {
	if ready == nil {
		return
	}
	if err := ready(); err != nil {
		log.Error("report readiness", zap.Error(err))
	}
	if err := supervisor.ReleasePages(); err != nil {
		log.Warn("release start-up pages", zap.Error(err))
	}
}

// logSignals logs msg for each of sigs until ctx is done, instead of their default effect.
func logSignals(ctx context.Context, log *zap.Logger, msg string, sigs ...os.Signal) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sigs...)
	defer signal.Stop(ch)
	for {
		select {
		case <-ctx.Done():
			return
		case sig := <-ch:
			log.Warn(msg, zap.Stringer("signal", sig))
		}
	}
}
