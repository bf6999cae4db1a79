package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/go-programming-tour-book/blog-service"

type listedPackage struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

// listPackages runs `go list -json` on patterns.
func listPackages(t *testing.T, patterns ...string) []listedPackage {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list", "-json"}, patterns...)...).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p listedPackage
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// The layers, as imports: the service knows no HTTP framework, the dao no HTTP at all, pkg/
// nothing of the blog, and the lifecycle nothing outside itself.
func TestLayers(t *testing.T) {
	const gin = "github.com/gin-gonic/gin"
	for _, p := range listPackages(t, "./...") {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		switch rel {
		case "internal/service":
			if slices.Contains(p.Deps, gin) {
				t.Errorf("%s depends on gin (through %v)", rel, pathTo(t, p.ImportPath, gin))
			}
		case "internal/dao", "internal/errcode":
			for _, imp := range p.Imports {
				if imp == "net/http" || imp == gin || imp == module+"/internal/app" {
					t.Errorf("%s imports %s: HTTP belongs to the edge", rel, imp)
				}
			}
		}
		if strings.HasPrefix(rel, "pkg/") {
			for _, dep := range p.Deps {
				if strings.HasPrefix(dep, module+"/internal/") {
					t.Errorf("%s depends on %s: pkg/ holds parts another service can reuse", rel, dep)
				}
			}
		}
		if strings.HasPrefix(rel, "pkg/lifecycle/") {
			for _, dep := range p.Deps {
				if strings.HasPrefix(dep, module+"/") && !strings.HasPrefix(dep, module+"/pkg/lifecycle/") {
					t.Errorf("%s depends on %s: the lifecycle knows nothing of the blog", rel, dep)
				}
			}
		}
	}
}

// pathTo names one import chain from pkg to dep, to say how a forbidden dependency came in.
func pathTo(t *testing.T, pkg, dep string) []string {
	out, err := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}}:{{join .Imports ","}}`, pkg).Output()
	if err != nil {
		return nil
	}
	imports := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		p, list, _ := strings.Cut(line, ":")
		imports[p] = strings.Split(list, ",")
	}
	var walk func(p string, seen map[string]bool) []string
	walk = func(p string, seen map[string]bool) []string {
		if p == dep {
			return []string{p}
		}
		if seen[p] {
			return nil
		}
		seen[p] = true
		for _, next := range imports[p] {
			if path := walk(next, seen); path != nil {
				return append([]string{p}, path...)
			}
		}
		return nil
	}
	return walk(pkg, map[string]bool{})
}

// The README's layout lists what the tree has: every path it names exists, and every
// package directory under internal/ and pkg/ is named (a sub-package within its parent's line).
func TestREADMELayoutMatchesTheTree(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, layout, _ := strings.Cut(string(readme), "## Layout\n")
	layout, _, _ = strings.Cut(layout, "\n## ")
	for _, line := range strings.Split(layout, "\n") {
		fields := strings.Fields(line)
		if !strings.HasPrefix(line, "    ") || strings.HasPrefix(line, "     ") || len(fields) == 0 || !strings.ContainsAny(fields[0], "/.") {
			continue
		}
		if _, err := os.Stat(strings.TrimSuffix(fields[0], "/")); err != nil {
			t.Errorf("README's layout names %s, which does not exist", fields[0])
		}
	}
	for _, p := range listPackages(t, "./internal/...", "./pkg/...") {
		dir := strings.TrimPrefix(p.ImportPath, module+"/")
		name := dir[strings.LastIndex(dir, "/")+1:]
		if !strings.Contains(layout, dir+"/") && !strings.Contains(layout, " "+name+"/") {
			t.Errorf("README's layout does not mention %s", dir)
		}
	}
}

// The benchmark floor (scripts/, its own module) is the yardstick for the service's SQLite
// figures only while it runs the same engine: the same modernc.org/sqlite and libc.
func TestBenchFloorRunsTheServiceSQLite(t *testing.T) {
	versions := func(dir string) string {
		cmd := exec.Command("go", "list", "-m", "-f", "{{.Path}} {{.Version}}", "modernc.org/sqlite", "modernc.org/libc")
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list -m in %q: %v", dir, err)
		}
		return string(out)
	}
	if svc, floor := versions("."), versions("scripts"); svc != floor {
		t.Errorf("scripts/ resolves\n%swhile the service resolves\n%s(go get modernc.org/sqlite in both)", floor, svc)
	}
}

// make bench-fixes measures each CPU fix against the tree with that fix undone, by
// replacing the fix's code with the code before it; an undo whose code has changed since
// stops the script, which nothing else runs (the unsigned-scan fix's stopped it for weeks).
func TestBenchFixesUndoApply(t *testing.T) {
	cmd := exec.Command("bash", "scripts/bench-fixes.sh")
	cmd.Env = append(os.Environ(), "CHECK_ONLY=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/bench-fixes.sh: %v\n%s", err, out)
	}
}

// The binary links the drivers of the two databases it runs on and no other: gorm's
// OpenTelemetry plugin, which pkg/gormtrace replaced, linked ClickHouse's and Postgres's to
// name one span attribute. Of Mongo's module only bson is linked, by gin's binding and
// render, which no build tag of gin's leaves out.
func TestBinaryLinksOnlyItsDatabaseDrivers(t *testing.T) {
	deps := listPackages(t, ".")[0].Deps
	used := []string{"gorm.io/driver/mysql", "github.com/go-sql-driver/mysql", "github.com/libtnb/sqlite", "modernc.org/sqlite"}
	for _, want := range used {
		if !slices.Contains(deps, want) {
			t.Errorf("the binary does not link %s", want)
		}
	}
	others := []string{"gorm.io/driver/", "gorm.io/plugin/", "github.com/jackc/", "github.com/lib/pq", "github.com/ClickHouse/",
		"go.mongodb.org/mongo-driver/v2/mongo", "github.com/microsoft/go-mssqldb", "github.com/glebarez/", "github.com/mattn/go-sqlite3", "github.com/ncruces/"}
	for _, dep := range deps {
		for _, other := range others {
			if strings.HasPrefix(dep, other) && !slices.Contains(used, dep) {
				t.Errorf("the binary links %s (through %v), a database driver or plugin it does not use", dep, pathTo(t, module, dep))
			}
		}
	}
}
