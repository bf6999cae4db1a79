# blog-service: every command a developer or CI needs. `make help` lists them.
MODULE     := github.com/go-programming-tour-book/blog-service
VERSION    ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT     ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
BUILD_TIME ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS    := -s -w -X $(MODULE)/global.Version=$(VERSION) -X $(MODULE)/global.Commit=$(COMMIT) -X $(MODULE)/global.BuildTime=$(BUILD_TIME)
# The image `make docker` builds and the README and deploy/kubernetes run: one tag everywhere
# (TestDockerImageTag). For a registry, give IMAGE its name (make docker IMAGE=...) and put
# the same name in the manifests.
IMAGE      ?= blog-service:local
# The race detector needs cgo and a C compiler; use it wherever the machine has them.
RACE       ?= $(shell [ "$$(go env CGO_ENABLED)" = 1 ] && command -v gcc >/dev/null && echo -race)

.PHONY: help run build test fuzz lint swag swag-check bench bench-stop drill rolling-drill upgrade-drill docker clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

run: ## run the service on :8000 with the embedded SQLite database
	go run main.go

build: ## build bin/blog-service, static, with version, commit and build time stamped in
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o bin/blog-service .

test: ## run every test (set BLOG_TEST_MYSQL_DSN to run the database tests on MySQL/MariaDB too)
	go test $(RACE) -count=1 ./...

FUZZTIME ?= 1m
fuzz: ## search for inputs that break the API or the upload store (FUZZTIME each)
	go test -run '^$$' -fuzz '^FuzzAPI$$' -fuzztime $(FUZZTIME) ./internal/routers
	go test -run '^$$' -fuzz '^FuzzUpload$$' -fuzztime $(FUZZTIME) ./internal/routers
	go test -run '^$$' -fuzz '^FuzzSaveImage$$' -fuzztime $(FUZZTIME) ./pkg/upload

lint: ## gofmt and go vet must be clean
	@out=$$(gofmt -l $$(git ls-files '*.go')); [ -z "$$out" ] || { echo "gofmt would change:"; echo "$$out"; exit 1; }
	go vet ./...
	cd scripts && go vet ./...

swag: ## regenerate the Swagger docs in docs/ from the handlers' annotations
	go tool swag init -g main.go -o docs --quiet
	gofmt -w docs/docs.go

swag-check: swag ## fail if the committed docs/ differ from what the annotations generate
	@git diff --exit-code -- docs/ || { echo "docs/ is stale: run make swag and commit"; exit 1; }

bench: ## benchmark suite: wrk per scenario vs a net/http floor, RSS, lifecycle, list cost vs table size; writes docs/BENCHMARKS.md (scripts/bench.sh); ONLY=listcost for the curve alone
	scripts/bench.sh

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
