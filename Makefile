# sluice: the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
BUN := node_modules/.bin/bun
TSC := node_modules/.bin/tsc
BIOME := node_modules/.bin/biome
SOURCES := $(shell find src templates -type f) package.json package-lock.json packaging/build.ts

.PHONY: demo test build deps lint typecheck unit integration bench soak clean rpm

demo:
	bash packaging/demo.sh

test: deps lint typecheck build
	bash test/run.sh

deps: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

lint: deps
	$(BIOME) check .

typecheck: deps
	$(TSC) --noEmit

build: dist/sluice

dist/sluice: deps $(SOURCES)
	$(BUN) packaging/build.ts dist/sluice
	ln -sf sluice dist/lbctl

# dist/sluice-<version>-1.<arch>.rpm; `make rpm ARCH=aarch64` cross-compiles with Bun.
ARCH ?= $(shell uname -m)
rpm: build
	bash packaging/rpm.sh $(ARCH)

unit: deps
	$(BUN) test test/unit

integration: build
	$(BUN) test test/integration

clean:
	rm -rf dist .tmp

bench: build
	@command -v wrk >/dev/null || { apt-get install -y wrk || dnf install -y wrk; }
	$(BUN) bench/bench.ts

# The full soak of bench/soak-figure.ts (`make bench` runs 3 minutes of it): 60 minutes of churn at
# 10,000 servers; its rows replace the soak rows of bench/RESULTS.md.
soak: build
	BENCH_ONLY=soak BENCH_SOAK_MINUTES=$${BENCH_SOAK_MINUTES:-60} $(BUN) bench/bench.ts
