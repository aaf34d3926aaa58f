# Every target creates .venv (from uv.lock) when it is missing or stale.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
UV_VERSION := 0.13.9
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
PYTEST_ARGS ?=

.PHONY: run test test-sqlite test-pg check lint bench soak fuzz setup clean

setup: $(VENV)/.synced

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install -q "uv==$(UV_VERSION)"

$(VENV)/.synced: pyproject.toml uv.lock | $(if $(findstring .tools,$(UV)),.tools/bin/uv)
	$(UV) sync --frozen --quiet
	@touch $@

run: setup  ## install, migrate, serve on the embedded default (SQLite, built-in SMSC)
	$(BIN)/smscast serve

test: test-sqlite test-pg  ## the whole suite on SQLite, then on PostgreSQL

test-sqlite: setup
	$(BIN)/pytest -q $(PYTEST_ARGS)

test-pg: setup
	SMSCAST_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -q $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

check: lint test  ## ruff format check, ruff lint, mypy, pytest

soak: setup  ## 60 s of steady load on a real server, SQLite then PostgreSQL; RSS must stay flat
	SMSCAST_SOAK_S=60 $(BIN)/pytest -q -s tests/soak $(PYTEST_ARGS)
	SMSCAST_SOAK_S=60 SMSCAST_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -q -s tests/soak $(PYTEST_ARGS)

fuzz: setup  ## the API fuzz in depth: invalid boundary cases too, 200 examples an operation
	SMSCAST_FUZZ_EXAMPLES=200 $(BIN)/pytest -q tests/fuzz $(PYTEST_ARGS)

bench: setup  ## every benchmark in bench/, figures into docs/performance.md
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .tools data
