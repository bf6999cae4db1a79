# blog-service: every command a developer or CI needs. `make help` lists them.
# Go 1.27.3 (go.mod's go line): the standard library's fixes for the vulnerabilities
# govulncheck finds in 1.26 (make vulncheck). The go command fetches it from the module
# proxy on first use, whatever Go the machine has, even where GOTOOLCHAIN=local.
export GOTOOLCHAIN := go1.27.3
MODULE     := github.com/go-programming-tour-book/blog-service
VERSION    ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT     ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
BUILD_TIME ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS    := -s -w -X $(MODULE)/global.Version=$(VERSION) -X $(MODULE)/global.Commit=$(COMMIT) -X $(MODULE)/global.BuildTime=$(BUILD_TIME)
# gin's nomsgpack tag leaves out its MessagePack codec (6 MB of the binary), which no handler
# accepts: internal/app binds JSON and forms only. GOFLAGS carries the tag to the go commands
# that the tests and scripts start themselves (the lifecycle tests build the binary in TestMain).
GOTAGS     := nomsgpack
export GOFLAGS := $(strip $(GOFLAGS) -tags=$(GOTAGS))
# The image `make docker` builds and the README and deploy/kubernetes run: one tag everywhere
# (TestDockerImageTag). For a registry, give IMAGE its name (make docker IMAGE=...) and put
# the same name in the manifests.
IMAGE      ?= blog-service:local
# The race detector needs cgo and a C compiler; use it wherever the machine has them.
# ($(shell) does not see make's exports, hence GOTOOLCHAIN again.)
RACE       ?= $(shell [ "$$(GOTOOLCHAIN=$(GOTOOLCHAIN) go env CGO_ENABLED)" = 1 ] && command -v gcc >/dev/null && echo -race)

.PHONY: help run build test fuzz lint vulncheck swag swag-check e2e bench bench-fixes bench-stop drill rolling-drill upgrade-drill docker clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

run: ## run the service on :8000 with the embedded SQLite database
	go run -tags $(GOTAGS) main.go

build: ## build bin/blog-service, static, with version, commit and build time stamped in
	CGO_ENABLED=0 go build -tags $(GOTAGS) -trimpath -ldflags "$(LDFLAGS)" -o bin/blog-service .

test: ## run every test (set BLOG_TEST_MYSQL_DSN to run the database tests on MySQL/MariaDB too)
	go test -tags $(GOTAGS) $(RACE) -count=1 ./...

FUZZTIME ?= 1m
fuzz: ## search for inputs that break the API or the upload store (FUZZTIME each)
	go test -tags $(GOTAGS) -run '^$$' -fuzz '^FuzzAPI$$' -fuzztime $(FUZZTIME) ./internal/routers
	go test -tags $(GOTAGS) -run '^$$' -fuzz '^FuzzUpload$$' -fuzztime $(FUZZTIME) ./internal/routers
	go test -tags $(GOTAGS) -run '^$$' -fuzz '^FuzzSaveImage$$' -fuzztime $(FUZZTIME) ./pkg/upload

# Built with go.mod's Go: a golangci-lint built with an older Go refuses to load the packages.
GOLANGCI_LINT_VERSION := 2.15.0
GOLANGCI_LINT := $(shell GOTOOLCHAIN=$(GOTOOLCHAIN) go env GOPATH)/bin/golangci-lint
lint: ## golangci-lint v2 (.golangci.yml: errcheck, govet, staticcheck, ...) on the service and scripts/, installed if missing
	@$(GOLANGCI_LINT) version 2>/dev/null | grep -q "version $(GOLANGCI_LINT_VERSION) built with $(GOTOOLCHAIN) " || \
		go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v$(GOLANGCI_LINT_VERSION)
	$(GOLANGCI_LINT) run ./...
	cd scripts && $(GOLANGCI_LINT) run --config ../.golangci.yml ./...

vulncheck: ## govulncheck, offline, against the Go vulnerability database of a pinned date (scripts/vulncheck.sh)
	scripts/vulncheck.sh

swag: ## regenerate the Swagger spec in docs/ from the handlers' annotations, and the UI's files
	go tool swag init -g main.go -o docs --outputTypes json,yaml --quiet
	scripts/swagger-ui.sh

swag-check: swag ## fail if the committed docs/ or Swagger UI files differ from what make swag writes
	@git diff --exit-code -- docs/ pkg/swaggerui/ || { echo "docs/ or pkg/swaggerui/ is stale: run make swag and commit"; exit 1; }

e2e: ## the Swagger UI in headless Chromium: validate the served spec, try every operation (e2e/run.sh)
	e2e/run.sh

bench: ## benchmark suite: wrk per scenario vs a net/http floor, RSS, lifecycle, list cost vs table size; writes docs/BENCHMARKS.md (scripts/bench.sh); ONLY=listcost for the curve alone, ONLY=tags for the tags page vs the floor, ONLY=gc for it under GC settings
	scripts/bench.sh

bench-fixes: ## each CPU fix on its own: the service vs the same code with that fix undone, in turns; writes docs/BENCHMARKS-FIXES.md (scripts/bench-fixes.sh)
	scripts/bench-fixes.sh

bench-stop: ## print stop timings: idle stop and a short drain, signal to exit (scripts/bench-stop.sh)
	scripts/bench-stop.sh

drill: ## deploy drill: N upgrades under load vs stop-then-start, table + docs/drill.svg (scripts/deploy-drill.sh)
	scripts/deploy-drill.sh

rolling-drill: ## two replicas behind nginx on one MariaDB, upgraded in turn under load (scripts/rolling-drill.sh)
	scripts/rolling-drill.sh

# The previous release: the commit hash in .ci/previous-release (its other line is a comment).
FROM ?= $(shell grep -Ex '[0-9a-f]{7,40}' .ci/previous-release 2>/dev/null)
upgrade-drill: ## FROM=<git rev> (default .ci/previous-release): upgrade FROM -> HEAD -> FROM -> HEAD under load; DB=mysql for MariaDB (scripts/upgrade-drill.sh)
	FROM="$(FROM)" DB="$(DB)" scripts/upgrade-drill.sh

docker: ## build the container image IMAGE (blog-service:local), version and commit stamped in
	docker build --build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) -t $(IMAGE) .

clean: ## remove build outputs and the local database
	rm -rf bin storage
