# The README's commands. Everything runs from a local virtualenv (.venv) built on demand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test lint bench sink worker install install-dev lock clean

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt tools/package-lock.json
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	npm ci --prefix tools --no-audit --no-fund --loglevel=error
	touch $@

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

## Lint, format check and types.
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Standalone delivery worker (scale-out); same settings as `run`.
worker: install
	RELAIS_ENV=$${RELAIS_ENV:-development} $(BIN)/flask --app app_render worker

## A local receiver that verifies signatures and prints what arrives (port 8001).
sink: install
	$(BIN)/python scripts/demo_sink.py

bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
