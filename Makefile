# Registry build, test and maintenance targets. `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO ?= go
# How long `make fuzz` runs each fuzz target.
FUZZTIME ?= 20s
# Where `make fuzz` looks for fuzz targets.
FUZZPKGS ?= ./...
# REQUIRE_SERVICES=1 turns a skipped PostgreSQL/Redis test into a failure.
export REQUIRE_SERVICES

.PHONY: help build run generate generate-check test test-purego lint fuzz migrate

help: ## List the targets
	@awk 'BEGIN { FS = ":.*## " } /^[a-zA-Z_-]+:.*## / { printf "  %-15s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

build: ## Build every binary under cmd/ into bin/
	@mkdir -p bin
	$(GO) build -o bin/ ./cmd/...

# make run's defaults; each yields to the environment, where an empty value
# counts too (REGISTRY_EPP_ADDR= make run starts no EPP gateway).
run: ## Run registryd with demo data (REGISTRY_DEMO=1), the EPP gateway on 127.0.0.1:7700 (OT&E on :7701) and /metrics on 127.0.0.1:9464
	REGISTRY_DEMO="$${REGISTRY_DEMO-1}" \
	REGISTRY_EPP_ADDR="$${REGISTRY_EPP_ADDR-127.0.0.1:7700}" \
	REGISTRY_EPP_OTE_ADDR="$${REGISTRY_EPP_OTE_ADDR-127.0.0.1:7701}" \
	REGISTRY_METRICS_ADDR="$${REGISTRY_METRICS_ADDR-127.0.0.1:9464}" \
	$(GO) run ./cmd/registryd

generate: ## Regenerate the wire injectors (wire_gen.go)
	$(GO) tool wire ./cmd/...

generate-check: generate ## Fail when the committed wire_gen.go files are stale
	@git diff --exit-code -- ':(glob)**/wire_gen.go' || { echo "wire_gen.go is stale: run make generate and commit it"; exit 1; }
	@untracked="$$(git ls-files --others --exclude-standard -- ':(glob)**/wire_gen.go')"; \
	if [[ -n "$$untracked" ]]; then echo "not committed: $$untracked"; exit 1; fi

test: ## Every test with -race, against PostgreSQL and Redis (scripts/test-services.sh)
	scripts/test-services.sh $(GO) test -race -count=1 ./...

test-purego: ## Every test without cgo (services only when REGISTRY_TEST_* are set)
	CGO_ENABLED=0 $(GO) test ./...

lint: ## gofmt, go vet, the dependency-rule test, shellcheck (installed by scripts/install-tools.sh when root), and the OpenAPI documents (Spectral, Redocly, Go and TypeScript clients)
	@unformatted="$$(gofmt -l .)"; \
	if [[ -n "$$unformatted" ]]; then echo "gofmt -l lists files to format:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) test ./test/arch/...
	@scripts/install-tools.sh shellcheck || { echo "make lint needs shellcheck: see the lines above (scripts/test-services.sh installs it when run as root)"; exit 1; }
	shellcheck scripts/*.sh .ci/run
	GO=$(GO) scripts/openapi-lint.sh

fuzz: ## Run each fuzz target for FUZZTIME (default 20s)
	@targets="$$($(GO) test -list '^Fuzz' $(FUZZPKGS) | awk '/^Fuzz/ { names[++n] = $$1 } /^ok / { for (i = 1; i <= n; i++) print $$2, names[i]; n = 0 }')"; \
	if [[ -z "$$targets" ]]; then echo "fuzz: no fuzz targets"; exit 0; fi; \
	while read -r pkg name; do \
		echo "fuzz: $$pkg $$name for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime "$(FUZZTIME)" "$$pkg"; \
	done <<< "$$targets"

migrate: ## Apply database migrations to REGISTRY_DATABASE_URL
	$(GO) run ./cmd/registryd migrate

# Load benchmark (bench/README.md). BENCH_FLAGS adds `benchd run` flags, e.g.
# BENCH_FLAGS="-domains 1000000 -audit 10000000" for the 1M/10M scale.
BENCH_FLAGS ?=

.PHONY: bench bench-quick

bench: ## Load benchmark vs the machine's ceilings (100k domains, 1M audit rows; BENCH_FLAGS=...)
	@mkdir -p bin
	$(GO) build -o bin/registryd ./cmd/registryd
	$(GO) build -o bin/benchd ./bench/cmd/benchd
	scripts/test-services.sh bin/benchd run -registryd bin/registryd $(BENCH_FLAGS)

bench-quick: ## The load benchmark at small scale (10k domains, 100k audit rows; SQLite 10k/10k) in about three minutes
	@mkdir -p bin
	$(GO) build -o bin/registryd ./cmd/registryd
	$(GO) build -o bin/benchd ./bench/cmd/benchd
	scripts/test-services.sh bin/benchd run -quick -registryd bin/registryd $(BENCH_FLAGS)

# EPP gateway vs REST in one run (bench/EPP.md). EPP_BENCH_FLAGS adds
# eppbench flags, e.g. EPP_BENCH_FLAGS="-duration 30s -sessions 16".
EPP_BENCH_FLAGS ?=

.PHONY: bench-epp

bench-epp: ## EPP check and create at 16 sessions with their ratio to REST (bench/results/epp-latest.json)
	@mkdir -p bin
	$(GO) build -o bin/registryd ./cmd/registryd
	$(GO) build -o bin/eppbench ./bench/cmd/eppbench
	scripts/test-services.sh bin/eppbench -registryd bin/registryd $(EPP_BENCH_FLAGS)
