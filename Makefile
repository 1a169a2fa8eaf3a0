# Two commands: `make run` (site with demo data on SQLite + database search) and `make test` (whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

LOCK := requirements

.PHONY: run test install install-test chromium lint bench clean lock audit

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null \
		|| { echo "Нужен Python 3.11: установите его или укажите make PYTHON=/путь/к/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs are reproducible: every package, direct or not, at the version and hashes of the lock files
# (requirements/*.txt, written by `make lock` from pyproject.toml); the project itself then without dependencies.
$(VENV)/.installed: $(BIN)/python pyproject.toml $(LOCK)/base.txt
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)/base.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml $(LOCK)/test.txt
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)/test.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: install
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py load_demo
	DEBUG=1 $(BIN)/python manage.py load_demo_network
	DEBUG=1 $(BIN)/python manage.py load_demo_kiosk
	DEBUG=1 $(BIN)/python manage.py ensure_local_admin
	@echo "Фоновые задачи: db_worker; каждые 15 минут: send_notifications и publish_scheduled; каждые 2 минуты: requeue_stale_tasks (остановятся вместе с сайтом)."
	export DEBUG=1 TASKS_BACKEND=django_tasks_db.DatabaseBackend; \
	  $(BIN)/python manage.py requeue_stale_tasks --worker-id local-worker; \
	  $(BIN)/python manage.py db_worker --no-startup-delay --worker-id local-worker & WORKER=$$!; \
	  ( while true; do $(BIN)/python manage.py send_notifications; $(BIN)/python manage.py publish_scheduled; sleep 900; done ) & TIMER=$$!; \
	  ( while true; do sleep 120; $(BIN)/python manage.py requeue_stale_tasks; done ) & REQUEUE=$$!; \
	  trap 'kill $$WORKER $$TIMER $$REQUEUE 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install-test chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest

# Browser tests (tests/browser) drive Debian's chromium; as root with apt, install it when it is missing.
chromium:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Устанавливаю chromium для браузерных тестов"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y chromium \
		|| { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }; \
	fi

# After a change of pyproject.toml's dependencies: pin everything again (tests/test_lockfile.py checks they agree).
COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links
lock: install-test
	$(COMPILE) -o $(LOCK)/base.txt pyproject.toml
	$(COMPILE) --extra test -o $(LOCK)/test.txt pyproject.toml

# Known vulnerabilities of every locked package (PyPI's advisory feed); fails when one is found.
audit: install-test
	$(BIN)/python .ci/audit.py $(LOCK)/test.txt

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

# Benchmarks (docs/performance.md, «make bench»): ≤ 30 minutes on 2 quiet cores. On PostgreSQL whenever one answers on
# 127.0.0.1:5432 (DATABASE_URL, else postgres://postgres@127.0.0.1:5432/bench: pytest-django makes test_bench; the
# public-page and HSDS benchmarks keep their 50,000-service databank in bench_public, filled on the first run),
# else SQLite for the in-process ones, and those that need PostgreSQL skip saying why. Sizes and durations can be
# overridden: make bench BENCH_SIZES=10000,50000 BENCH_OPENSEARCH=1 LOAD_SECONDS=120. The database search engines side
# by side (test_search_engines_side_by_side.py) compare this checkout's engine with BENCH_BASELINE_COMMIT's (a git
# worktree, its own databank, dropped after the run) at BENCH_SEARCH_SIZE services: make bench BENCH_SEARCH_SIZE=5000.
BENCH_DATABASE_URL ?= $(or $(DATABASE_URL),$(shell pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && echo postgres://postgres@127.0.0.1:5432/bench))
BENCH_SIZES ?= 50000
BENCH_OPENSEARCH ?= 0
LOAD_SECONDS ?= 20
# The results page while the search engine black-holes (test_search_blackhole_load.py): 60 s, as issue #23 asks.
BLACKHOLE_LOAD_SECONDS ?= 60
BENCH_SEARCH_SIZE ?= 50000
BENCH_BASELINE_COMMIT ?= 2d51065

bench: install-test chromium
	DATABASE_URL=$(BENCH_DATABASE_URL) BENCH_SIZES=$(BENCH_SIZES) BENCH_OPENSEARCH=$(BENCH_OPENSEARCH) \
	  LOAD_SECONDS=$(LOAD_SECONDS) BLACKHOLE_LOAD_SECONDS=$(BLACKHOLE_LOAD_SECONDS) BENCH_SEARCH_SIZE=$(BENCH_SEARCH_SIZE) BENCH_BASELINE_COMMIT=$(BENCH_BASELINE_COMMIT) \
	  $(BIN)/python -m pytest tests/benchmarks -s

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
