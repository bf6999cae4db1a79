package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-programming-tour-book/blog-service/internal/blogproc"
)

// fix is one performance fix measured on its own: before is the service built with that
// fix undone (scripts/bench-fixes.sh builds it); the fix should shrink the CPU of the
// functions whose names start with funcs (pprof's cumulative time of the outermost one).
type fix struct {
	name, before, funcs string
}

// parseFixes reads -before: name=binary=funcs entries, comma-separated.
func parseFixes(s string) ([]fix, error) {
	var fixes []fix
	for _, e := range strings.Split(s, ",") {
		f := strings.SplitN(e, "=", 3)
		if len(f) != 3 {
			return nil, fmt.Errorf("-before %q: want name=binary=function prefix", e)
		}
		bin, err := filepath.Abs(f[1])
		if err != nil {
			return nil, err
		}
		fixes = append(fixes, fix{name: f[0], before: bin, funcs: f[2]})
	}
	return fixes, nil
}

// runFixes is `-only fixes`: each fix's before and after (bin) serve GET /api/v1/tags in
// turns, pairs times, on the same seeded data, and then each is profiled under the load.
// The fix's effect is the after/before ratio of the pair medians, and the CPU per request
// of the whole process and of the code the fix aims at.
func runFixes(bin string, fixes []fix, dur time.Duration, conns, pairs int) (string, error) {
	dir, err := os.MkdirTemp("", "blog-bench")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	var b strings.Builder
	made := strings.Replace(madeBy(conns, dur), "`make bench` (scripts/bench.sh)", "`make bench-fixes` (scripts/bench-fixes.sh)", 1)
	fmt.Fprintf(&b, "# Benchmarks: each fix on its own\n\n%s\n\n", made)
	fmt.Fprintf(&b, "GET /api/v1/tags (page of 10, SQLite, 1,000 tags, release mode, every middleware on): the service as it is (after) and the same code with one fix undone (before), in turns, %d pairs after a warm-up run of each; then each profiled for %v under the same load.\n\n", pairs, dur)
	fmt.Fprintln(&b, "| fix | before req/s | after req/s | after / before | before p99 | after p99 | CPU per request before → after | of which the fixed code |")
	fmt.Fprintln(&b, "|---|---|---|---|---|---|---|---|")
	for _, f := range fixes {
		after, err := startSeeded(bin, filepath.Join(dir, f.name, "after"))
		if err != nil {
			return "", err
		}
		before, err := startSeeded(f.before, filepath.Join(dir, f.name, "before"))
		if err != nil {
			_ = after.svc.Stop()
			return "", err
		}
		warmUp(before.token, dur, conns, before.url())
		warmUp(after.token, dur, conns, after.url())
		var rpsB, rpsA, p99B, p99A []float64
		for pair := range pairs {
			var rb, ra result
			inTurns(pair, func() { rb = wrk("before", before.url(), before.token, dur, conns, "") },
				func() { ra = wrk("after", after.url(), after.token, dur, conns, "") })
			rpsB, rpsA = append(rpsB, rb.rps), append(rpsA, ra.rps)
			p99B, p99A = append(p99B, float64(rb.p99)), append(p99A, float64(ra.p99))
		}
		cpuB := profileUnderLoad(before.svc.Base(), before.token, before.url(), dur, conns)
		cpuA := profileUnderLoad(after.svc.Base(), after.token, after.url(), dur, conns)
		_ = before.svc.Stop() // the figures are taken
		_ = after.svc.Stop()
		fmt.Fprintf(&b, "| %s | %.0f | %.0f | **%.2f** | %v | %v | %s → %s | `%s`: %s → %s |\n", f.name,
			medianF(rpsB), medianF(rpsA), ratio(medianF(rpsA), medianF(rpsB)),
			time.Duration(medianF(p99B)), time.Duration(medianF(p99A)),
			perRequest(cpuB), perRequest(cpuA), f.funcs, inFuncs(cpuB, f.funcs), inFuncs(cpuA, f.funcs))
	}
	return b.String(), nil
}

// seeded is a service started on its own seeded database, with a token.
type seeded struct {
	svc   *blogproc.Service
	token string
}

func (s seeded) url() string { return s.svc.Base() + "/api/v1/tags?page_size=10" }

// startSeeded creates the schema with bin in dir, seeds the bench's data, and starts bin
// there in release mode with its profiling endpoints on, and env (the runtime's, e.g. GOGC).
func startSeeded(bin, dir string, env ...string) (seeded, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return seeded{}, err
	}
	db := []string{"BLOG_DATABASE_PATH=" + filepath.Join(dir, "blog.db")}
	s, err := startSvc(bin, dir, append(db, "BLOG_SERVER_RUNMODE=debug"))
	if err != nil {
		return seeded{}, err
	}
	if err := s.Stop(); err != nil {
		return seeded{}, err
	}
	if err := seedSQLite(filepath.Join(dir, "blog.db")); err != nil {
		return seeded{}, fmt.Errorf("seed: %w", err)
	}
	s, err = startSvc(bin, dir, append(db, append([]string{"BLOG_SERVER_RUNMODE=release", benchJWTSecret, "BLOG_SERVER_DEBUGENDPOINTS=true"}, env...)...))
	if err != nil {
		return seeded{}, err
	}
	if err := s.AddCredential("bench", "bench-app-secret-4e1d"); err != nil {
		_ = s.Stop()
		return seeded{}, err
	}
	token, err := s.TokenFor("bench", "bench-app-secret-4e1d")
	if err != nil {
		_ = s.Stop()
		return seeded{}, err
	}
	return seeded{svc: s, token: token}, nil
}

// perRequest is a profile's CPU per request.
func perRequest(p cpuProfile) string {
	var total time.Duration
	for _, d := range p.byPart {
		total += d
	}
	return microsPer(total, p.requests)
}

// inFuncs is the CPU per request under the functions named with prefix: the largest
// cumulative time among them, the outermost one's, which includes the others.
func inFuncs(p cpuProfile, prefix string) string {
	var most time.Duration
	for fn, d := range p.cum {
		if strings.HasPrefix(fn, prefix) {
			most = max(most, d)
		}
	}
	return microsPer(most, p.requests)
}

func microsPer(d time.Duration, requests float64) string {
	if requests == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f µs", float64(d.Nanoseconds())/1e3/requests)
}
