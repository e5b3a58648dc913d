# One entry point for people and CI. `make run` and `make test` install what
# they need from the project's own files (package-lock.json, go.mod, and
# Debian packages when Java is missing).

SHELL := /bin/bash
.DEFAULT_GOAL := help

GO        ?= go
FUNCTIONS := $(notdir $(patsubst %/main.go,%,$(wildcard functions/*/main.go)))
NPM_STAMP := node_modules/.package-lock.json
FUZZTIME  ?= 30s
# The packages with fuzz targets (func FuzzXxx in a _test.go file).
FUZZPKGS   = $(sort $(dir $(shell grep -l '^func Fuzz' $$(git ls-files '*_test.go'))))

# The npm tools, and the CDK's JavaScript under `go test ./infra`, run on the
# Node.js LTS that package.json installs (Node 20, on new machines, reached
# its end of life on 2026-10-30).
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: help deps run staff-token test test-go test-infra synth vet build invoke bench fuzz clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: $(NPM_STAMP) ## install npm tools, Go modules, and Java and Chromium if missing
	@command -v java >/dev/null || { \
	  echo "Java 17 is needed for DynamoDB Local; installing openjdk-17-jre-headless"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq openjdk-17-jre-headless; fi; }
	@test -x /usr/bin/chromium || { \
	  echo "Chromium is needed for the browser tests (e2e); installing chromium"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi; }
	$(GO) mod download

run: deps ## run the whole system locally (API on :8080, mail viewer on :8005)
	$(GO) run ./cmd/lmi-local

staff-token: ## print a fresh access token of the running system's staff user (for curl: make -s staff-token)
	@$(GO) run ./cmd/lmi-local staff-token

test: deps vet test-go synth ## run every test: unit, integration (DynamoDB Local, local SES), CDK template, cdk synth, each fuzz target briefly
	$(MAKE) --no-print-directory fuzz FUZZTIME=3000x

vet:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) mod tidy -diff
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

test-go:
	$(GO) test -count=1 -timeout 45m ./...

# cdk synth applies cdk-nag's AwsSolutions pack (infra/nag.go): a finding not
# suppressed fails it, and so does a deprecation warning from the CDK.
synth: deps ## synthesize the CloudFormation template (builds the functions), checked by cdk-nag's AwsSolutions pack
	@out=$$(npx --no-install cdk synth --quiet 2>&1); status=$$?; echo "$$out"; \
	  if [ $$status -ne 0 ]; then exit $$status; fi; \
	  if grep -qi 'deprecated' <<<"$$out"; then echo "cdk synth warned of a deprecated API (above): replace it"; exit 1; fi

build: ## build every function for Lambda (linux/arm64) into bin/<name>/bootstrap
	@for f in $(FUNCTIONS); do \
	  echo "build $$f"; \
	  CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w' -o bin/$$f/bootstrap ./functions/$$f || exit 1; \
	done

invoke: deps ## invoke one function with a sample payload: make invoke FN=register EVENT=events/register.json
	@test -n "$(FN)" -a -n "$(EVENT)" || { echo "usage: make invoke FN=<$(FUNCTIONS)> EVENT=events/<file>.json"; exit 2; }
	$(GO) run ./cmd/lmi-local invoke -function $(FN) -event $(EVENT)

bench: deps ## measure the rush against DynamoDB's floor, calls per operation, binary sizes and cold start, mail; writes docs/performance.md
	$(GO) run ./cmd/lmi-bench -doc docs/performance.md $(BENCH_FLAGS)

fuzz: deps ## run every fuzz target for FUZZTIME each (default 30s; or a count of runs, 3000x): make fuzz FUZZTIME=10m
	@set -eo pipefail; for dir in $(FUZZPKGS); do \
	  for target in $$($(GO) test -list '^Fuzz' ./$$dir | grep '^Fuzz'); do \
	    echo "fuzz ./$$dir $$target for $(FUZZTIME)"; \
	    $(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) ./$$dir | grep -v '^fuzz: elapsed' || exit 1; \
	  done; \
	done

clean: ## remove build output
	rm -rf bin cdk.out .build
