# modkit: `make run` starts the whole application, `make test` checks all of it (see README.md).
# Everything is installed into .venv, which is created with $(PYTHON) when missing.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

# Stamps: pip runs again only when pyproject.toml changes.
INSTALLED := $(VENV)/.installed
INSTALLED_DEV := $(VENV)/.installed-dev

# Migrates every database alias (a module may have its own): the same code path as the image.
MIGRATE = DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-config.settings.dev} \
	PATH="$(CURDIR)/$(BIN):$$PATH" deploy/docker-entrypoint.sh migrate

.DEFAULT_GOAL := help
.PHONY: help run migrate seed serve test lint bench clean

help:
	@echo "make run    install, migrate, seed, then serve everything on http://$(HOST):$(PORT)/"
	@echo "make test   install the dev tools, lint, then the whole test suite"
	@echo "make lint   ruff, lint-imports and hadolint only"
	@echo "make bench  run the benchmarks under bench/"
	@echo "make clean  remove .venv and caches (keeps the data under var/)"

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
		echo "modkit needs Python 3.11 or newer: make $(MAKECMDGOALS) PYTHON=python3.12" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --editable .
	@touch $@

$(INSTALLED_DEV): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --editable '.[dev]'
	@touch $@ $(INSTALLED)

run: $(INSTALLED)
	$(MIGRATE)
	$(PY) manage.py seed
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

migrate: $(INSTALLED)
	$(MIGRATE)

seed: $(INSTALLED)
	$(PY) manage.py seed

serve: $(INSTALLED)
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

lint: $(INSTALLED_DEV)
	$(BIN)/ruff check .
	$(BIN)/lint-imports importlinter.ini
	$(PY) manage.py modules check
	$(BIN)/hadolint Dockerfile

# Every test is safe to run in parallel: those that start processes use free ports and private
# databases and var directories. `make test PYTEST_ARGS='-m "not slow"'` leaves them out.
# tests/modkit/events is a second session: it runs against the test modules of its eventmods
# package (one process's app registry holds one modules package).
EVENTS_PACKAGE := tests.modkit.events.eventmods

# tests/browser drives Debian's chromium (never a browser download): installed here when missing,
# if apt-get is there and we are root; otherwise those tests fail naming the install command.
test: lint
	@if [ -z "$${MODKIT_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ] && \
		command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "installing chromium for tests/browser: apt-get update && apt-get install -y chromium"; \
		apt-get update -qq >/dev/null && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi
	$(BIN)/pytest -n auto $(PYTEST_ARGS)
	MODKIT_MODULES_PACKAGE=$(EVENTS_PACKAGE) $(BIN)/pytest -n auto $(PYTEST_ARGS) tests/modkit/events

bench: $(INSTALLED_DEV)
	@set -e; for script in bench/[!_]*.py; do echo "== $$script"; $(PY) $$script; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .import_linter_cache staticfiles
