package routers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-programming-tour-book/blog-service/pkg/page"
	"github.com/go-programming-tour-book/blog-service/pkg/token"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"
	"gorm.io/gorm"

	"github.com/go-programming-tour-book/blog-service/internal/app"
	"github.com/go-programming-tour-book/blog-service/internal/dao"
	"github.com/go-programming-tour-book/blog-service/internal/dao/daotest"
	"github.com/go-programming-tour-book/blog-service/internal/metrics"
	"github.com/go-programming-tour-book/blog-service/internal/middleware"
	"github.com/go-programming-tour-book/blog-service/internal/service"
	"github.com/go-programming-tour-book/blog-service/pkg/limiter"
	"github.com/go-programming-tour-book/blog-service/pkg/upload"
)

// gin is set up once for the whole package, as run does at start-up: its validator, with
// the translations, is a library global.
func TestMain(m *testing.M) {
	if err := app.SetupGin(gin.TestMode); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

const testSecret = "test-secret"

type testEnv struct {
	h        http.Handler
	db       *gorm.DB
	uploads  *upload.Store
	token    string
	jwt      *token.JWT
	draining atomic.Bool
}

// newTestEnv builds the real router on a real, empty database with the demo credential,
// and a token for it.
func newTestEnv(t testing.TB, opts service.Options) *testEnv {
	t.Helper()
	return newTestEnvDeps(t, opts, func(*Deps) {})
}

// newTestEnvDeps is newTestEnv with router settings changed by tweak.
func newTestEnvDeps(t testing.TB, opts service.Options, tweak func(*Deps)) *testEnv {
	t.Helper()
	return newTestEnvOn(t, daotest.Open(t), opts, tweak)
}

// newTestEnvMetrics is newTestEnvDeps with metrics on: build is what /metrics reports, and
// its draining gauge follows the env's draining flag.
func newTestEnvMetrics(t testing.TB, build metrics.Build, tweak func(*Deps)) *testEnv {
	t.Helper()
	db := daotest.Open(t)
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	var e *testEnv
	e = newTestEnvOn(t, db, service.Options{}, func(d *Deps) {
		d.Metrics = metrics.New(build, func() bool { return e.draining.Load() }, sqlDB)
		tweak(d)
	})
	return e
}

// newTestEnvOn is newTestEnvDeps on a database the test opened itself.
func newTestEnvOn(t testing.TB, db *gorm.DB, opts service.Options, tweak func(*Deps)) *testEnv {
	t.Helper()
	if opts.Slow.MaxDelay == 0 {
		opts.Slow.MaxDelay = 30 * time.Second
	}
	if opts.Slow.UpstreamClient == nil {
		opts.Slow.UpstreamClient = &http.Client{Timeout: 5 * time.Second}
	}
	env := &testEnv{jwt: token.NewJWT(testSecret, "blog-service", time.Hour)}
	env.db = db
	if opts.Uploads == nil {
		store, err := upload.NewStore(upload.Options{Dir: filepath.Join(t.TempDir(), "uploads"), MaxSize: 1 << 20, Exts: []string{".jpg", ".jpeg", ".png"}})
		if err != nil {
			t.Fatal(err)
		}
		opts.Uploads = store
	}
	env.uploads = opts.Uploads
	svc := service.New(dao.New(env.db), env.jwt, opts)
	if _, err := svc.SeedDemoAuth(t.Context()); err != nil {
		t.Fatal(err)
	}
	deps := Deps{
		Service:        svc,
		Log:            zap.NewNop(),
		JWT:            env.jwt,
		Pages:          page.Limits{Default: 10, Max: 100, MaxOffset: 10000},
		Draining:       env.draining.Load,
		MaxBodyBytes:   64 << 10,
		MaxUploadBytes: opts.Uploads.MaxSize(),
		RequestTimeout: time.Minute,
		RateLimits: middleware.RateLimits{
			PerClient: map[string]limiter.Limiter{"/auth": limiter.NewLocal(10, 10)},
			Global:    map[string]limiter.Limiter{"/auth": limiter.NewLocal(10, 20)},
		},
		UploadDir: opts.Uploads.Dir(),
		UploadURL: "http://example.test/static",
	}
	tweak(&deps)
	h, err := NewRouter(deps)
	if err != nil {
		t.Fatal(err)
	}
	env.h = h
	// A token straight from the JWT: bcrypt in POST /auth is slow under -race, and
	// TestAuth covers that path.
	token, err := env.jwt.Generate(service.DemoAppKey, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	env.token = token
	return env
}

// body is a request body with its content type.
type body struct {
	contentType, text string
}

func form(s string) body     { return body{"application/x-www-form-urlencoded", s} }
func jsonBody(s string) body { return body{"application/json", s} }

var noBody = body{}

// do sends one request through the router; token "" sends none.
func (e *testEnv) do(t testing.TB, method, path string, b body, token string) *httptest.ResponseRecorder {
	t.Helper()
	return e.send(t, method, path, b.text, map[string]string{"Content-Type": b.contentType, "token": token})
}

// send sends one request with the given headers; empty names and values are skipped. The
// response is checked against the spec (serve).
func (e *testEnv) send(t testing.TB, method, path, text string, headers map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(text))
	for k, v := range headers {
		switch {
		case k == "" || v == "":
		case k == "Host":
			req.Host = v
		default:
			req.Header.Set(k, v)
		}
	}
	return e.serve(t, req)
}

// leaving lets a test end a request's context from inside its database work, as its client
// leaving at that moment would: the test's gorm callbacks find it (leavingOf) and call
// leave once they arm it (armed starts false).
type leaving struct {
	cancel context.CancelFunc
	armed  atomic.Bool
	left   atomic.Bool
}

type leavingKey struct{}

func (l *leaving) leave() {
	l.left.Store(true)
	l.cancel()
}

// leavingOf is the leaving of the request whose statement tx runs, or nil.
func leavingOf(tx *gorm.DB) *leaving {
	l, _ := tx.Statement.Context.Value(leavingKey{}).(*leaving)
	return l
}

// sendLeaving is do for a request the test's callbacks may end; left says whether they did.
func (e *testEnv) sendLeaving(t testing.TB, method, path string, b body) (rec *httptest.ResponseRecorder, left bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	l := &leaving{cancel: cancel}
	req := httptest.NewRequestWithContext(context.WithValue(ctx, leavingKey{}, l), method, path, strings.NewReader(b.text))
	req.Header.Set("Content-Type", b.contentType)
	req.Header.Set("token", e.token)
	return e.serve(t, req), l.left.Load()
}

func decode[T any](t testing.TB, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("response is not JSON: %v: %s", err, rec.Body)
	}
	return v
}

// errorBody checks that a response is the error envelope and returns it.
func errorBody(t testing.TB, rec *httptest.ResponseRecorder) app.ErrorBody {
	t.Helper()
	raw := decode[map[string]json.RawMessage](t, rec)
	for _, k := range []string{"code", "msg", "details"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("error body lacks %q: %s", k, rec.Body)
		}
	}
	return decode[app.ErrorBody](t, rec)
}
