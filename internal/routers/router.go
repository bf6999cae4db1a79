// Package routers builds the gin.Engine: every route and its middleware, in one file.
package routers

import (
	"cmp"
	"expvar"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"github.com/go-programming-tour-book/blog-service/pkg/page"
	"github.com/go-programming-tour-book/blog-service/pkg/token"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/go-programming-tour-book/blog-service/internal/app"
	"github.com/go-programming-tour-book/blog-service/internal/errcode"
	"github.com/go-programming-tour-book/blog-service/internal/metrics"
	"github.com/go-programming-tour-book/blog-service/internal/middleware"
	"github.com/go-programming-tour-book/blog-service/internal/routers/api"
	"github.com/go-programming-tour-book/blog-service/internal/service"
)

// Deps is everything the router needs; NewRouter reads nothing else.
type Deps struct {
	Service *service.Service
	Log     *zap.Logger
	// AccessLog gets a line per request (nil: Log does).
	AccessLog *zap.Logger
	JWT       *token.JWT
	Pages     page.Limits
	// Draining reports whether the server is stopping; /readyz turns 503 then.
	Draining func() bool
	// Limits on what a request may send and take.
	MaxBodyBytes int64
	// MaxUploadBytes is the largest file POST /upload/file takes; its body may carry
	// api.FormOverhead more.
	MaxUploadBytes int64
	RequestTimeout time.Duration
	// RateLimits are the limiters of each route (gin path); FailOpen lets requests through
	// when a limiter fails.
	RateLimits middleware.RateLimits
	FailOpen   bool
	// TrustedProxies may set X-Forwarded-For (empty: the TCP peer is the client).
	TrustedProxies []string
	// UploadDir is served at /static; UploadURL is its public URL ("" = the path /static).
	UploadDir string
	UploadURL string
	// DebugEndpoints serves /debug/pprof and /debug/vars.
	DebugEndpoints bool
	// Metrics, if set, records every request and is served at /metrics.
	Metrics *metrics.Metrics
	// Tracer, if set, gets a span per request, named after its route template.
	Tracer trace.TracerProvider
}

// wholeFiles drops the request headers with which net/http's file serving answers in plain
// text (416 for a Range past the end, 412 for a failed If-Match or If-Unmodified-Since;
// multi-range requests have also been its vulnerabilities). These files are small and
// never change under their names, so the whole file, or a 304, is always a right answer.
func wholeFiles(c *gin.Context) {
	for _, h := range []string{"Range", "If-Range", "If-Match", "If-Unmodified-Since"} {
		c.Request.Header.Del(h)
	}
	c.Writer = noRanges{c.Writer}
}

// noRanges says "Accept-Ranges: none" where net/http's file serving says "bytes": after
// wholeFiles it takes no range, and a client told otherwise would resume a download with
// one and get the whole file again (RFC 9110, 14.3).
type noRanges struct{ gin.ResponseWriter }

func (w noRanges) WriteHeader(code int) {
	if w.Header().Get("Accept-Ranges") != "" {
		w.Header().Set("Accept-Ranges", "none")
	}
	w.ResponseWriter.WriteHeader(code)
}

