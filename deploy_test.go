package main

// The deployment files are checked against the configuration they run with, so the
// numbers that keep a stop graceful cannot drift apart.

import (
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/go-programming-tour-book/blog-service/pkg/setting"
)

// yamlDocs reads every document of a YAML file.
func yamlDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var docs []map[string]any
	dec := yaml.NewDecoder(f)
	for {
		var doc map[string]any
		if err := dec.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				return docs
			}
			t.Fatalf("%s: %v", path, err)
		}
		docs = append(docs, doc)
	}
}

// dig walks nested maps and lists: dig(doc, "spec", "template", 0).
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func TestKubernetesManifests(t *testing.T) {
	byKind := map[string]map[string]any{}
	for _, f := range []string{"deployment.yaml", "service.yaml", "configmap.yaml"} {
		for _, doc := range yamlDocs(t, filepath.Join("deploy", "kubernetes", f)) {
			byKind[doc["kind"].(string)] = doc
		}
	}
	dep, cm := byKind["Deployment"], byKind["ConfigMap"]
	if dep == nil || cm == nil || byKind["Service"] == nil || byKind["PersistentVolumeClaim"] == nil {
		t.Fatalf("want a Deployment, Service, ConfigMap and PersistentVolumeClaim, got %v", byKind)
	}
	// The ConfigMap's file must load, and with the Deployment's environment.
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(cfgPath, []byte(dig(cm, "data", "config.yaml").(string)), 0o600)
	cfg, err := setting.Load(cfgPath, false, func(k string) string {
		if k == "BLOG_JWT_SECRET" {
			return "deploy-test-only-secret-9b1e4c7a20f3d856"
		}
		return ""
	}, nil)
	if err != nil {
		t.Fatalf("the ConfigMap's config.yaml does not load: %v", err)
	}
	container := dig(dep, "spec", "template", "spec", "containers", 0)
	grace := dig(dep, "spec", "template", "spec", "terminationGracePeriodSeconds").(int)
	tests := []struct {
		name      string
		got, want any
	}{
		{"readiness probe", dig(container, "readinessProbe", "httpGet", "path"), "/readyz"},
		{"liveness probe", dig(container, "livenessProbe", "httpGet", "path"), "/healthz"},
		{"container port", dig(container, "ports", 0, "containerPort"), cfg.Server.HttpPort},
		{"maxUnavailable", dig(dep, "spec", "strategy", "rollingUpdate", "maxUnavailable"), 0},
		{"release mode", cfg.Release(), true},
		{"a drain delay for endpoint removal", cfg.Server.DrainDelay > 0, true},
		{"grace period covers DrainDelay + ShutdownTimeout",
			time.Duration(grace)*time.Second > cfg.Server.DrainDelay+cfg.Server.ShutdownTimeout, true},
		{"config mounted where the image reads it", dig(container, "volumeMounts", 0, "mountPath"), "/app/configs"},
		{"uploads on the shared volume", dig(container, "volumeMounts", 1, "mountPath"), cfg.App.UploadSavePath},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestSystemdUnit(t *testing.T) {
	f, err := os.Open(filepath.Join("deploy", "systemd", "blog-service.service"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	unit := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && !strings.HasPrefix(k, "#") {
			unit[k] = v
		}
	}
	defaults, err := setting.Load("", true, func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	stopSec, _ := strconv.Atoi(unit["TimeoutStopSec"])
	// The master kills workers StopTimeout after a stop; systemd must wait longer.
	masterStop := defaults.Server.DrainDelay + defaults.Server.ShutdownTimeout + 10*time.Second
	tests := []struct {
		name      string
		got, want any
	}{
		{"Type", unit["Type"], "notify"},
		{"reload sends SIGHUP to the master", strings.Contains(unit["ExecReload"], "-HUP $MAINPID"), true},
		{"stop signals the master only", unit["KillMode"], "mixed"},
		{"stop timeout covers the drain", time.Duration(stopSec)*time.Second >= masterStop, true},
		{"a PID file to signal", strings.Contains(unit["ExecStart"], "-pidfile"), true},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}
