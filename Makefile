# Gestor de Citas Profesionales — the two commands of the README are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
VENV := .venv
PY := $(VENV)/bin/python
UV := .tools/bin/uv
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never

.PHONY: install run serve migrate demo test test-booking-safety e2e lint format messages bench loadtest check-deploy audit clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

install: $(VENV)/.installed

migrate: install
	DEBUG=true $(PY) manage.py migrate --noinput

demo: migrate
	DEBUG=true $(PY) manage.py seed_demo

## make run: install, migrate, load the demo practice, serve on SQLite with the Huey worker.
run: demo
	@echo "Serving on http://127.0.0.1:8000 (Ctrl+C stops the web server and the worker)"
	@DEBUG=true $(PY) manage.py run_huey --workers 2 --worker-type thread & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=true $(PY) manage.py runserver 127.0.0.1:8000

## make test: the whole suite (SQLite unless DATABASE_URL points at PostgreSQL).
test: install
	$(PY) -m pytest $(PYTEST_ARGS)

## The double-booking guard, on whichever database DATABASE_URL names (SQLite when unset).
test-booking-safety: install
	$(PY) -m pytest -m booking_safety $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Regenerate the Spanish and English catalogues (then translate the new entries).
messages: install
	$(PY) manage.py makemessages -l es -l en -l ca -l eu -l gl --ignore=.venv --ignore=.tools --ignore=static/vendor --ignore=staticfiles --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv --ignore=.tools

check-deploy: install
	DEBUG=false SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	ALLOWED_HOSTS=citas.example.com SITE_URL=https://citas.example.com \
	$(PY) manage.py check --deploy --fail-level WARNING

## make audit: known vulnerabilities in the locked (production) dependencies, from PyPI's
## advisory data; skipped with a message when that database cannot be reached.
AUDIT_PROBE := https://pypi.org/pypi/django/5.2/json
audit: install
	@if ! $(PY) -c "import json, sys, urllib.request; \
	  sys.exit('vulnerabilities' not in json.load(urllib.request.urlopen('$(AUDIT_PROBE)', timeout=15)))" \
	  2>/dev/null; then \
	  echo "audit: SKIPPED: the vulnerability database ($(AUDIT_PROBE)) is not reachable from here."; \
	  exit 0; \
	fi; \
	requirements=$$(mktemp); trap 'rm -f $$requirements' EXIT; \
	$(UV) export --frozen --no-dev --no-emit-project --format requirements-txt --quiet > $$requirements; \
	$(VENV)/bin/pip-audit --requirement $$requirements --disable-pip --require-hashes \
	  --vulnerability-service pypi --progress-spinner off --strict

## make bench: availability (engine, endpoint), API latency, notification throughput, calendar feeds, reports, waitlist,
## staff pages at 5k and 200k appointments (PostgreSQL only).
bench: install
	$(PY) -m bench
	$(PY) -m bench.bench_api
	$(PY) -m bench.bench_notifications
	$(PY) -m bench.bench_calendars
	$(PY) -m bench.bench_reports
	$(PY) -m bench.bench_waitlist
	$(PY) -m bench.bench_staff

## make loadtest: gunicorn on PostgreSQL (LOADTEST_DATABASE_URL) with 200k appointments, under wrk.
loadtest: install
	$(PY) -m bench.loadtest

clean:
	rm -rf $(VENV) .tools staticfiles test-artifacts
