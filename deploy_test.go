package main

// The deployment files are checked against the configuration they run with, so the
// numbers that keep a stop graceful cannot drift apart. This file: what every target
// shares, the image (Dockerfile, one tag) and the systemd unit; deploy_kubernetes_test.go:
// the Kubernetes manifests.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/go-programming-tour-book/blog-service/internal/cli"
	"github.com/go-programming-tour-book/blog-service/internal/setting"
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

// masterStopTimeout is how long the master lets its workers stop before killing them, as
// main.go sets it: the drain's own bound plus a margin. A process manager's grace period
// must be longer, or its SIGKILL cuts a drain that is on time.
func masterStopTimeout(s setting.Server) time.Duration {
	return s.DrainDelay + s.ShutdownTimeout + 10*time.Second
}

// writtenDirs lists the directories the service writes under cfg, relative paths resolved
// against dir (its working directory): uploads (each received into a .part file beside
// them); with SQLite the database's directory (its -wal and -shm files too) and /tmp (its
// temporary files: sorts and indices too large for memory, VACUUM); and the PID file's
// (the master's upgrade status beside it, each written through a temporary file there).
func writtenDirs(cfg setting.Config, dir string) []string {
	dirs := []string{cfg.App.UploadSavePath}
	if cfg.Database.DBType == "sqlite" {
		dirs = append(dirs, filepath.Dir(cfg.Database.Path), "/tmp")
	}
	if cfg.Server.PIDFile != "" {
		dirs = append(dirs, filepath.Dir(cfg.Server.PIDFile))
	}
	for i, d := range dirs {
		if !filepath.IsAbs(d) {
			dirs[i] = filepath.Join(dir, d)
		}
	}
	return dirs
}

// under reports whether path is dir or inside it.
func under(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, strings.TrimSuffix(dir, "/")+"/")
}

// instruction is a Dockerfile instruction word, as this Dockerfile writes them.
var instruction = regexp.MustCompile(`^[A-Z]+$`)

// imageStage returns the instructions of the Dockerfile's last stage, the image, each split
// into words: {"USER", "65532:65532"}.
func imageStage(t *testing.T) [][]string {
	t.Helper()
	data, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var stage [][]string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) < 2 || !instruction.MatchString(f[0]):
			// blank, a comment, or a continued line (&& ...)
		case f[0] == "FROM":
			stage = nil // each stage starts over
		default:
			stage = append(stage, f)
		}
	}
	return stage
}

// lastArg is the argument of the image's last instr instruction (USER, WORKDIR...).
func lastArg(stage [][]string, instr string) string {
	arg := ""
	for _, f := range stage {
		if f[0] == instr {
			arg = f[1]
		}
	}
	return arg
}

// The image's user is a number (under runAsNonRoot the kubelet refuses a user name: it
// cannot check that a name is not root), not root, owns what the image lets it write, and
// is the user every container of every pod runs as.
func TestDockerfileUser(t *testing.T) {
	stage := imageStage(t)
	user := lastArg(stage, "USER")
	var chowns []string
	for _, f := range stage {
		if f[0] != "COPY" {
			continue
		}
		for _, a := range f[1:] {
			if v, ok := strings.CutPrefix(a, "--chown="); ok {
				chowns = append(chowns, v)
			}
		}
	}
	u, g, _ := strings.Cut(user, ":")
	uid, errU := strconv.Atoi(u)
	gid, errG := strconv.Atoi(g)
	if errU != nil || errG != nil || uid == 0 || gid == 0 {
		t.Fatalf("the image's USER is %q, want a numeric non-root UID:GID", user)
	}
	for _, c := range chowns {
		if c != user {
			t.Errorf("COPY --chown=%s, want the USER %s", c, user)
		}
	}
	for kind, pod := range podSpecs(kubeObjects(t)) {
		for _, c := range containers(pod) {
			if got := securityValue(pod, c, "runAsUser"); got != uid {
				t.Errorf("%s container %v: runAsUser %v, want the image's %d", kind, dig(c, "name"), got, uid)
			}
			if got := securityValue(pod, c, "runAsGroup"); got != gid {
				t.Errorf("%s container %v: runAsGroup %v, want the image's %d", kind, dig(c, "name"), got, gid)
			}
		}
	}
}

// imageRef is a reference to this service's image, with or without a registry and a tag;
// the tag may be a make variable ($(VERSION)), which is a tag of its own.
var imageRef = regexp.MustCompile(`^(?:[\w.-]+(?::\d+)?/)*blog-service(?::([\w.$(){}-]+))?$`)

// makeVar is a Makefile variable's definition: IMAGE ?= blog-service:local.
var makeVar = regexp.MustCompile(`^([A-Z_]+)\s*[?:]?=\s*(.*?)\s*$`)

// imageCommand reports whether a line runs or names the image: an untagged blog-service
// there means :latest. Elsewhere it is a name (a user, a unit, a label) unless tagged.
func imageCommand(line string) bool {
	line = strings.TrimSpace(line)
	return strings.Contains(line, "docker ") || strings.HasPrefix(line, "image:") ||
		strings.HasPrefix(line, "- image:") || strings.Contains(line, "kind load") || strings.Contains(line, "minikube image")
}

