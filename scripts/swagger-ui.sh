#!/usr/bin/env bash
# Copies the Swagger UI files /swagger serves into pkg/swaggerui/dist from the module that
# packages them, github.com/swaggo/files/v2, at the version below (the module cache keeps it,
# so this works offline after the first download). Only the files the page loads: the module
# also holds source maps and two other bundles, 9 MB that embedding the whole module put in
# every binary. swagger-initializer.js is ours (it points the UI at doc.json) and stays.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3 # go.mod's Go, fetched from the module proxy (see the Makefile)
cd "$(dirname "$0")/.."
version=v2.0.2
# Outside the module, so that go.mod and go.sum do not take it as a dependency.
dir=$(cd / && go mod download -json "github.com/swaggo/files/v2@$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
[ -n "$dir" ] || { echo "swagger-ui.sh: github.com/swaggo/files/v2@$version not downloaded" >&2; exit 1; }
out=pkg/swaggerui/dist
for f in index.html index.css swagger-ui.css swagger-ui-bundle.js swagger-ui-standalone-preset.js \
  favicon-16x16.png favicon-32x32.png oauth2-redirect.html; do
  install -m 0644 "$dir/dist/$f" "$out/$f"
done
install -m 0644 "$dir/LICENSE" "$out/LICENSE.swaggo-files"
