package setting

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// minJWTSecretBytes is the shortest JWT.Secret release mode accepts: an HS256 key should be
// at least as long as the hash, 32 bytes (RFC 7518, section 3.2).
const minJWTSecretBytes = 32

// exampleJWTSecrets are the JWT secrets anyone can read here: the built-in default, the book's,
// and every example in README.md, configs/, deploy/, Dockerfile and docs/. Release mode refuses
// them whatever their length; TestJWTSecretExamplesAreRefused fails when an example is missing.
var exampleJWTSecrets = []string{
	DefaultJWTSecret,
	"eddycjy", // the book's configs/config.yaml
	"change-me",
}

// Validate checks every value and reports all problems at once, each naming its key.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{key}, args...)...))
	}
	if c.Server.RunMode != "debug" && c.Server.RunMode != "release" {
		bad("Server.RunMode", "%q is not debug or release", c.Server.RunMode)
	}
	if c.Server.HttpPort < 1 || c.Server.HttpPort > 65535 {
		bad("Server.HttpPort", "%d is out of range 1-65535", c.Server.HttpPort)
	}
	// Lists, not maps, so the errors come in the same order every time.
	type duration struct {
		key string
		d   time.Duration
	}
	for _, v := range []duration{
		{"Server.ReadHeaderTimeout", c.Server.ReadHeaderTimeout},
		{"Server.ShutdownTimeout", c.Server.ShutdownTimeout},
		{"Server.HandOverTimeout", c.Server.HandOverTimeout},
		{"Server.UpgradeTimeout", c.Server.UpgradeTimeout},
		{"App.SlowMaxDelay", c.App.SlowMaxDelay},
		{"App.DefaultContextTimeout", c.App.DefaultContextTimeout},
		{"JWT.Expire", c.JWT.Expire},
		{"Upstream.Timeout", c.Upstream.Timeout},
		{"Database.ConnectTimeout", c.Database.ConnectTimeout},
	} {
		if v.d <= 0 {
			bad(v.key, "%v must be positive", v.d)
		}
	}
	for _, v := range []duration{
		{"Server.ReadTimeout", c.Server.ReadTimeout},
		{"Server.WriteTimeout", c.Server.WriteTimeout},
		{"Server.IdleTimeout", c.Server.IdleTimeout},
		{"Server.IdleDrainTimeout", c.Server.IdleDrainTimeout},
		{"Server.DrainDelay", c.Server.DrainDelay},
		{"Server.UpgradeSettle", c.Server.UpgradeSettle},
		{"Database.BusyTimeout", c.Database.BusyTimeout},
		{"Database.ConnMaxLifetime", c.Database.ConnMaxLifetime},
	} {
		if v.d < 0 {
			bad(v.key, "%v must not be negative", v.d)
		}
	}
	// A write timeout shorter than the slowest allowed request would cut it mid-response.
	if c.Server.WriteTimeout > 0 && c.Server.WriteTimeout <= c.App.SlowMaxDelay {
		bad("Server.WriteTimeout", "%v must exceed App.SlowMaxDelay (%v)", c.Server.WriteTimeout, c.App.SlowMaxDelay)
	}
	for _, v := range []struct {
		key string
		n   int
	}{{"Server.MaxConns", c.Server.MaxConns}, {"Server.MaxConnsPerClient", c.Server.MaxConnsPerClient}} {
		if v.n < 0 {
			bad(v.key, "%d must not be negative (0: no cap)", v.n)
		}
	}
	if c.App.DefaultPageSize < 1 {
		bad("App.DefaultPageSize", "%d must be at least 1", c.App.DefaultPageSize)
	}
	if c.App.MaxPageSize < c.App.DefaultPageSize {
		bad("App.MaxPageSize", "%d must be at least App.DefaultPageSize (%d)", c.App.MaxPageSize, c.App.DefaultPageSize)
	}
	if c.App.MaxPageOffset < 0 {
		bad("App.MaxPageOffset", "%d must not be negative (0: page 1 only)", c.App.MaxPageOffset)
	}
	if c.App.MaxBodyBytes < 1 {
		bad("App.MaxBodyBytes", "%d must be at least 1", c.App.MaxBodyBytes)
	}
	if c.App.UploadImageMaxSize < 1 {
		bad("App.UploadImageMaxSize", "%d must be at least 1 (megabytes)", c.App.UploadImageMaxSize)
	}
	if c.App.UploadMinFreeBytes < 0 {
		bad("App.UploadMinFreeBytes", "%d must not be negative", c.App.UploadMinFreeBytes)
	}
	if c.App.UploadSavePath == "" {
		bad("App.UploadSavePath", "must not be empty")
	}
	if c.Tracing.SampleRatio < 0 || c.Tracing.SampleRatio > 1 {
		bad("Tracing.SampleRatio", "%v is not between 0 and 1", c.Tracing.SampleRatio)
	}
	for _, u := range [][2]string{{"App.UploadServerUrl", c.App.UploadServerUrl}, {"Upstream.URL", c.Upstream.URL}, {"Tracing.Endpoint", c.Tracing.Endpoint}} {
		key, v := u[0], u[1]
		if u, err := url.Parse(v); v != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
			bad(key, "%q is not an http(s) URL", v)
		}
	}
	for _, ext := range c.App.UploadImageAllowExts {
		if !strings.HasPrefix(ext, ".") || strings.ContainsAny(ext, "/\\") {
			bad("App.UploadImageAllowExts", "%q is not an extension like .png", ext)
		}
	}
	seen := map[[2]string]bool{}
	for i, r := range c.Limiter.Rules {
		key := fmt.Sprintf("Limiter.Rules[%d]", i)
		if !strings.HasPrefix(r.Path, "/") || r.Rate <= 0 || r.Burst < 1 {
			bad(key, "needs a Path starting with /, a positive Rate and a Burst of at least 1")
		}
		scope := r.Scope
		if scope == "" {
			scope = ScopeClient
		}
		if scope != ScopeClient && scope != ScopeGlobal {
			bad(key, "Scope %q must be %q or %q", r.Scope, ScopeClient, ScopeGlobal)
		}
		if seen[[2]string{r.Path, scope}] {
			bad(key, "a second %s rule for %s", scope, r.Path)
		}
		seen[[2]string{r.Path, scope}] = true
	}
	if c.App.AuthConcurrency < 0 || c.App.AuthWait < 0 {
		bad("App.AuthConcurrency", "and App.AuthWait must not be negative")
	}
	switch {
	case c.JWT.Secret == "":
		bad("JWT.Secret", "must not be empty")
	case c.Release() && slices.Contains(exampleJWTSecrets, c.JWT.Secret):
		bad("JWT.Secret", "is a default or an example shown in this repository, refused in release mode; set %s to %d or more random bytes (openssl rand -hex 32)", EnvName("JWT.Secret"), minJWTSecretBytes)
	case c.Release() && len(c.JWT.Secret) < minJWTSecretBytes:
		bad("JWT.Secret", "is %d bytes, release mode needs at least %d; set %s to random bytes (openssl rand -hex 32)", len(c.JWT.Secret), minJWTSecretBytes, EnvName("JWT.Secret"))
	}
	switch c.Database.DBType {
	case "sqlite":
		if c.Database.Path == "" {
			bad("Database.Path", "must not be empty for sqlite")
		}
	case "mysql":
		if c.Database.Host == "" || c.Database.DBName == "" {
			bad("Database.Host", "and Database.DBName must be set for mysql")
		}
	default:
		bad("Database.DBType", "%q is not sqlite or mysql", c.Database.DBType)
	}
	if c.Database.MaxOpenConns < 1 {
		bad("Database.MaxOpenConns", "%d must be at least 1", c.Database.MaxOpenConns)
	}
	if c.Database.MaxIdleConns < 0 {
		bad("Database.MaxIdleConns", "%d must not be negative", c.Database.MaxIdleConns)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("Log.Level", "%q is not debug, info, warn or error", c.Log.Level)
	}
	return errors.Join(errs...)
}