// One image tag everywhere: what `make docker` builds is what the README's commands and
// the manifests run. Three tags (:$(VERSION), :dev, :latest) meant that following the
// README ran an image nobody had built, and :latest makes the kubelet pull, never using a
// locally built image.
func TestDockerImageTag(t *testing.T) {
	files := []string{"README.md", "Makefile", "Dockerfile"}
	err := filepath.WalkDir("deploy", func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	makeVars := map[string]string{}
	split := func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune("\"'`,{}[]", r) }
	tags := map[string][]string{} // tag -> where it is used, file:line
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for n, line := range strings.Split(string(data), "\n") {
			if m := makeVar.FindStringSubmatch(line); m != nil && file == "Makefile" {
				makeVars[m[1]] = m[2]
			}
			for _, tok := range strings.FieldsFunc(line, split) {
				if name, ok := strings.CutPrefix(tok, "$("); ok && file == "Makefile" {
					if v, ok := makeVars[strings.TrimSuffix(name, ")")]; ok {
						tok = v
					}
				}
				m := imageRef.FindStringSubmatch(tok)
				switch {
				case m == nil, m[1] == "" && !imageCommand(line):
					continue
				case m[1] == "":
					m[1] = "latest"
				}
				tags[m[1]] = append(tags[m[1]], fmt.Sprintf("%s:%d", file, n+1))
			}
		}
	}
	if len(tags) != 1 {
		t.Fatalf("image tags used: %v; want one, the same everywhere", tags)
	}
	for tag, where := range tags {
		t.Logf("image tag %s, used at %v", tag, where)
		if tag == "latest" {
			t.Errorf("the image tag is :latest (%v): the kubelet would pull it, never using the image make docker built", where)
		}
		for _, want := range []string{"README.md:", "Makefile:", "deploy/kubernetes/"} {
			if !slices.ContainsFunc(where, func(w string) bool { return strings.HasPrefix(w, want) }) {
				t.Errorf("no image reference in %s, want the one tag %s there too (found %v)", strings.TrimSuffix(want, ":"), tag, where)
			}
		}
	}
}

// The systemd unit: the master is the main process and the one a stop signals, a stop
// outlasts its drain, reload waits for the upgrade's outcome, and under the unit's
// hardening every directory the service writes with configs/config.yaml (what the unit's
// -config file is installed from) is writable.
func TestSystemdUnit(t *testing.T) {
	f, err := os.Open(filepath.Join("deploy", "systemd", "blog-service.service"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	unit := map[string]string{} // a key given twice keeps both values, space-separated
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && !strings.HasPrefix(k, "#") {
			if prev, ok := unit[k]; ok {
				v = prev + " " + v
			}
			unit[k] = v
		}
	}
	on := func(key string) bool { return slices.Contains([]string{"yes", "true", "on", "1"}, unit[key]) }
	seconds := func(key string) time.Duration {
		n, _ := strconv.Atoi(unit[key])
		return time.Duration(n) * time.Second
	}
	start := strings.Fields(unit["ExecStart"])
	if len(start) == 0 {
		t.Fatal("no ExecStart")
	}
	pidfile := ""
	if i := slices.Index(start, "-pidfile"); i > 0 && i+1 < len(start) {
		pidfile = start[i+1]
	}
	// The unit's Environment=, and BLOG_JWT_SECRET as its EnvironmentFile would give it.
	env := append(strings.Fields(unit["Environment"]), "BLOG_JWT_SECRET=deploy-test-only-secret-9b1e4c7a20f3d856")
	cfg, err := setting.Load(filepath.Join("configs", "config.yaml"), false, env, map[string]any{"Server.PIDFile": pidfile})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"Type", unit["Type"], "notify"},
		{"a PID file to signal", pidfile != "", true},
		// The synchronous reload, with the service's own flags (its config gives it the
		// upgrade timeout to wait for): exit 0 once a new worker serves, else the reason.
		{"reload waits for the upgrade's outcome", unit["ExecReload"], unit["ExecStart"] + " reload"},
		{"stop signals the master only", unit["KillMode"], "mixed"},
		{"stop timeout covers the drain", seconds("TimeoutStopSec") >= masterStopTimeout(cfg.Server), true},
		{"start timeout covers the wait for the database", seconds("TimeoutStartSec") > cfg.Database.ConnectTimeout, true},
		// systemd bounds ExecReload by TimeoutStartSec too: it must not kill a reload that waits.
		{"start timeout outlasts reload's wait", seconds("TimeoutStartSec") > cli.ReloadWait(cfg.Server), true},
		{"NoNewPrivileges", on("NoNewPrivileges"), true},
		{"ProtectSystem", unit["ProtectSystem"], "strict"},
		{"PrivateTmp", on("PrivateTmp"), true},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	// Under ProtectSystem=strict only these are writable.
	writable := strings.Fields(unit["ReadWritePaths"])
	for _, d := range strings.Fields(unit["StateDirectory"]) {
		writable = append(writable, "/var/lib/"+d)
	}
	for _, d := range strings.Fields(unit["RuntimeDirectory"]) {
		writable = append(writable, "/run/"+d)
	}
	if on("PrivateTmp") {
		writable = append(writable, "/tmp")
	}
	for _, dir := range writtenDirs(cfg, unit["WorkingDirectory"]) {
		if !slices.ContainsFunc(writable, func(w string) bool { return under(dir, w) }) {
			t.Errorf("the service writes %s, read-only under ProtectSystem=strict (writable: %v)", dir, writable)
		}
	}
}
