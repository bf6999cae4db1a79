#!/usr/bin/env bash
# The benchmark suite: builds the release binary and the floor (scripts/bench/floor), seeds
# 1,000 tags and 10,000 articles, runs wrk per scenario at 32 connections, and prints
# requests/s, p50, p99, ratios to the floor, peak RSS and lifecycle figures; writes the
# report to docs/BENCHMARKS.md (or BENCH_OUT). Last, the list-cost curve: p50 of each list's page 1
# and a deep page with 1k, 100k and 1M rows. DURATION (10s) sets wrk's time per scenario; with
# BLOG_TEST_MYSQL_DSN set it also runs the scenarios on MySQL. ONLY=listcost runs the curve
# alone and prints it (docs/BENCHMARKS.md is left as it is), ONLY=tags the tags page against
# the floor and its profile (BENCH_PROFILES=1 keeps the profiles), ONLY=gc the tags page against
# the floor with the service under GC settings (its own GOGC=300 with a 96 MiB limit, Go's default GOGC=100, 200, 400, off); LISTCOST_ROUNDS (5) turns of
# LISTCOST_D (2s) per list and size make the curve (about 4 minutes per database); AFTER_IDLE
# (65s) is how long after the load the idle memory is read again (0s: not read).
set -euo pipefail
export GOTOOLCHAIN=go1.27.3 # go.mod's Go, fetched from the module proxy (see the Makefile)
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null; then
  apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null
fi
make build >/dev/null
cd scripts
go build -o ../bin/floor ./bench/floor
cd bench # post.lua is read from here
out="${BENCH_OUT:-../../docs/BENCHMARKS.md}"
[ -z "${ONLY:-}" ] || out="${BENCH_OUT:-}" # one section is not the whole report
go run . -bin ../../bin/blog-service -floor ../../bin/floor -d "${DURATION:-10s}" -pairs "${PAIRS:-7}" \
  -mysql "${BLOG_TEST_MYSQL_DSN:-}" -out "$out" -only "${ONLY:-}" \
  -listcost-rounds "${LISTCOST_ROUNDS:-5}" -listcost-d "${LISTCOST_D:-2s}" -after-idle "${AFTER_IDLE:-65s}"
