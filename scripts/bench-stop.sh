#!/usr/bin/env bash
# Stop timings of the real binary: an idle SIGTERM and the drain of one 200 ms request,
# each from the signal to the process's exit. Prints the benchmark's ms/stop figures;
# COUNT sets the runs per figure (default 5).
set -euo pipefail
export GOTOOLCHAIN=go1.27.3 # go.mod's Go, fetched from the module proxy (see the Makefile)
cd "$(dirname "$0")/.."
# The Makefile's build tags (GOTAGS), also for the binary the benchmark builds itself.
export GOFLAGS="${GOFLAGS:-} -tags=nomsgpack"
go test -run '^$' -bench '^BenchmarkStop$' -benchtime "${COUNT:-5}x" .
