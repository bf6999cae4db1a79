#!/usr/bin/env bash
# Copies the Swagger UI files /swagger serves into pkg/swaggerui/dist from the module that
# packages them, github.com/swaggo/files/v2, at the version below (the module cache keeps it,
# so this works offline after the first download). Only the files the page loads: the module
# also holds source maps and two other bundles, 9 MB that embedding the whole module put in
# every binary. swagger-initializer.js is ours (it points the UI at doc.json) and stays.
# The three large text files are stored gzip-compressed, as NAME.gz (1.8 MB -> 0.5 MB in
# the binary; pkg/swaggerui serves them as NAME), with GNU gzip -9 -n: no name, no time
# stamp, so a rerun writes the same bytes and make swag-check stays clean.
# pkg/swaggerui/testdata/dist.sha256 records every copied file's SHA-256 as the module has
# it, so pkg/swaggerui's tests can check that what /swagger serves is the original.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3 # go.mod's Go, fetched from the module proxy (see the Makefile)
cd "$(dirname "$0")/.."
version=v2.0.2
# Other gzips (BSD's, zlib-based ones) compress as well but to other bytes: swag-check would
# call the committed files stale.
gzip --version 2>/dev/null | grep -q '^gzip 1\.' || { echo "swagger-ui.sh: needs GNU gzip" >&2; exit 1; }
# Outside the module, so that go.mod and go.sum do not take it as a dependency.
dir=$(cd / && go mod download -json "github.com/swaggo/files/v2@$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
[ -n "$dir" ] || { echo "swagger-ui.sh: github.com/swaggo/files/v2@$version not downloaded" >&2; exit 1; }
out=pkg/swaggerui/dist
files=(index.html index.css swagger-ui.css swagger-ui-bundle.js swagger-ui-standalone-preset.js
  favicon-16x16.png favicon-32x32.png oauth2-redirect.html)
for f in "${files[@]}"; do
  rm -f "$out/$f" "$out/$f.gz"
  case $f in
  swagger-ui-bundle.js | swagger-ui-standalone-preset.js | swagger-ui.css)
    gzip -9 -n -c "$dir/dist/$f" >"$out/$f.gz"
    chmod 0644 "$out/$f.gz"
    ;;
  *) install -m 0644 "$dir/dist/$f" "$out/$f" ;;
  esac
done
install -m 0644 "$dir/LICENSE" "$out/LICENSE.swaggo-files"
mkdir -p pkg/swaggerui/testdata
(cd "$dir/dist" && sha256sum "${files[@]}") >pkg/swaggerui/testdata/dist.sha256
