package main

import (
	"fmt"
	"io"
	"path/filepath"
	"time"
)

// gcSetting is the service started with one garbage collector setting (environment
// variables the Go runtime reads).
type gcSetting struct {
	name string
	env  []string
}

// gcSettings are what `-only gc` compares: the service's own setting (main.go, tuneGC),
// which the environment overrides, against Go's default and others. The GC off is a
// measurement, not a setting to run with: it shows how much of the gap to the floor the
// collector is.
var gcSettings = []gcSetting{
	{"GOGC=300, GOMEMLIMIT=96MiB (the service's own: the service as it runs)", nil},
	{"GOGC=100, no memory limit (Go's default)", []string{"GOGC=100", "GOMEMLIMIT=off"}},
	{"GOGC=200, GOMEMLIMIT=96MiB", []string{"GOGC=200"}},
	{"GOGC=400, GOMEMLIMIT=96MiB", []string{"GOGC=400"}},
	{"GC off (GOGC=off, GOMEMLIMIT=1GiB: a measurement)", []string{"GOGC=off", "GOMEMLIMIT=1GiB"}},
}

// gcRun is one setting's wrk runs, each paired with the floor's run before it, and its
// worker's peak RSS under them.
type gcRun struct {
	rps, p99 []float64 // ratios to the floor
	peakMB   float64
}

// runGC is `-only gc`: the floor and the service under each GC setting take turns on GET
// /api/v1/tags, pairs times, each on its own copy of the seeded data.
func runGC(bin, floorBin string, dur time.Duration, conns, pairs int) (string, error) {
	return onlySection("the garbage collector", madeBy(conns, dur), func(b io.Writer, dir string) error {
		fmt.Fprintln(b)
		return writeGC(b, bin, floorBin, dir, dur, conns, pairs)
	})
}

func writeGC(b io.Writer, bin, floorBin, dir string, dur time.Duration, conns, pairs int) error {
	svcs := make([]seeded, len(gcSettings))
	for i, g := range gcSettings {
		s, err := startSeeded(bin, filepath.Join(dir, fmt.Sprintf("gc%d", i)), g.env...)
		if err != nil {
			return err
		}
		defer func() { _ = s.svc.Stop() }()
		svcs[i] = s
	}
	floor, err := startFloor(floorBin, filepath.Join(dir, "gc0", "blog.db"))
	if err != nil {
		return err
	}
	defer floor.stop()
	warmUp(svcs[0].token, dur, conns, floor.url+"/api/v1/tags?page_size=10")
	for _, s := range svcs {
		warmUp(s.token, dur, conns, s.url())
	}
	runs := make([]gcRun, len(svcs))
	for pair := range pairs {
		for i, s := range svcs {
			var f, r result
			inTurns(pair, func() {
				f = wrk("floor", floor.url+"/api/v1/tags?page_size=10", s.token, dur, conns, "")
			}, func() {
				done := make(chan float64)
				go func(pid int) { done <- samplePeak(pid, dur) }(s.svc.ServingPID())
				r = wrk("service", s.url(), s.token, dur, conns, "")
				runs[i].peakMB = max(runs[i].peakMB, <-done)
			})
			runs[i].rps = append(runs[i].rps, ratio(r.rps, f.rps))
			runs[i].p99 = append(runs[i].p99, ratio(float64(r.p99), float64(f.p99)))
		}
	}
	fmt.Fprintf(b, "GET /api/v1/tags (page of 10), the service under each GC setting against the floor (Go's default GC), each service run next to a floor run (after it in odd-numbered pairs, before it in even-numbered ones), %d pairs per setting, each server warmed up first:\n\n", pairs)
	fmt.Fprintln(b, "| service's GC | req/s vs the floor: median (min, max) | p99 vs the floor: median (min, max) | worker's peak RSS |")
	fmt.Fprintln(b, "|---|---|---|---|")
	for i, g := range gcSettings {
		r := runs[i]
		fmt.Fprintf(b, "| %s | **%.2f** (%.2f, %.2f) | **%.2f** (%.2f, %.2f) | %.1f MB |\n", g.name,
			medianF(r.rps), minF(r.rps), maxF(r.rps), medianF(r.p99), minF(r.p99), maxF(r.p99), r.peakMB)
	}
	return nil
}

// samplePeak is pid's highest RSS in MB, sampled every 100 ms for d.
func samplePeak(pid int, d time.Duration) float64 {
	var peak float64
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		peak = max(peak, currentRSS(pid))
	}
	return peak
}
