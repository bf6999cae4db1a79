package setting

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// env turns m into an environment list, as os.Environ gives it.
func env(m map[string]string) []string {
	var list []string
	for k, v := range m {
		list = append(list, k+"="+v)
	}
	return list
}

func TestLoadDefaultsWithoutFile(t *testing.T) {
	cfg, err := Load(filepath.Join(t.TempDir(), "missing.yaml"), true, env(nil), nil)
	if err != nil {
		t.Fatalf("Load with no file: %v", err)
	}
	if cfg.Server.HttpPort != 8000 || cfg.Server.ShutdownTimeout != 5*time.Second || cfg.Database.DBType != "sqlite" {
		t.Errorf("defaults = %+v", cfg.Server)
	}
}

func TestLoadPrecedence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	yaml := "Server:\n  HttpPort: 8100\n  ShutdownTimeout: 7s\n  RunMode: debug\nApp:\n  MaxPageSize: 50\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path, false, env(map[string]string{
		"BLOG_SERVER_HTTPPORT":        "8200",
		"BLOG_SERVER_SHUTDOWNTIMEOUT": "1s",
	}), map[string]any{"Server.HttpPort": 8300})
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Server.HttpPort; got != 8300 {
		t.Errorf("HttpPort = %d, want 8300 (flag beats env and file)", got)
	}
	if got := cfg.Server.ShutdownTimeout; got != time.Second {
		t.Errorf("ShutdownTimeout = %v, want 1s (env beats file)", got)
	}
	if got := cfg.App.MaxPageSize; got != 50 {
		t.Errorf("MaxPageSize = %d, want 50 (file beats default)", got)
	}
}

func TestLoadErrorsNameTheKey(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		env     map[string]string
		wantKey string
	}{
		{"unparsable file", "Server: [unclosed\n", nil, "config file"},
		{"unknown database", "", map[string]string{"BLOG_DATABASE_DBTYPE": "oracle"}, "Database.DBType"},
		{"bad duration", "", map[string]string{"BLOG_SERVER_SHUTDOWNTIMEOUT": "soon"}, "ShutdownTimeout"},
		{"duration without unit", "Server:\n  ReadTimeout: 60\n", nil, "ReadTimeout"},
		{"port out of range", "", map[string]string{"BLOG_SERVER_HTTPPORT": "70000"}, "Server.HttpPort"},
		{"port not a number", "", map[string]string{"BLOG_SERVER_HTTPPORT": "http"}, "HttpPort"},
		{"port in hex", "", map[string]string{"BLOG_SERVER_HTTPPORT": "0x1F40"}, "HttpPort"},
		{"port true", "", map[string]string{"BLOG_SERVER_HTTPPORT": "true"}, "HttpPort"},
		{"port a fraction", "", map[string]string{"BLOG_SERVER_HTTPPORT": "1.5"}, "HttpPort"},
		{"port a fraction in the file", "Server:\n  HttpPort: 1.5\n", nil, "HttpPort"}, // was port 1
		{"port a boolean in the file", "Server:\n  HttpPort: true\n", nil, "HttpPort"}, // was port 1
		{"bad mode", "", map[string]string{"BLOG_SERVER_RUNMODE": "prod"}, "Server.RunMode"},
		{"release with dev secret", "", map[string]string{"BLOG_SERVER_RUNMODE": "release"}, "JWT.Secret"},
		{"bad log level", "", map[string]string{"BLOG_LOG_LEVEL": "loud"}, "Log.Level"},
		{"bad upstream", "", map[string]string{"BLOG_UPSTREAM_URL": "ftp://x"}, "Upstream.URL"},
		{"write timeout under slow cap", "", map[string]string{"BLOG_SERVER_WRITETIMEOUT": "10s"}, "Server.WriteTimeout"},
		{"negative free-space floor", "", map[string]string{"BLOG_APP_UPLOADMINFREEBYTES": "-1"}, "App.UploadMinFreeBytes"},
		{"negative page offset", "", map[string]string{"BLOG_APP_MAXPAGEOFFSET": "-1"}, "App.MaxPageOffset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path, false, env(tt.env), nil)
			if err == nil || !strings.Contains(err.Error(), tt.wantKey) {
				t.Errorf("Load error = %v, want one naming %q", err, tt.wantKey)
			}
		})
	}
}

