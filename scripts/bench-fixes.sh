#!/usr/bin/env bash
# Each CPU fix of GET /api/v1/tags measured on its own (issue 12): builds the service as it is
# (make build) and, per fix, the same tree with only that fix undone, then runs the two in
# turns under the tags load and profiles both (scripts/bench, -only fixes). Writes
# docs/BENCHMARKS-FIXES.md (or BENCH_OUT). DURATION (10s) as in make bench, PAIRS (3 here);
# FIXES (all) names the fixes to measure, e.g. FIXES=access-log-batches.
# When a fix's code changes so that its undo no longer applies, the script stops: update the
# undo line below. CHECK_ONLY=1 only checks that every undo applies (TestBenchFixesUndoApply).
set -euo pipefail
export GOTOOLCHAIN=go1.27.3 # go.mod's Go, fetched from the module proxy (see the Makefile)
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# undo NAME LABEL PART FILE OLD NEW: builds $tmp/NAME.bin, the working tree with OLD replaced by
# NEW in FILE, and adds it to the fixes measured, as LABEL, with PART the profile's functions
# the fix aims at. FIXES (all by default) names the fixes to measure, space-separated.
before=""
undo() {
  local name=$1 label=$2 part=$3 file=$4
  case " ${FIXES:-$name} " in *" $name "*) ;; *) return 0 ;; esac
  grep -qF -- "$5" "$file" || { echo "bench-fixes.sh: $file no longer holds: $5" >&2; exit 1; }
  [ -z "${CHECK_ONLY:-}" ] || return 0
  mkdir -p "$tmp/$name"
  git ls-files -z | xargs -0 cp --parents -t "$tmp/$name"
  OLD=$5 NEW=$6 perl -0pi -e 's/\Q$ENV{OLD}\E/$ENV{NEW}/' "$tmp/$name/$file"
  (cd "$tmp/$name" && CGO_ENABLED=0 go build -tags nomsgpack -trimpath -ldflags "-s -w" -o "$tmp/$name.bin" .)
  before="${before:+$before,}$label=$tmp/$name.bin=$part"
}
# The token cache: every request verifies its token again (JSON and HMAC).
undo token-cache "verified-token cache" "github.com/golang-jwt/" pkg/token/token.go \
  'if ok && c.ExpiresAt.After(time.Now()) {' 'if false && ok && c.ExpiresAt.After(time.Now()) {'
# The access log's caller: each line looks up the calling function again (runtime.Caller).
undo access-log-caller "access log without caller" "go.uber.org/zap.(*Logger).check" internal/middleware/accesslog.go \
  'log = log.WithOptions(zap.WithCaller(false))' 'log = log.WithOptions(zap.WithCaller(true))'
# The tags page's unsigned columns scanned by database/sql, through a decimal string.
undo unsigned-scan "unsigned columns scanned directly" "database/sql.convertAssignRows" internal/dao/tag.go \
  'return r.Scan(n, col(&t.ID), &t.CreatedBy, &t.ModifiedBy, col(&t.CreatedOn), col(&t.ModifiedOn), col(&t.DeletedOn), col(&t.IsDel), &t.Name, col(&t.State))' \
  'return r.Scan(n, &t.ID, &t.CreatedBy, &t.ModifiedBy, &t.CreatedOn, &t.ModifiedOn, &t.DeletedOn, &t.IsDel, &t.Name, &t.State)'
# The access log written a line at a time: a write system call per request.
undo access-log-batches "access log in batches" "go.uber.org/zap.(*Logger).Log" pkg/logger/logger.go \
  'newBatcher(direct, PipeBuf, FlushInterval)' 'direct'
# The server's lock taken twice per request, as net/http reports each connection active, then idle.
undo conn-state-lock "no lock per request in connState" "github.com/go-programming-tour-book/blog-service/pkg/lifecycle/server.(*Server).connState" pkg/lifecycle/server/server.go \
  '&& !sc.silent.CompareAndSwap(true, false) {' '&& !sc.silent.CompareAndSwap(true, false) && false {'
# The verified tokens read under the cache's mutex: every request queued for it.
undo token-cache-rlock "verified tokens read under a shared lock" "github.com/go-programming-tour-book/blog-service/pkg/token.(*JWT).Parse" pkg/token/token.go \
  $'j.mu.RLock()\n\tc, ok := j.verified[token]\n\tj.mu.RUnlock()' $'j.mu.Lock()\n\tc, ok := j.verified[token]\n\tj.mu.Unlock()'
# Each request's series looked up in the metric vectors: labels hashed, the vector's lock taken.
undo metric-series "metric series looked up once" "github.com/go-programming-tour-book/blog-service/internal/metrics.(*Metrics).seriesOf" internal/metrics/metrics.go \
  'm.series.Store(k, s)' '// not kept'
[ -z "${CHECK_ONLY:-}" ] || exit 0
[ -n "$before" ] || { echo "bench-fixes.sh: FIXES=$FIXES names no fix" >&2; exit 1; }
if ! command -v wrk >/dev/null; then
  apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null
fi
make build >/dev/null

cd scripts/bench
go run . -only fixes -bin ../../bin/blog-service -d "${DURATION:-10s}" -pairs "${PAIRS:-3}" \
  -out "${BENCH_OUT:-../../docs/BENCHMARKS-FIXES.md}" -before "$before"