// NewRouter returns the service's HTTP handler.
func NewRouter(d Deps) (*gin.Engine, error) {
	r := gin.New()
	r.HandleMethodNotAllowed = true
	// Every answer of the API is JSON, so a path with a trailing slash is a JSON 404 naming
	// the path without it, not gin's 301 with an HTML body: a redirect would turn a POST into a
	// GET in most clients (301) or re-send its body (307), and each resource keeps one URL,
	// the one in the spec, for clients, caches, metrics and rate-limit rules alike.
	r.RedirectTrailingSlash = false
	// Route on the path as sent: %2F is a character of a segment, not a separator, so a
	// resource has no second spelling (/api/v1/tags%2F1) that rules written for its path
	// (a proxy's, an ACL's) would not match. Parameters are unescaped as before.
	r.UseRawPath = true
	if err := r.SetTrustedProxies(d.TrustedProxies); err != nil {
		return nil, err
	}
	if d.Tracer != nil {
		// Continue a caller's trace (W3C traceparent) without touching the global propagator.
		r.Use(otelgin.Middleware("blog-service", otelgin.WithTracerProvider(d.Tracer),
			otelgin.WithPropagators(propagation.TraceContext{})))
	}
	if d.Metrics != nil {
		r.Use(d.Metrics.Middleware())
		getAndHead(r, "/metrics", gin.WrapH(d.Metrics.Handler()))
	}
	r.Use(
		middleware.RequestID(),
		middleware.AccessLog(cmp.Or(d.AccessLog, d.Log)),
		middleware.Recovery(d.Log),
		middleware.RateLimit(d.RateLimits, d.FailOpen, d.Log),
		middleware.QueryString(),
	)
	r.NoRoute(func(c *gin.Context) {
		// The method and path are the client's: named only as far as they are bounded.
		path := cmp.Or(c.Request.URL.RawPath, c.Request.URL.Path) // as sent, %2F and all
		if len(path) > 128 {
			path = path[:128] + "..."
		}
		method := metrics.MethodLabel(c.Request.Method)
		err := errcode.NotFound.WithDetail("no route for "+method+" "+path, "没有路由 "+method+" "+path)
		if trimmed := strings.TrimRight(path, "/"); trimmed != path && trimmed != "" {
			err = err.WithDetail("paths have no trailing slash: "+trimmed, "路径不以斜杠结尾："+trimmed)
		}
		app.Error(c, err)
	})
	r.NoMethod(func(c *gin.Context) {
		app.Error(c, errcode.MethodNotAllowed)
	})

	health := api.NewHealth(d.Service, d.Draining)
	r.GET("/healthz", app.Handle(health.Live))
	r.GET("/readyz", app.Handle(health.Ready))
	// Some load balancers and monitors probe with HEAD; net/http drops the body.
	r.HEAD("/healthz", app.Handle(health.LiveHead))
	r.HEAD("/readyz", app.Handle(health.ReadyHead))
	getAndHead(r, "/swagger/*any", wholeFiles, swaggerHandler())
	toUI := func(c *gin.Context) { redirect(c, "/swagger/index.html") }
	getAndHead(r, "/", toUI)
	getAndHead(r, "/swagger", toUI)
	// Uploaded images; nosniff stops a browser from running anything that slipped past the
	// content check as another type. Dot-names (.parts/ and what is in it) are uploads
	// still being received; a path ending in / names a directory, which net/http would
	// answer with an HTML listing.
	r.Group("/static", func(c *gin.Context) {
		c.Header("X-Content-Type-Options", "nosniff")
		wholeFiles(c)
		if p := c.Request.URL.Path; strings.Contains(p, "/.") || strings.HasSuffix(p, "/") {
			app.Error(c, errcode.NotFound)
		}
	}).StaticFS("/", gin.Dir(d.UploadDir, false))
	if d.DebugEndpoints {
		debugRoutes(r, middleware.BodyLimit(d.MaxBodyBytes))
	}

	bodyLimit, timeout := middleware.BodyLimit(d.MaxBodyBytes), middleware.Timeout(d.RequestTimeout)
	auth := api.NewAuth(d.Service)
	r.POST("/auth", bodyLimit, timeout, app.Handle(auth.Token))

	upload := api.NewUpload(d.Service, d.UploadURL, d.MaxUploadBytes)
	jwt := middleware.JWT(d.JWT, d.Service.CheckToken)
	r.POST("/upload/file", jwt, timeout, app.Handle(upload.File)) // its body cap is its own (Upload.File)

	v1 := r.Group("/api/v1", jwt, bodyLimit, timeout)
	tag := api.NewTag(d.Service, d.Pages)
	getAndHead(v1, "/tags", app.Handle(tag.List))
	getAndHead(v1, "/tags/:id", app.Handle(tag.Get))
	v1.POST("/tags", app.Handle(tag.Create))
	v1.PUT("/tags/:id", app.Handle(tag.Update))
	v1.PATCH("/tags/:id/state", app.Handle(tag.UpdateState))
	v1.DELETE("/tags/:id", app.Handle(tag.Delete))

	// The slow demonstration endpoint, for trying a graceful stop (api/slow.go). Its path
	// is a static segment beside /tags/:id, which gin's tree tries first: "slow" is never
	// taken for a tag id.
	slow := api.NewSlow(d.Service)
	getAndHead(v1, "/tags/slow", app.Handle(slow.Work))

	article := api.NewArticle(d.Service, d.Pages)
	getAndHead(v1, "/articles", app.Handle(article.List))
	getAndHead(v1, "/articles/:id", app.Handle(article.Get))
	v1.POST("/articles", app.Handle(article.Create))
	v1.PUT("/articles/:id", app.Handle(article.Update))
	v1.PATCH("/articles/:id/state", app.Handle(article.UpdateState))
	v1.DELETE("/articles/:id", app.Handle(article.Delete))
	return r, nil
}

