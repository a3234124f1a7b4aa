# Interloom: build, lint, test, demo, bench and docs.
# Everything runs from the project's own virtualenv, .venv, made by uv from uv.lock.
# `make` alone lists the targets.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules

VENV  := .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.stamp
TOOLS := .tools

# uv: the one on PATH, or else one bootstrapped into .tools (python3 -m venv + pip install uv).
UV_ON_PATH := $(shell command -v uv 2>/dev/null)
ifeq ($(UV_ON_PATH),)
UV     := $(TOOLS)/bin/uv
UV_DEP := $(UV)
else
UV     := $(UV_ON_PATH)
UV_DEP :=
endif
UV_SPEC ?= uv

# Paths the linters look at (tests/ may not exist yet).
PY_PATHS := $(wildcard src tests)

PYTEST_ARGS ?= -n 2
DEMO_ARGS   ?=

BENCH_ARGS ?=

.PHONY: help setup bytecode lint test demo bench docs clean

help: ## list the targets
	@echo "Interloom make targets:"
	@grep -E '^[a-zA-Z_.-]+:.*## ' $(MAKEFILE_LIST) \
	  | sed -E 's/^([^:]+):.*## (.*)$$/  \1\t\2/' \
	  | expand -t 14
	@echo "Variables: PYTEST_ARGS='-k foo' (test), DEMO_ARGS (demo), BENCH_ARGS (bench)"

# --- tools and virtualenv -----------------------------------------------------------------

$(TOOLS)/bin/uv:
	@echo "make: uv is not on PATH; bootstrapping it into $(TOOLS)/"
	@rm -rf $(TOOLS)
	@if ! python3 -m venv $(TOOLS) >/dev/null 2>&1; then \
	  rm -rf $(TOOLS); \
	  if [ "$$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "make: python3 -m venv failed; installing python3-venv"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv; \
	  else \
	    echo "make: python3 -m venv failed: install python3-venv (or put uv on PATH)" >&2; \
	    exit 1; \
	  fi; \
	  python3 -m venv $(TOOLS); \
	fi
	$(TOOLS)/bin/python -m pip install -q --disable-pip-version-check '$(UV_SPEC)'
	@test -x $@

# Re-synced only when the project's dependencies change. Bytecode is compiled at install:
# where PYTHONDONTWRITEBYTECODE is set (some CI images), every `interloom` process would
# otherwise compile its imports again (seconds per CLI start, many in the test suite).
$(STAMP): pyproject.toml uv.lock | $(UV_DEP)
	UV_COMPILE_BYTECODE=1 UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --locked --python python3
	@touch $@

# Interloom's own modules, compiled the same way (quick when nothing changed).
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q -j0 src >/dev/null

setup: $(STAMP) ## make .venv from uv.lock (dev group included); quick when up to date

# --- front end ------------------------------------------------------------------------
# None yet. A later issue adds the `ui` npm build here, e.g.
#   UI_STAMP := ui/node_modules/.stamp
#   $(UI_STAMP): ui/package.json ui/package-lock.json
#   	cd ui && npm ci --no-audit --no-fund && touch node_modules/.stamp
#   ui: $(UI_STAMP) ## build the front end
#   	cd ui && npm run build
# and adds `ui` to the prerequisites of demo (and test, when it has front-end tests).

# --- checks -----------------------------------------------------------------------------

lint: $(STAMP) ## ruff (check + format), mypy, import-linter; runs all, fails if any fails
	@failed=(); \
	run() { echo "+ $$*"; "$$@" || failed+=("$${1##*/}$${2:+ $$2}"); }; \
	run $(BIN)/ruff check $(PY_PATHS); \
	run $(BIN)/ruff format --check $(PY_PATHS); \
	run $(BIN)/mypy; \
	run $(BIN)/lint-imports; \
	if [ $${#failed[@]} -gt 0 ]; then echo "make lint: FAILED: $${failed[*]}" >&2; exit 1; fi; \
	echo "make lint: all checks passed"

test: $(STAMP) bytecode ## start the services (scripts/services.sh postgres), lint, pytest; fails if either fails
	@bash scripts/system-packages.sh
	@exports=$$(bash scripts/services.sh postgres); \
	eval "$$exports"; \
	echo "$$exports" | sed 's/^/+ /'; \
	lint_rc=0; $(MAKE) --no-print-directory lint || lint_rc=$$?; \
	echo "+ $(BIN)/python -m pytest -q $(PYTEST_ARGS)"; \
	rc=0; $(BIN)/python -m pytest -q $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests; counted as success"; rc=0; fi; \
	if [ $$lint_rc -ne 0 ]; then echo "make test: lint failed (see above)" >&2; [ $$rc -ne 0 ] || rc=$$lint_rc; fi; \
	exit $$rc

# --- running ----------------------------------------------------------------------------

demo: $(STAMP) bytecode ## serve examples/retail (interloom demo) and print its URL
	$(BIN)/interloom demo $(DEMO_ARGS)

bench: $(STAMP) bytecode ## Interloom beside Node-RED/Prism/WireMock in one run, then our micro-benchmarks
	bash scripts/bench.sh $(BENCH_ARGS)

# --- generated docs ---------------------------------------------------------------------

docs: $(STAMP) ## regenerate docs/schema/*.schema.json, docs/openapi.json, docs/errors.md and docs/contracts-diff.md
	mkdir -p docs/schema
	$(BIN)/interloom schema --all --write docs/schema
	$(BIN)/interloom openapi --write docs/openapi.json
	$(BIN)/interloom errors --write docs/errors.md
	bash scripts/system-packages.sh
	$(BIN)/interloom --project examples/retail catalog graph --declared --format dot \
	  --output-file docs/landscape.dot
	$(BIN)/interloom --project examples/retail catalog graph --declared --format svg \
	  --output-file docs/landscape.svg
	$(BIN)/interloom contracts rules --write docs/contracts-diff.md

# --- housekeeping -----------------------------------------------------------------------

clean: ## remove .venv, .tools and caches
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache .hypothesis htmlcov \
	  .coverage .coverage.* dist build
	find . -path ./.git -prune -o -path '*/node_modules' -prune -o \
	  \( -name __pycache__ -o -name '*.egg-info' \) -type d -prune -exec rm -rf {} +