// A number in the environment is read in decimal, leading zero and all: weakly decoded,
// "050" was octal 40.
func TestEnvironmentNumbersAreDecimal(t *testing.T) {
	cfg, err := Load("", true, env(map[string]string{"BLOG_APP_MAXPAGESIZE": "050"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.App.MaxPageSize != 50 {
		t.Errorf("BLOG_APP_MAXPAGESIZE=050: MaxPageSize = %d, want 50", cfg.App.MaxPageSize)
	}
}

func TestLoadMissingExplicitFile(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), false, env(nil), nil); err == nil {
		t.Error("Load of a missing file the user named: got nil error")
	}
}

func TestReleaseWithOwnSecret(t *testing.T) {
	secret := "7f3c9a1e5b2d8046c1e9a7b3f5d20486" // 32 bytes, the minimum
	cfg, err := Load("", true, env(map[string]string{"BLOG_SERVER_RUNMODE": "release", "BLOG_JWT_SECRET": secret}), nil)
	if err != nil || !cfg.Release() {
		t.Errorf("Load = %v, release %v; want release mode accepted with its own secret", err, cfg.Release())
	}
}

func TestReleaseRefusesWeakJWTSecrets(t *testing.T) {
	tests := []struct{ name, secret, wantText string }{
		{"one byte", "a", "is 1 bytes"},
		{"31 bytes", strings.Repeat("x", 31), "is 31 bytes"},
		{"the built-in default", DefaultJWTSecret, "example"},
		{"change-me", "change-me", "example"},
		{"the book's", "eddycjy", "example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load("", true, env(map[string]string{"BLOG_SERVER_RUNMODE": "release", "BLOG_JWT_SECRET": tt.secret}), nil)
			if err == nil || !strings.Contains(err.Error(), "JWT.Secret") || !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("release with secret %q: error %v, want one naming JWT.Secret and saying %q", tt.secret, err, tt.wantText)
			}
			// Debug mode takes any secret: it is for a developer's machine.
			if _, err := Load("", true, env(map[string]string{"BLOG_JWT_SECRET": tt.secret}), nil); err != nil {
				t.Errorf("debug with secret %q: %v", tt.secret, err)
			}
		})
	}
}

// jwtSecretRe finds a JWT secret written out: BLOG_JWT_SECRET=x or BLOG_JWT_SECRET: x (shell,
// Dockerfile, env files), name: BLOG_JWT_SECRET then value: x (a Kubernetes env entry),
// jwt-secret=x or jwt-secret: x (a Kubernetes Secret), and "Secret: x" in a config file.
var jwtSecretRe = regexp.MustCompile(`(?m)(?:(?i:BLOG_JWT_SECRET|jwt[-_.]secret)["']?\s*(?:[=:]|value:)|^\s*Secret:)[ \t]*["']?([^\s"'\x60]+)`)

// jwtSecretExamples returns the literal JWT secrets in text, skipping placeholders such as
// ..., $(openssl rand -hex 32), ${VAR} and <secret>.
func jwtSecretExamples(text string) []string {
	var found []string
	for _, m := range jwtSecretRe.FindAllStringSubmatch(text, -1) {
		v := strings.TrimRight(m[1], ".,;)]}")
		if v != "" && !strings.HasPrefix(v, "$") && !strings.HasPrefix(v, "<") {
			found = append(found, v)
		}
	}
	return found
}

// Every JWT secret the repository shows a reader must be refused in release mode, or someone
// will deploy with it: each one found must be in exampleJWTSecrets.
func TestJWTSecretExamplesAreRefused(t *testing.T) {
	t.Run("the search finds each form", func(t *testing.T) {
		text := "docker run -e BLOG_JWT_SECRET=one -e 'BLOG_JWT_SECRET=two'\n" +
			"  - name: BLOG_JWT_SECRET\n    value: \"three\"\n" +
			"kubectl create secret generic x --from-literal=jwt-secret=four\n" +
			"JWT:\n  Secret: five\n  # Secret: set BLOG_JWT_SECRET in production\n" +
			"BLOG_JWT_SECRET=... BLOG_JWT_SECRET=$(openssl rand -hex 32) jwt-secret: <yours>\n"
		want := []string{"one", "two", "three", "four", "five"}
		if got := jwtSecretExamples(text); !reflect.DeepEqual(got, want) {
			t.Errorf("found %q, want %q", got, want)
		}
	})
	var files []string
	for _, root := range []string{"README.md", "Dockerfile", "configs", "deploy", "docs"} {
		err := filepath.WalkDir(filepath.Join("..", "..", root), func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				files = append(files, path)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range jwtSecretExamples(string(b)) {
			if !slices.Contains(exampleJWTSecrets, secret) {
				t.Errorf("%s shows the JWT secret %q: add it to exampleJWTSecrets so release mode refuses it", path, secret)
			}
		}
	}
	for _, secret := range exampleJWTSecrets {
		cfg := Config{Server: Server{RunMode: "release"}, JWT: JWT{Secret: secret}}
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "JWT.Secret: is a default or an example") {
			t.Errorf("release mode with %q: %v, want it refused as an example", secret, err)
		}
	}
}

