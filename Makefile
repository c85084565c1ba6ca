# Connexions: `make run` and `make test` work from a fresh clone (no database server needed).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
# The first of python3.13, python3.12, python3 that is >= 3.12.
PYTHON ?= $(shell for c in python3.13 python3.12 python3; do \
	$$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { echo $$c; break; }; done)
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
LOCK_ARGS ?=
# Local runs keep the test database between runs (migrations still apply; PYTEST_ARGS=--create-db
# rebuilds it); CI (CI=true) always builds it afresh.
REUSE_DB := $(if $(CI),,--reuse-db)
PACKAGES := connexions beneficiaries catalogue sales workshops
MAX_MODULE_LINES := 600
# Settings with DEBUG off refuse to start without DATABASE_URL and check --deploy wants a real
# mail server: the production-mode targets below name the embedded PostgreSQL (or the server
# DATABASE_URL already names) and a dummy SMTP address themselves.
PROD_ENV = DATABASE_URL="$$($(PY) -c 'from connexions.db import database_url; print(database_url())')" \
	EMAIL_URL=smtp://localhost:25

.PHONY: help run test quality bench bench-scale backup restore lock db db-stop migrate seed messages clean-venv

help:
	@echo "make run      set everything up and serve http://$(HOST):$(PORT) (with the tasks worker)"
	@echo "make test     set everything up and run the whole test suite"
	@echo "make quality  formatting, lint, import contracts, module size, template lint, migrations and deployment checks"
	@echo "make bench    the app under load in production mode, in its own database: a table of timings, queries and targets"
	@echo "make bench-scale  build a large data set (SCALE_PEOPLE, SCALE_LINES) in its own database and time the pages"
	@echo "make lock     regenerate requirements.lock from pyproject.toml (LOCK_ARGS=--upgrade to bump)"
	@echo "make backup   dump the database to var/backups/ (or BACKUP=path)"
	@echo "make restore BACKUP=path  restore a dump into an empty database"
	@echo "make db-stop  stop the embedded PostgreSQL"

$(VENV)/.installed: pyproject.toml requirements.lock
	@if [ -z "$(PYTHON)" ]; then \
		echo "Python 3.12 or newer is required (python3.13, python3.12 or python3); none found." >&2; \
		exit 1; fi
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@touch $@

.env:
	@printf 'DEBUG=True\nSECRET_KEY=%s\n' "$$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')" > .env
	@echo "Wrote a local development .env (DEBUG on, random secret key)."

db: $(VENV)/.installed
	@$(PY) -c "from connexions.db import database_url; database_url()"

db-stop: $(VENV)/.installed
	@$(PY) -c "from connexions.db import embedded_stop; print('Embedded PostgreSQL stopped.' if embedded_stop() else 'Embedded PostgreSQL was not running.')"

migrate: db .env
	$(PY) manage.py migrate --no-input

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl+C stops the web server and the tasks worker)."
	@trap 'kill 0' EXIT INT TERM; \
	$(PY) manage.py db_worker & \
	$(PY) manage.py runserver $(HOST):$(PORT)

test: db
	@if [ ! -x /usr/bin/chromium ] && [ -z "$$CONNEXIONS_REQUIRE_BROWSER" ]; then \
		echo "NOTE: Chromium (/usr/bin/chromium) is missing: browser tests will be skipped."; \
		echo "      Install it with: apt-get install chromium"; fi
	$(PROD_ENV) $(PY) -m pytest $(REUSE_DB) $(PYTEST_ARGS)

quality: db
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports --no-logo
	@find $(PACKAGES) -name '*.py' -not -path '*/migrations/*' -exec wc -l {} + | awk \
		'$$2 != "total" && $$1 > $(MAX_MODULE_LINES) { print "Over $(MAX_MODULE_LINES) lines, split it: " $$2 " (" $$1 ")"; bad = 1 } END { exit bad }'
	$(PY) -m djlint templates --check --quiet
	$(PY) -m djlint templates --lint --quiet
	$(PROD_ENV) DEBUG=False SECRET_KEY=quality-check-not-a-real-secret-0123456789-abcdefghijklmnop \
		$(PY) manage.py makemigrations --check --dry-run
	$(PROD_ENV) DEBUG=False SECRET_KEY=$$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))') \
		ALLOWED_HOSTS=connexions.example.org CSRF_TRUSTED_ORIGINS=https://connexions.example.org \
		$(PY) manage.py check --deploy --fail-level WARNING

# A few minutes: builds its own database (BENCH_DB, never make run's), serves it with gunicorn in
# production mode on the loopback, loads it at 1, 5 and 20 users and prints a table against the
# targets (BENCH_ARGS=--reuse keeps the database of the previous run; --help lists the others).
BENCH_DB ?= connexions_bench
bench: db
	$(PROD_ENV) $(PY) -m tests.bench.load --database $(BENCH_DB) $(BENCH_ARGS)

# Long (for a person, not CI): builds SCALE_PEOPLE people and SCALE_LINES sale lines in a database
# of its own (SCALE_DB, never make run's), then prints each page's p50/p95 against its target.
SCALE_PEOPLE ?= 1000000
SCALE_LINES ?= 10000000
SCALE_DB ?= connexions_bench_scale
bench-scale: db
	$(PROD_ENV) $(PY) -m tests.bench.scale --people $(SCALE_PEOPLE) --sale-lines $(SCALE_LINES) \
		--database $(SCALE_DB) $(SCALE_ARGS)

# The database of DATABASE_URL, or the embedded one (connexions/backup.py picks the pg_dump and
# pg_restore of the server's version).
backup: db
	$(PROD_ENV) $(PY) manage.py backup $(if $(BACKUP),--output "$(BACKUP)")

restore: db
	@if [ -z "$(BACKUP)" ]; then echo "Name the dump: make restore BACKUP=path" >&2; exit 1; fi
	$(PROD_ENV) $(PY) manage.py restore "$(BACKUP)"

# Pinned for the machines the project runs on (Linux x86_64, CPython 3.12); uv keeps the existing
# pins unless LOCK_ARGS=--upgrade.
lock: $(VENV)/.installed
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --generate-hashes --quiet \
		--python-version 3.12 --python-platform x86_64-unknown-linux-gnu \
		--custom-compile-command "make lock" $(LOCK_ARGS) -o requirements.lock

messages: $(VENV)/.installed
	$(PY) manage.py makemessages -l fr --ignore '.venv/*' --ignore 'var/*' --no-obsolete
	$(PY) manage.py compilemessages -l fr --ignore '.venv/*'

clean-venv:
	rm -rf $(VENV)
