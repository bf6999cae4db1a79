package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// cpuProfile is CPU time under load by part of the program, and the requests it served.
type cpuProfile struct {
	byPart   map[string]time.Duration // flat CPU by part
	cum      map[string]time.Duration // cumulative CPU by function
	requests float64
	dur      time.Duration // the profile's length
}

// parts attributes a function to a part of the program by its package; the first match wins.
var parts = []struct{ part, prefix string }{
	{"gorm (statement building, reflection)", "gorm.io/"},
	{"database/sql", "database/sql"},
	{"SQLite engine", "modernc.org/"},
	{"SQLite engine", "github.com/glebarez/"},
	{"SQLite engine", "github.com/ncruces/"},
	{"JWT", "github.com/golang-jwt/"},
	{"access log (zap)", "go.uber.org/zap"},
	{"gin and its middleware", "github.com/gin-gonic/"},
	{"metrics (Prometheus)", "github.com/prometheus/"},
	{"tracing (OpenTelemetry)", "go.opentelemetry.io/"},
	{"JSON encoding", "encoding/json"},
	{"HTTP server and sockets", "net/http"},
	{"HTTP server and sockets", "net."},
	{"HTTP server and sockets", "internal/poll"},
	{"HTTP server and sockets", "syscall"},
	{"HTTP server and sockets", "bufio"},
	{"GC and allocation", "runtime.gc"},
	{"GC and allocation", "runtime.mallocgc"},
	{"GC and allocation", "runtime.scanobject"},
	{"GC and allocation", "runtime.mark"},
	{"scheduler and other runtime", "runtime."},
	{"the service's own code", "github.com/go-programming-tour-book/"},
	{"the floor's own code", "main."},
}

func partOf(fn string) string {
	for _, p := range parts {
		if strings.HasPrefix(fn, p.prefix) {
			return p.part
		}
	}
	return "other"
}

// profileUnderLoad runs wrk on target while taking a CPU profile from base/debug/pprof,
// and attributes the profile's time to parts of the program. With BENCH_PROFILES set the
// profile is kept (its file is named on stderr) for a closer look with go tool pprof.
func profileUnderLoad(base, token, target string, dur time.Duration, conns int) cpuProfile {
	secs := int(dur.Seconds())
	got := make(chan []byte, 1)
	go func() {
		resp, err := http.Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", base, secs))
		if err != nil {
			got <- nil
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- b
	}()
	time.Sleep(100 * time.Millisecond)
	r := wrk("profile", target, token, dur, conns, "")
	raw := <-got
	prof := cpuProfile{byPart: map[string]time.Duration{}, cum: map[string]time.Duration{}, requests: r.rps * dur.Seconds(), dur: dur}
	if len(raw) == 0 {
		return cpuProfile{}
	}
	f, err := os.CreateTemp("", "bench-*.pprof")
	if err != nil {
		return cpuProfile{}
	}
	_, _ = f.Write(raw)
	f.Close()
	if keep := os.Getenv("BENCH_PROFILES"); keep == "" {
		defer os.Remove(f.Name())
	} else {
		fmt.Fprintf(os.Stderr, "bench: profile of %s kept in %s\n", base, f.Name())
	}
	out, err := exec.Command("go", "tool", "pprof", "-top", "-nodecount=100000", "-nodefraction=0", "-edgefraction=0", f.Name()).Output()
	if err != nil {
		return cpuProfile{}
	}
	// "  flat  flat%   sum%        cum   cum%  function"
	// (A time of 0 has no unit.)
	line := regexp.MustCompile(`^\s*([\d.]+)(ns|us|µs|ms|s)?\s+[\d.]+%\s+[\d.]+%\s+([\d.]+)(ns|us|µs|ms|s)?\s+[\d.]+%\s+(.+)$`)
	unit := map[string]time.Duration{"ns": time.Nanosecond, "us": time.Microsecond, "µs": time.Microsecond, "ms": time.Millisecond, "s": time.Second}
	for _, l := range strings.Split(string(out), "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		flat, _ := strconv.ParseFloat(m[1], 64)
		cum, _ := strconv.ParseFloat(m[3], 64)
		prof.byPart[partOf(m[5])] += time.Duration(flat * float64(unit[m[2]]))
		prof.cum[m[5]] = time.Duration(cum * float64(unit[m[4]]))
	}
	return prof
}

// writeAttribution prints each part's CPU per request for the floor and the service.
func writeAttribution(b io.Writer, floor, svc cpuProfile) {
	perReq := func(p cpuProfile, part string) float64 {
		return float64(p.byPart[part].Microseconds()) / p.requests
	}
	total := func(p cpuProfile) float64 {
		var t time.Duration
		for _, d := range p.byPart {
			t += d
		}
		return float64(t.Microseconds()) / p.requests
	}
	seen := map[string]bool{}
	var names []string
	for _, p := range []cpuProfile{floor, svc} {
		for part := range p.byPart {
			if !seen[part] {
				seen[part] = true
				names = append(names, part)
			}
		}
	}
	sort.Slice(names, func(i, j int) bool {
		di := perReq(svc, names[i]) - perReq(floor, names[i])
		dj := perReq(svc, names[j]) - perReq(floor, names[j])
		return di > dj
	})
	fmt.Fprintf(b, "\nCPU per request under the same load (pprof, flat time by package; profiled at %.0f and %.0f req/s), largest difference first: floor %.0f µs, service %.0f µs.\n\n",
		floor.requests/floor.dur.Seconds(), svc.requests/svc.dur.Seconds(), total(floor), total(svc))
	fmt.Fprintln(b, "| part | floor µs/req | service µs/req | difference |")
	fmt.Fprintln(b, "|---|---|---|---|")
	for _, n := range names {
		f, s := perReq(floor, n), perReq(svc, n)
		fmt.Fprintf(b, "| %s | %.0f | %.0f | %+.0f |\n", n, f, s, s-f)
	}
}
