package setting

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// writeConfig writes yaml to a config.yaml in a new directory and returns its path.
func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestUnknownFileKeysAreRefused(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"misspelt key", "Server:\n  ShutdownTimout: 1s\n",
			"unknown key Server.ShutdownTimout in %s; did you mean Server.ShutdownTimeout?"},
		{"misspelt section", "Sever:\n  HttpPort: 8100\n",
			"unknown key Sever in %s; did you mean Server?"},
		{"misspelt key in lower case", "server:\n  shutdowntimout: 1s\n",
			"unknown key server.shutdowntimout in %s; did you mean server.ShutdownTimeout?"},
		{"misspelt rule key", "Limiter:\n  Rules:\n    - Path: /auth\n      Rate: 1\n      Brust: 5\n",
			"unknown key Limiter.Rules[0].Brust in %s; did you mean Limiter.Rules[0].Burst?"},
		{"nothing close", "Metrics:\n  Enabled: true\n",
			"unknown key Metrics in %s; the keys there are App, Database, JWT, Limiter, Log, Redis, Server, Tracing, Upstream"},
		{"empty section", "Server:\nApp:\n  MaxPageSize: 50\n", "section Server in %s is empty"},
		{"a key of another section", "App:\n  HttpPort: 8100\n", "unknown key App.HttpPort in %s; the keys there are AuthConcurrency,"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.yaml)
			_, err := Load(path, false, env(nil), nil)
			if want := strings.ReplaceAll(tt.want, "%s", path); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Load error = %v, want one saying %q", err, want)
			}
		})
	}
}

func TestEveryUnknownKeyIsNamed(t *testing.T) {
	path := writeConfig(t, "Sever:\n  HttpPort: 1\nServer:\n  ShutdownTimout: 1s\n  IdelTimeout: 1s\n")
	_, err := Load(path, false, env(nil), nil)
	for _, key := range []string{"Sever", "Server.ShutdownTimout", "Server.IdelTimeout"} {
		if err == nil || !strings.Contains(err.Error(), "unknown key "+key+" ") {
			t.Errorf("Load error = %v, want it to name %s", err, key)
		}
	}
}

// Keys are compared without regard to case, as viper compares them.
func TestFileKeysIgnoreCase(t *testing.T) {
	path := writeConfig(t, "server:\n  HTTPPORT: 8100\nLIMITER:\n  rules:\n    - path: /x\n      RATE: 2\n      burst: 3\n")
	cfg, err := Load(path, false, env(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.HttpPort != 8100 || len(cfg.Limiter.Rules) != 1 || cfg.Limiter.Rules[0] != (LimitRule{Path: "/x", Rate: 2, Burst: 3, Scope: ScopeClient}) {
		t.Errorf("HttpPort %d, rules %+v; want 8100 and one rule /x 2/s burst 3", cfg.Server.HttpPort, cfg.Limiter.Rules)
	}
}

func TestUnknownEnvironmentVariablesAreRefused(t *testing.T) {
	tests := []struct{ name, want string }{
		{"BLOG_SERVER_SHUTDOWNTIMOUT", "unknown environment variable BLOG_SERVER_SHUTDOWNTIMOUT; did you mean BLOG_SERVER_SHUTDOWNTIMEOUT?"},
		{"BLOG_SEVER_HTTPPORT", "unknown environment variable BLOG_SEVER_HTTPPORT; did you mean BLOG_SERVER_HTTPPORT?"},
		{"BLOG_DEBUG", "unknown environment variable BLOG_DEBUG; each is BLOG_ and a key's path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load("", true, env(map[string]string{tt.name: "1s"}), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load error = %v, want one saying %q", err, tt.want)
			}
		})
	}
}

// Only BLOG_ variables are the service's, and BLOG_TEST_ ones are the test suite's.
func TestOtherEnvironmentVariablesAreIgnored(t *testing.T) {
	_, err := Load("", true, env(map[string]string{
		"PATH":                 "/usr/bin",
		"BLOGGER":              "x",
		"BLOG_TEST_MYSQL_DSN":  "root@tcp(127.0.0.1:3306)/",
		"BLOG_TEST_REDIS_ADDR": "127.0.0.1:6379",
		"BLOG_SERVER_HTTPPORT": "8100",
	}), nil)
	if err != nil {
		t.Errorf("Load: %v, want the variables accepted", err)
	}
}

// configs/config.yaml documents the keys: each must be known, spelt as in defaults.
func TestShippedConfigKeysAreKnown(t *testing.T) {
	b, err := os.ReadFile("../../configs/config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if err := checkFileKeys("configs/config.yaml", doc); err != nil {
		t.Error(err)
	}
	for _, section := range slices.Sorted(maps.Keys(doc)) {
		keys, _ := doc[section].(map[string]any)
		for key := range keys {
			if _, ok := defaults[section+"."+key]; !ok {
				t.Errorf("configs/config.yaml has %s.%s; defaults spell it differently", section, key)
			}
		}
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"server", "sever", 1},
		{"shutdowntimout", "shutdowntimeout", 1},
		{"brust", "burst", 2},
		{"kitten", "sitting", 3},
		{"日本", "日本語", 1},
	}
	for _, tt := range tests {
		if got := distance(tt.a, tt.b); got != tt.want || distance(tt.b, tt.a) != tt.want {
			t.Errorf("distance(%q, %q) = %d, want %d both ways", tt.a, tt.b, got, tt.want)
		}
	}
}
