// Package setting loads the service's configuration into a plain value. Precedence, highest
// first: command-line flags, environment variables (BLOG_ + key path, e.g.
// BLOG_SERVER_SHUTDOWNTIMEOUT=1s), the config file, built-in defaults. The binary runs with no
// file at all. Nothing here is global: Load returns a Config and the caller passes it on.
package setting

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// EnvPrefix starts every environment variable that overrides a key.
const EnvPrefix = "BLOG"

// DefaultJWTSecret is the development secret; release mode refuses to start with it.
const DefaultJWTSecret = "eddycjy-blog-service-dev-secret"

// Config is the whole configuration. Key names are the book's (Server.HttpPort, JWT.Secret...).
type Config struct {
	// File is the absolute path of the config file read; empty when none was, and the
	// built-in defaults (and the environment) make the whole configuration. It is no key.
	File string `mapstructure:"-"`

	Server   Server
	App      App
	JWT      JWT
	Database Database
	Upstream Upstream
	Limiter  Limiter
	Redis    Redis
	Tracing  Tracing
	Log      Log
}

// Tracing exports OpenTelemetry spans over OTLP/HTTP; an empty Endpoint turns it off.
type Tracing struct {
	Endpoint    string  // e.g. http://otel-collector:4318; a URL without a path gets /v1/traces
	SampleRatio float64 // share of new traces recorded, 0 to 1
}

// Server configures the HTTP listener and its lifecycle.
type Server struct {
	RunMode           string // debug or release
	HttpPort          int
	ReadTimeout       time.Duration
	ReadHeaderTimeout time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	// ShutdownTimeout bounds the drain after SIGINT/SIGTERM; requests still running then are cut.
	ShutdownTimeout time.Duration
	// HandOverTimeout bounds an old worker's drain once a new one serves (SIGHUP), and a
	// worker's drain when its master is gone.
	HandOverTimeout time.Duration
	// IdleDrainTimeout is how long a drain lets keep-alive clients leave on their own (each
	// response says Connection: close) before their idle connections are closed under them.
	IdleDrainTimeout time.Duration
	// TrustedProxies may set X-Forwarded-For; empty means the client is the TCP peer, so
	// a client cannot pick its own address (and dodge the rate limit) with a header.
	TrustedProxies []string
	// DebugEndpoints serves /debug/pprof and /debug/vars; always on in debug mode.
	DebugEndpoints bool
	// PIDFile, if set, names the process to send SIGHUP (upgrade) or SIGTERM (stop).
	PIDFile string
	// UpgradeTimeout is how long a new worker may take to serve before it is killed.
	UpgradeTimeout time.Duration
	// UpgradeSettle is how long a worker must serve before it counts as started: an upgrade
	// is reported done once its new worker has served that long, and a worker that dies
	// sooner is replaced after a back-off.
	UpgradeSettle time.Duration
	// DrainDelay keeps serving, with /readyz failing, this long after SIGTERM before the
	// listener closes, so load balancers stop sending first (about 5s on Kubernetes).
	DrainDelay time.Duration
	// MaxConns caps the connections open at once, MaxConnsPerClient those from one address
	// (0: no cap); a connection over a cap is answered 503 and closed.
	MaxConns, MaxConnsPerClient int
}

// App holds the API's behaviour settings.
type App struct {
	DefaultPageSize int
	MaxPageSize     int
	// MaxPageOffset is how deep a page by number may start, in rows ((page-1) ×
	// page_size). The database walks every row before such a page, so an unbounded page
	// number let one request read a whole table; after_id reaches any depth at the cost of
	// page 1.
	MaxPageOffset int
	// SlowMaxDelay caps the delay the slow demonstration endpoint accepts.
	SlowMaxDelay time.Duration
	// AuthConcurrency caps the password checks running at once (0: half the cores, at
	// least one); a check waits AuthWait at most for its turn, then gets a 503.
	AuthConcurrency int
	AuthWait        time.Duration
	// DefaultContextTimeout bounds each request's work; past it the client gets a 504.
	DefaultContextTimeout time.Duration
	// MaxBodyBytes caps request bodies other than uploads.
	MaxBodyBytes         int64
	UploadSavePath       string
	UploadServerUrl      string // public URL of /static; empty: upload URLs are the path /static/<name>
	UploadImageMaxSize   int    // megabytes, as in the book
	UploadImageAllowExts []string
	// UploadMinFreeBytes is the free space kept on UploadSavePath's file system: uploads
	// are refused (507) when one more could leave less.
	UploadMinFreeBytes int64
}

// Limiter holds the rate-limit rules: a token bucket per rule and client, in this process
// or, when Redis.Addr is set, in Redis and shared by every replica.
type Limiter struct {
	Rules []LimitRule
	// FailOpen lets requests through when the shared limiter (Redis) fails; false
	// answers them 503 instead.
	FailOpen bool
}

