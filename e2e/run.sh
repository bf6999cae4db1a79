#!/usr/bin/env bash
# make e2e: the Swagger UI in headless Chromium against the real service (swagger-ui.mjs).
# Installs what it needs on a fresh machine: Debian's chromium (as root, with apt-get) and
# the npm packages pinned in package-lock.json.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3 # go.mod's Go, fetched from the module proxy (see the Makefile)
cd "$(dirname "$0")"
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing Debian's chromium"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "e2e needs Chromium at $CHROMIUM: apt-get install chromium (or set CHROMIUM)" >&2
    exit 1
  fi
fi
npm ci --no-audit --no-fund --loglevel=error
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
# The Makefile's build tags (GOTAGS), so the UI is tried on the binary make build ships.
(cd .. && CGO_ENABLED=0 go build -tags nomsgpack -o "$bin/blog-service" .)
BLOG_BINARY=$bin/blog-service node swagger-ui.mjs