// The shipped file must load and agree with the built-in defaults, so running with or
// without it behaves the same.
func TestShippedConfigMatchesDefaults(t *testing.T) {
	fromFile, err := Load("../../configs/config.yaml", false, env(nil), nil)
	if err != nil {
		t.Fatalf("configs/config.yaml: %v", err)
	}
	builtIn, err := Load("", true, env(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := filepath.Abs("../../configs/config.yaml"); fromFile.File != want || builtIn.File != "" {
		t.Errorf("File = %q from the file and %q from none, want %q and \"\"", fromFile.File, builtIn.File, want)
	}
	fromFile.File = ""
	if !reflect.DeepEqual(fromFile, builtIn) {
		t.Errorf("configs/config.yaml differs from the defaults:\n file     %+v\n defaults %+v", fromFile, builtIn)
	}
}

// Limiter.Rules, a list, comes from the environment as YAML or JSON text.
func TestLimiterRulesFromEnv(t *testing.T) {
	want := []LimitRule{{Path: "/auth", Rate: 10, Burst: 10, Scope: ScopeClient}, {Path: "/upload/file", Rate: 50, Burst: 24, Scope: ScopeClient}}
	for _, text := range []string{
		`[{Path: /auth, Rate: 10, Burst: 10}, {Path: /upload/file, Rate: 50, Burst: 24}]`,
		`[{"Path":"/auth","Rate":10,"Burst":10},{"Path":"/upload/file","Rate":50,"Burst":24}]`,
	} {
		cfg, err := Load("", true, env(map[string]string{"BLOG_LIMITER_RULES": text}), nil)
		if err != nil || !reflect.DeepEqual(cfg.Limiter.Rules, want) {
			t.Errorf("BLOG_LIMITER_RULES=%s: rules %+v, %v; want %+v", text, cfg.Limiter.Rules, err, want)
		}
	}
	for _, text := range []string{"/auth", "[{Path: /auth, Rate: fast}]", "[{Path: /auth, Rate: 0, Burst: 1}]"} {
		if _, err := Load("", true, env(map[string]string{"BLOG_LIMITER_RULES": text}), nil); err == nil || !strings.Contains(err.Error(), "Limiter.Rules") {
			t.Errorf("BLOG_LIMITER_RULES=%s: error %v, want one naming Limiter.Rules", text, err)
		}
	}
}

// Validate reports every problem in the same order each time, so its message can be
// compared and read the same way twice.
func TestValidateErrorOrderIsStable(t *testing.T) {
	cfg, err := Load("", true, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Server.ShutdownTimeout, cfg.Server.UpgradeTimeout, cfg.JWT.Expire = 0, 0, 0
	cfg.Server.IdleTimeout, cfg.Server.DrainDelay, cfg.Database.BusyTimeout = -1, -1, -1
	cfg.Upstream.URL, cfg.Tracing.Endpoint, cfg.App.UploadServerUrl = "ftp://x", "nope", "file:///x"
	first := cfg.Validate()
	if first == nil {
		t.Fatal("no error")
	}
	for range 50 {
		if again := cfg.Validate(); again == nil || again.Error() != first.Error() {
			t.Fatalf("Validate's errors changed order:\n%v\n---\n%v", first, again)
		}
	}
}

// The README's configuration table has one row per key, in no other place than the
// defaults map: same keys, same defaults. (Limiter.Rules and JWT.Secret are described, not
// spelled out: the first is a list, the second must not be copied into a deployment.)
func TestREADMEConfigTableMatchesDefaults(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(readme), "| key | default | |\n|---|---|---|\n")
	if !ok {
		t.Fatal("README.md has no configuration table")
	}
	table, _, _ = strings.Cut(table, "\n\n")
	rows := map[string]string{}
	for _, line := range strings.Split(table, "\n") {
		cells := strings.Split(line, " | ")
		if len(cells) < 3 {
			t.Fatalf("malformed row %q", line)
		}
		key := strings.Trim(strings.TrimPrefix(cells[0], "| "), "`")
		if _, dup := rows[key]; dup {
			t.Errorf("README lists %s twice", key)
		}
		rows[key] = strings.Trim(cells[1], "`")
	}
	for key, val := range defaults {
		got, ok := rows[key]
		switch {
		case !ok:
			t.Errorf("README's configuration table lacks %s", key)
		case key == "Limiter.Rules" || key == "JWT.Secret":
		case got != renderDefault(val):
			t.Errorf("README says %s defaults to %q; the code says %q", key, got, renderDefault(val))
		}
		delete(rows, key)
	}
	for key := range rows {
		t.Errorf("README's configuration table lists %s, which is not a key", key)
	}
}

// renderDefault writes a default as the README does: "none" for an empty string, lists in
// brackets.
func renderDefault(v any) string {
	switch v := v.(type) {
	case string:
		if v == "" {
			return "none"
		}
		return v
	case []string:
		return "[" + strings.Join(v, ", ") + "]"
	}
	return fmt.Sprint(v)
}
