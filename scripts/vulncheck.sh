#!/usr/bin/env bash
# Known vulnerabilities in the code the service runs (its packages, their dependencies and
# the standard library of the Go that builds it), and in the scripts module's, checked with
# govulncheck offline. The
# database is the golang.org/x/vulndb module at VULNDB_VERSION, fetched from the module
# proxy like any module and indexed with vulndb's own cmd/indexdb, once per version, into
# VULNDB_CACHE; after that first run, everything comes from the module cache and that
# directory. Exits non-zero on any vulnerability the code can reach.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3 # go.mod's Go, fetched from the module proxy (see the Makefile)
cd "$(dirname "$0")/.."
version=${VULNDB_VERSION:-v0.0.0-20261105234957-e22db6528018} # the database as of 2026-11-05
cache=${VULNDB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/blog-service/vulndb}
db=$cache/$version

if [ ! -f "$db/index/db.json" ]; then
  echo "vulncheck: indexing golang.org/x/vulndb@$version into $db (once per version)" >&2
  # Outside this module, so that vulndb stays out of go.mod and go.sum.
  src=$(cd / && go mod download -json "golang.org/x/vulndb@$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [ -n "$src" ] || { echo "vulncheck: golang.org/x/vulndb@$version not downloaded" >&2; exit 1; }
  mkdir -p "$cache"
  tmp=$(mktemp -d "$cache/.indexing.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  # Inside vulndb's module (read-only in the module cache; nothing is written there), not
  # `go run ...@version`, which asks the proxy about the module every time.
  (cd "$src" && go run ./cmd/indexdb -vulns data/osv -out "$tmp/db")
  # Whole or not at all: an interrupted run leaves no half database, and a run that lost a
  # race to another one keeps the other's.
  mv -T "$tmp/db" "$db" 2>/dev/null || [ -f "$db/index/db.json" ]
fi

# govulncheck's version is go.mod's tool line. The service, then the scripts module (the
# benchmarks and drills that run on developers' machines).
go tool govulncheck -db "file://$db" ./...
go tool govulncheck -C scripts -db "file://$db" ./...