// getAndHead serves handlers at path for GET and for HEAD: HTTP has a server answer HEAD
// wherever it answers GET (RFC 9110, 9.1), with the status and headers GET would send, and
// net/http sends them without the body. (gin answered 405 to curl -I.) The probes have
// HEAD handlers of their own; the debug endpoints answer GET only, as a HEAD of a
// profile would run it for nothing.
func getAndHead(r gin.IRoutes, path string, handlers ...gin.HandlerFunc) {
	r.GET(path, handlers...)
	r.HEAD(path, handlers...)
}

// debugRoutes serves the runtime's profiles and variables. They reveal internals, so they
// are on only in debug mode or when Server.DebugEndpoints says so.
func debugRoutes(r *gin.Engine, bodyLimit gin.HandlerFunc) {
	r.GET("/debug/vars", gin.WrapH(expvar.Handler()))
	// bodyLimit: the named profiles read their parameters with FormValue, which parses a
	// multipart body whatever the method, keeping up to 32 MB of it in memory.
	r.GET("/debug/pprof/*profile", bodyLimit, jsonErrors, func(c *gin.Context) {
		switch c.Param("profile") {
		case "/cmdline":
			pprof.Cmdline(c.Writer, c.Request)
		case "/profile":
			pprof.Profile(c.Writer, c.Request)
		case "/symbol":
			pprof.Symbol(c.Writer, c.Request)
		case "/trace":
			pprof.Trace(c.Writer, c.Request)
		default: // the index and the named profiles (heap, goroutine, ...)
			pprof.Index(c.Writer, c.Request)
		}
	})
}

// jsonErrors turns the plain-text errors of the standard library's handlers after it
// (net/http/pprof's: an unknown profile, a bad seconds, a CPU profile already running)
// into the API's JSON errors, their text as the detail.
func jsonErrors(c *gin.Context) {
	w := &plainError{ResponseWriter: c.Writer}
	c.Writer = w
	c.Next()
	c.Writer = w.ResponseWriter
	if w.status == 0 {
		return
	}
	text := strings.TrimSpace(strings.ToValidUTF8(string(w.text), ""))
	err := errcode.InvalidParams
	switch {
	case w.status == http.StatusNotFound:
		err = errcode.NotFound
	case w.status >= 500: // pprof's are a profile already running, or one it cannot write
		err = errcode.ServiceUnavailable
	}
	c.Writer.Header().Del("Content-Type") // the handler's text/plain
	app.Error(c, err.WithDetail(text, text))
}

// plainError holds back an error status (400 and up) and the first bytes of its text.
type plainError struct {
	gin.ResponseWriter
	status int
	text   []byte
}

func (w *plainError) WriteHeader(code int) {
	if code < 400 {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.status = code
}

func (w *plainError) Write(p []byte) (int, error) {
	if w.status == 0 {
		return w.ResponseWriter.Write(p)
	}
	w.text = append(w.text, p[:min(len(p), 256-len(w.text))]...)
	return len(p), nil
}

func (w *plainError) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

// Unwrap lets http.ResponseController reach the connection: a CPU profile or trace pushes
// its write deadline past Server.WriteTimeout, and a minute's profile was cut without it.
func (w *plainError) Unwrap() http.ResponseWriter { return w.ResponseWriter }