// Redis is the shared store for rate limits; an empty Addr means none.
type Redis struct {
	Addr     string
	Password string
	DB       int
}

// LimitRule limits one route (its gin path, e.g. /auth or /api/v1/tags/:id): each client
// may make Burst requests at once, refilled at Rate per second. With Scope "global" the
// bucket is shared by every client instead, which caps the route's total rate (per
// process, or per cluster with Redis). A route may have one rule of each scope.
type LimitRule struct {
	Path  string
	Rate  float64
	Burst int
	Scope string // "client" (the default when empty) or "global"
}

// Limit scopes.
const (
	ScopeClient = "client"
	ScopeGlobal = "global"
)

// JWT configures the tokens POST /auth issues.
type JWT struct {
	Secret string
	Issuer string
	Expire time.Duration
}

// Database selects and configures the store: sqlite (default, a file at Path) or mysql.
type Database struct {
	DBType       string
	Path         string // sqlite only
	BusyTimeout  time.Duration
	Host         string // mysql: host:port
	UserName     string
	Password     string
	DBName       string
	Charset      string
	ParseTime    bool
	MaxIdleConns int
	MaxOpenConns int
	// ConnMaxLifetime recycles connections (MySQL closes idle ones after wait_timeout).
	ConnMaxLifetime time.Duration
	// ConnectTimeout bounds the wait for an unreachable MySQL at start-up, retried with
	// back-off; errors that waiting cannot cure (access denied, SQLite's) fail at once.
	ConnectTimeout time.Duration
}

// Upstream is the service the slow endpoint calls, when URL is set.
type Upstream struct {
	URL     string
	Timeout time.Duration
}

// Log configures the zap logger; the format follows Server.RunMode.
type Log struct {
	Level string // debug, info, warn or error
}

// Release reports whether the service runs in release mode.
func (c Config) Release() bool { return c.Server.RunMode == "release" }

// defaults is every key with its built-in value: `go run main.go` needs nothing else.
// Every key must be here, or the environment cannot override it.
var defaults = map[string]any{
	"Server.RunMode":            "debug",
	"Server.HttpPort":           8000,
	"Server.ReadTimeout":        "60s",
	"Server.ReadHeaderTimeout":  "5s",
	"Server.WriteTimeout":       "60s",
	"Server.IdleTimeout":        "60s",
	"Server.ShutdownTimeout":    "5s",
	"Server.HandOverTimeout":    "60s",
	"Server.IdleDrainTimeout":   "1s",
	"Server.TrustedProxies":     []string{},
	"Server.DebugEndpoints":     false,
	"Server.PIDFile":            "",
	"Server.UpgradeTimeout":     "30s",
	"Server.UpgradeSettle":      "5s",
	"Server.DrainDelay":         "0s",
	"Server.MaxConns":           4096,
	"Server.MaxConnsPerClient":  512,
	"App.DefaultPageSize":       10,
	"App.MaxPageSize":           100,
	"App.MaxPageOffset":         10000,
	"App.SlowMaxDelay":          "30s",
	"App.DefaultContextTimeout": "60s",
	"App.AuthConcurrency":       0,
	"App.AuthWait":              "500ms",
	"App.MaxBodyBytes":          1 << 20,
	"App.UploadSavePath":        "storage/uploads",
	"App.UploadServerUrl":       "",
	"App.UploadImageMaxSize":    5,
	"App.UploadImageAllowExts":  []string{".jpg", ".jpeg", ".png"},
	"App.UploadMinFreeBytes":    256 << 20,
	"Limiter.Rules": []map[string]any{
		{"Path": "/auth", "Rate": 10, "Burst": 10, "Scope": ScopeClient},
		{"Path": "/auth", "Rate": 10, "Burst": 20, "Scope": ScopeGlobal},
		{"Path": "/upload/file", "Rate": 1, "Burst": 5, "Scope": ScopeClient},
	},
	"Limiter.FailOpen":         true,
	"Redis.Addr":               "",
	"Redis.Password":           "",
	"Redis.DB":                 0,
	"Tracing.Endpoint":         "",
	"Tracing.SampleRatio":      1.0,
	"JWT.Secret":               DefaultJWTSecret,
	"JWT.Issuer":               "blog-service",
	"JWT.Expire":               "2h",
	"Database.DBType":          "sqlite",
	"Database.Path":            "storage/blog.db",
	"Database.BusyTimeout":     "5s",
	"Database.Host":            "127.0.0.1:3306",
	"Database.UserName":        "root",
	"Database.Password":        "",
	"Database.DBName":          "blog_service",
	"Database.Charset":         "utf8mb4",
	"Database.ParseTime":       true,
	"Database.MaxIdleConns":    10,
	"Database.MaxOpenConns":    30,
	"Database.ConnMaxLifetime": "30m",
	"Database.ConnectTimeout":  "30s",
	"Upstream.URL":             "",
	"Upstream.Timeout":         "10s",
	"Log.Level":                "info",
}

