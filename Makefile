# Two entry points: `make run` (demo on SQLite) and `make test` (whole suite on PostgreSQL).
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
BIN := $(VENV)/bin
PYTHON := $(BIN)/python
# The demo runs with DEBUG on (local only); checks use the test settings.
MANAGE := DEBUG=1 $(PYTHON) manage.py
MANAGE_CHECK := DJANGO_SETTINGS_MODULE=config.test_settings $(PYTHON) manage.py
PIP_QUIET := 2>&1 | grep -v "is ignored: it is neither a file nor a directory" || true

.PHONY: help run test lint format sysdeps-test demo-db bench-search bench-import bench-bilan bench-messages bench-load

help:
	@echo "make run   - installe, crée la base de démonstration SQLite et sert http://127.0.0.1:8000"
	@echo "make test  - lance toute la suite sur un PostgreSQL jetable (lint, migrations, tests navigateur)"

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PYTHON) || scripts/make-venv.sh $(VENV)
	@$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt $(PIP_QUIET)
	@$(PYTHON) -c "import django, weasyprint" >/dev/null 2>&1 || scripts/system-deps.sh weasyprint
	@touch $@

demo-db: $(VENV)/.installed
	@mkdir -p var
	@$(MANAGE) migrate --noinput -v 0
	@scripts/demo-password.sh > /dev/null
	@DEMO_PASSWORD="$$(cat var/demo-password)" $(MANAGE) seed_demo

# The server in the foreground, the task worker (previews, imports, messages) beside it,
# and the queuing of the messages every 15 minutes (as cron would: README, "Messages aux
# personnes"), a week ahead in the demo so that there is something to see; SMS and e-mails
# go to the console. Ctrl-C stops all three (the trap stops
# the worker and the queuing loop however the server ends).
run: demo-db
	@echo "Serveur de démonstration : http://127.0.0.1:8000, et son service de traitement (Ctrl-C pour arrêter)"
	@$(MANAGE) db_worker --no-reload --verbosity 0 & worker=$$!; \
	( trap 'kill $$pause 2>/dev/null; exit 0' TERM; \
	  while true; do REMINDER_LEAD_HOURS=$${REMINDER_LEAD_HOURS:-168} $(MANAGE) queue_messages; \
	    sleep 900 & pause=$$!; wait $$pause; done ) & queuer=$$!; \
	trap 'kill $$worker $$queuer 2>/dev/null; wait $$worker $$queuer 2>/dev/null' EXIT; \
	$(MANAGE) runserver --noreload 127.0.0.1:8000

lint: $(VENV)/.installed
	@mkdir -p var  # the checks open the SQLite demo database, even in a fresh clone
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE_CHECK) makemigrations --check --dry-run

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

sysdeps-test:
	@scripts/system-deps.sh test

test: $(VENV)/.installed sysdeps-test lint
	@scripts/with-postgres.sh $(BIN)/pytest $(PYTEST_ARGS)

# Benchmarks: each on a throwaway PostgreSQL, figures printed (see docs/BENCHMARKS.md), with the
# test settings: they install the bench app, which production never does. Options go through
# BENCH_ARGS, e.g. make bench-bilan BENCH_ARGS="--persons 300 --visits 2000 --years 3 --runs 1 --json".
BENCH = @scripts/with-postgres.sh sh -c '$(MANAGE_CHECK) migrate -v 0 && $(MANAGE_CHECK) $(1) $(BENCH_ARGS)'

bench-search: $(VENV)/.installed sysdeps-test
	$(call BENCH,bench_search)

bench-import: $(VENV)/.installed sysdeps-test
	$(call BENCH,bench_import)

# The messages' benchmark: 10,000 reminders queued and sent to the file backend.
bench-messages: $(VENV)/.installed sysdeps-test
	$(call BENCH,bench_messages)

# The bilan's benchmark: a million visits, a few minutes.
bench-bilan: $(VENV)/.installed
	$(call BENCH,bench_bilan)

# Under load: gunicorn on the bilan's dataset, more and more logged-in users at once (a few minutes).
bench-load: $(VENV)/.installed sysdeps-test
	$(call BENCH,bench_load)
