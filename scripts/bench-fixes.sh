#!/usr/bin/env bash
# Each CPU fix of GET /api/v1/tags measured on its own (issue 12): builds the service as it is
# (make build) and, per fix, the same tree with only that fix undone, then runs the two in
# turns under the tags load and profiles both (scripts/bench, -only fixes). Writes
# docs/BENCHMARKS-FIXES.md (or BENCH_OUT). DURATION (10s) and PAIRS (3) as in make bench.
# When a fix's code changes so that its undo no longer applies, the script stops: update the
# undo line below.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3 # go.mod's Go, fetched from the module proxy (see the Makefile)
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null; then
  apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null
fi
make build >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# undo NAME FILE OLD NEW: builds $tmp/NAME, the working tree with OLD replaced by NEW in FILE.
undo() {
  local name=$1 file=$2
  mkdir -p "$tmp/$name"
  git ls-files -z | xargs -0 cp --parents -t "$tmp/$name"
  grep -qF -- "$3" "$tmp/$name/$file" || { echo "bench-fixes.sh: $file no longer holds: $3" >&2; exit 1; }
  OLD=$3 NEW=$4 perl -0pi -e 's/\Q$ENV{OLD}\E/$ENV{NEW}/' "$tmp/$name/$file"
  (cd "$tmp/$name" && CGO_ENABLED=0 go build -tags nomsgpack -trimpath -ldflags "-s -w" -o "$tmp/$name.bin" .)
}
# The token cache: every request verifies its token again (JSON and HMAC).
undo token-cache pkg/token/token.go \
  'if ok && c.ExpiresAt.After(time.Now()) {' 'if false && ok && c.ExpiresAt.After(time.Now()) {'
# The access log's caller: each line looks up the calling function again (runtime.Caller).
undo access-log-caller internal/middleware/accesslog.go \
  'log = log.WithOptions(zap.WithCaller(false))' 'log = log.WithOptions(zap.WithCaller(true))'
# The tags page's unsigned columns scanned by database/sql, through a decimal string.
undo unsigned-scan internal/dao/tag.go \
  'return r.Scan(col(&t.ID), &t.CreatedBy, &t.ModifiedBy, col(&t.CreatedOn), col(&t.ModifiedOn), col(&t.DeletedOn), col(&t.IsDel), &t.Name, col(&t.State))' \
  'return r.Scan(&t.ID, &t.CreatedBy, &t.ModifiedBy, &t.CreatedOn, &t.ModifiedOn, &t.DeletedOn, &t.IsDel, &t.Name, &t.State)'
# The access log written a line at a time: a write system call per request.
undo access-log-batches pkg/logger/logger.go \
  'newBatcher(direct, PipeBuf, FlushInterval)' 'direct'

cd scripts/bench
go run . -only fixes -bin ../../bin/blog-service -d "${DURATION:-10s}" -pairs "${PAIRS:-3}" \
  -out "${BENCH_OUT:-../../docs/BENCHMARKS-FIXES.md}" \
  -before "verified-token cache=$tmp/token-cache.bin=github.com/golang-jwt/,access log without caller=$tmp/access-log-caller.bin=go.uber.org/zap.(*Logger).check,unsigned columns scanned directly=$tmp/unsigned-scan.bin=database/sql.convertAssignRows,access log in batches=$tmp/access-log-batches.bin=go.uber.org/zap.(*Logger).Log"