// Load builds the Config from defaults, the YAML file at path (a missing file is fine when
// optional is true), the environment (environ, as os.Environ gives it) and flags (key path
// → value). Unknown keys in the file and unknown BLOG_ variables are refused. Any error
// names the key at fault.
func Load(path string, optional bool, environ []string, flags map[string]any) (Config, error) {
	v := viper.New() // never viper's global instance
	v.SetConfigType("yaml")
	for k, val := range defaults {
		v.SetDefault(k, val)
	}
	var file string
	if path != "" {
		var err error
		file, err = readFile(v, path)
		if missingOK := optional && errors.Is(err, fs.ErrNotExist); err != nil && !missingOK {
			return Config{}, errors.Join(err, checkEnv(environ)) // every unknown key at once
		}
	}
	if err := checkEnv(environ); err != nil {
		return Config{}, err
	}
	env := map[string]string{}
	for _, kv := range environ {
		if name, val, ok := strings.Cut(kv, "="); ok {
			env[name] = val
		}
	}
	for key := range defaults {
		if val := env[EnvName(key)]; val != "" {
			v.Set(key, val)
		}
	}
	for key, val := range flags {
		v.Set(key, val)
	}
	cfg := Config{File: file}
	if err := v.Unmarshal(&cfg, viper.DecodeHook(mapstructure.ComposeDecodeHookFunc(
		rulesFromText, durationNeedsUnit, mapstructure.StringToTimeDurationHookFunc(), wholeNumbers,
		mapstructure.StringToSliceHookFunc(",")))); err != nil {
		return Config{}, err
	}
	for i := range cfg.Limiter.Rules {
		if cfg.Limiter.Rules[i].Scope == "" {
			cfg.Limiter.Rules[i].Scope = ScopeClient
		}
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// readFile reads the config file at path into v after checking its keys, and returns its
// absolute path, for the start-up log.
func readFile(v *viper.Viper, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("config file %s: %w", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("config file %s: %w", path, err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return "", fmt.Errorf("config file %s: %w", path, err)
	}
	if err := checkFileKeys(path, doc); err != nil {
		return "", err // each error names the file
	}
	if err := v.ReadConfig(bytes.NewReader(b)); err != nil {
		return "", fmt.Errorf("config file %s: %w", path, err)
	}
	return abs, nil
}

// EnvName is the environment variable that overrides a key: Server.HttpPort → BLOG_SERVER_HTTPPORT.
func EnvName(key string) string {
	return EnvPrefix + "_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// durationNeedsUnit rejects bare numbers for durations: the book wrote `ReadTimeout: 60` and
// multiplied by time.Second later, which mapstructure would read as 60 nanoseconds.
func durationNeedsUnit(from, to reflect.Type, data any) (any, error) {
	if to != reflect.TypeOf(time.Duration(0)) {
		return data, nil
	}
	switch from.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Uint64, reflect.Float64:
		return nil, fmt.Errorf("%v has no unit: write a duration like \"60s\" or \"500ms\"", data)
	}
	return data, nil
}

// wholeNumbers reads an integer setting written as text, as the environment gives every
// value, in decimal digits only, and refuses a fraction or a boolean wherever it comes from.
// mapstructure's weak decoding, which viper turns on, read "010" as octal 8 and "0x1F" as
// 31, and a file's true and 1.5 as 1: a slip set another value without a word.
func wholeNumbers(from, to reflect.Type, data any) (any, error) {
	if to == reflect.TypeOf(time.Duration(0)) {
		return data, nil // durationNeedsUnit's
	}
	var parse func(string) (any, error)
	switch to.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		parse = func(s string) (any, error) { return strconv.ParseInt(s, 10, 64) }
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		parse = func(s string) (any, error) { return strconv.ParseUint(s, 10, 64) }
	default:
		return data, nil
	}
	switch from.Kind() {
	case reflect.String:
		n, err := parse(data.(string))
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number written in decimal digits", data)
		}
		return n, nil
	case reflect.Bool:
		return nil, fmt.Errorf("%v is not a number", data)
	case reflect.Float32, reflect.Float64:
		if f := reflect.ValueOf(data).Float(); f != math.Trunc(f) {
			return nil, fmt.Errorf("%v is not a whole number", data)
		}
	}
	return data, nil
}

// rulesFromText reads Limiter.Rules given as text, as the environment gives every value:
// a YAML (or JSON) list, BLOG_LIMITER_RULES='[{Path: /auth, Rate: 10, Burst: 10}]'.
func rulesFromText(from, to reflect.Type, data any) (any, error) {
	if from.Kind() != reflect.String || to != reflect.TypeOf([]LimitRule(nil)) {
		return data, nil
	}
	var rules []map[string]any
	if err := yaml.Unmarshal([]byte(data.(string)), &rules); err != nil {
		return nil, fmt.Errorf("%q is not a list like [{Path: /auth, Rate: 10, Burst: 10}]", data)
	}
	return rules, nil
}
