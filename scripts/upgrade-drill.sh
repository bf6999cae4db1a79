#!/usr/bin/env bash
# The upgrade drill: builds the revision FROM (git archive into a temporary directory) and the
# working tree, starts FROM's binary as the master and, under read and write load, upgrades
# FROM -> HEAD -> FROM -> HEAD, each time by renaming the other binary over the executable and
# sending SIGHUP. Each build reports its revision in /healthz, so the drill sees which one
# serves. Prints one table; exits non-zero if a request failed, an upgrade did not hand over,
# or an acknowledged write is not readable at the end.
#   make upgrade-drill FROM=<git rev>     (default: the commit in .ci/previous-release)
# DB=mysql runs it on a new database of MYSQL_DSN (default root@tcp(127.0.0.1:3306)/, or
# BLOG_TEST_MYSQL_DSN), starting the machine's MariaDB if needed. EVERY (2s) is the time
# between deploys.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3 # go.mod's Go, fetched from the module proxy (see the Makefile)
cd "$(dirname "$0")/.."
: "${FROM:?set FROM to a git revision, e.g. make upgrade-drill FROM=v1.2.0}"
rev=$(git rev-parse --verify --quiet "$FROM^{commit}") || { echo "FROM=$FROM is not a commit of this repository" >&2; exit 2; }
module=github.com/go-programming-tour-book/blog-service
from_version=$(git rev-parse --short "$rev")
head_version=$(git rev-parse --short HEAD)
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  head_version=$head_version-dirty # the working tree is what gets built
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
build() { # build SOURCE_DIR VERSION COMMIT OUTPUT
  (cd "$1" && CGO_ENABLED=0 go build -trimpath -ldflags "-X $module/global.Version=$2 -X $module/global.Commit=$3" -o "$4" .)
}
echo "building $from_version (FROM) and $head_version (HEAD)" >&2
mkdir "$work/from"
git archive "$rev" | tar -x -C "$work/from"
build "$work/from" "$from_version" "$rev" "$work/blog-service-from"
build . "$head_version" "$(git rev-parse HEAD)" "$work/blog-service-head"

db=()
if [ "${DB:-sqlite}" = mysql ]; then
  export PATH=$PATH:/usr/sbin
  if ! mysqladmin -uroot --connect-timeout=2 ping >/dev/null 2>&1 && [ -x /usr/sbin/mariadbd ]; then
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
    for _ in $(seq 1 60); do mysqladmin -uroot ping >/dev/null 2>&1 && break; sleep 0.5; done
  fi
  db=(-mysql "${MYSQL_DSN:-${BLOG_TEST_MYSQL_DSN:-root@tcp(127.0.0.1:3306)/}}")
elif [ "${DB:-sqlite}" != sqlite ]; then
  echo "DB=$DB: want sqlite or mysql" >&2
  exit 2
fi
cd scripts
go run ./drill -from "$work/blog-service-from" -bin "$work/blog-service-head" -every "${EVERY:-2s}" ${db[@]+"${db[@]}"}
