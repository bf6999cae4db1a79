#!/usr/bin/env bash
# The rolling drill: nginx on loopback in front of two replicas sharing one MariaDB/MySQL
# database; under read and write load through nginx each replica in turn is upgraded, by
# SIGHUP and, in a second pass, by SIGTERM with a drain delay then a fresh start (as
# Kubernetes does). Prints one table; exits non-zero if any request failed or any
# acknowledged write is missing. Needs nginx, wrk and a MySQL server; it installs the
# Debian packages and starts the machine's MariaDB when missing. MYSQL_DSN picks the server
# (default root@tcp(127.0.0.1:3306)/, or BLOG_TEST_MYSQL_DSN).
set -euo pipefail
export GOTOOLCHAIN=go1.27.3 # go.mod's Go, fetched from the module proxy (see the Makefile)
cd "$(dirname "$0")/.."
missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v wrk >/dev/null || missing+=(wrk)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} (Debian packages)" >&2
  apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null
fi
export PATH=$PATH:/usr/sbin
if ! mysqladmin -uroot --connect-timeout=2 ping >/dev/null 2>&1 && [ -x /usr/sbin/mariadbd ]; then
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  for _ in $(seq 1 60); do mysqladmin -uroot ping >/dev/null 2>&1 && break; sleep 0.5; done
fi
dsn=${MYSQL_DSN:-${BLOG_TEST_MYSQL_DSN:-root@tcp(127.0.0.1:3306)/}}
make build >/dev/null
cd scripts
go run ./drill -bin ../bin/blog-service -rolling "$dsn" -every "${EVERY:-2s}"
