#!/usr/bin/env bash
# The deploy drill: builds the release binary, then measures N deploys under read and write
# load, in-place (binary replaced + SIGHUP) and, beside it, stop-then-start. Prints one
# table and writes the timeline chart to docs/drill.svg (or CHART); exits non-zero if the in-place run
# failed a request or lost an acknowledged write. UPGRADES (5) and EVERY (2s) tune it.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3 # go.mod's Go, fetched from the module proxy (see the Makefile)
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)" >&2
  apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null
fi
make build >/dev/null
cd scripts
go run ./drill -bin ../bin/blog-service -upgrades "${UPGRADES:-5}" -every "${EVERY:-2s}" -chart "${CHART:-../docs/drill.svg}"
