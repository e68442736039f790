# pathdeck: `make deck` builds decks/ into dist/*.apkg, `make test` runs everything CI runs.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
TEST_INSTALLED := $(VENV)/.installed-test
# The browser tests drive Debian's Chromium through Playwright (Playwright's own download is unused).
CHROMIUM := /usr/bin/chromium

.DEFAULT_GOAL := help
.PHONY: help deck schema test lint typecheck pytest bench preview clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(TEST_INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test,browser]'
	touch $(INSTALLED) $@

deck: $(INSTALLED) ## Build decks/ into dist/<course id>.apkg (creates .venv if needed)
	$(BIN)/pathdeck build decks

schema: $(INSTALLED) ## Regenerate the JSON Schema files (package, decks/) after editing validate/schema.py
	$(BIN)/pathdeck schema -o src/pathdeck/pathdeck.schema.json
	$(BIN)/pathdeck schema -o decks/pathdeck.schema.json

lint: $(TEST_INSTALLED) ## ruff lint and format check
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(TEST_INSTALLED) ## mypy --strict
	$(BIN)/mypy

pytest: $(TEST_INSTALLED) | $(CHROMIUM) ## The test suite only
	$(BIN)/pytest

# On a fresh machine as root (CI) Chromium is installed here; elsewhere the browser tests fail
# and say how to install it (they never skip).
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "make: the browser tests need Chromium at $(CHROMIUM): sudo apt-get install chromium" >&2; \
	fi

test: lint typecheck pytest ## Everything CI runs: lint, types, the whole test suite

bench: $(INSTALLED) ## Benchmark 2,000 and 10,000 concepts against naive genanki (~6 min; BENCHMARKS.md)
	$(BIN)/python -m bench.run --report bench/out/latest.md

preview: $(INSTALLED) ## Render every card of decks/ into preview/index.html
	$(BIN)/python -m pip install -q -e '.[preview]'
	$(BIN)/pathdeck preview decks -o preview

clean: ## Remove build outputs (keeps .venv)
	rm -rf dist preview build .pytest_cache .mypy_cache .ruff_cache bench/out
