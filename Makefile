# Ketenflow. `make run` and `make test` work on a fresh machine: they create .venv and install what is needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run run-postgres test check lint format typecheck layers bench bench-scale clean chromium translations messages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The English catalogue is compiled from its .po file; the .mo files are build output.
translations: $(STAMP)
	@if [ -d webapp/translations ]; then $(BIN)/pybabel compile -d webapp/translations 2>/dev/null; fi

run: $(STAMP) translations
	$(BIN)/ketenflow init-db
	$(BIN)/ketenflow seed-demo
	# `ketenflow run` deploys new and changed files of processes/ first, never undoing a studio deploy.
	# The demo's FG, admin and process owner sign in with the password only; production requires TOTP for them.
	KETENFLOW_TOTP_REQUIRED_ROLES= $(BIN)/ketenflow run

# Several processes on PostgreSQL (README, "Meerdere processen op PostgreSQL"): the same preparation as
# `run`, then gunicorn with KETENFLOW_WEB_WORKERS web processes and KETENFLOW_TIMER_WORKERS timer workers.
run-postgres: $(STAMP) translations
	KETENFLOW_TOTP_REQUIRED_ROLES= $(BIN)/python -m webapp.run_postgres

# The browser tier needs Debian's Chromium; install it when we may (root with apt), else its tests fail loudly.
chromium:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		echo "Chromium ontbreekt: de browsertests zullen falen (apt-get install chromium)"

test: $(STAMP) chromium translations
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP)
	$(BIN)/mypy

layers: $(STAMP)
	$(BIN)/lint-imports

check: lint typecheck layers test

# Refresh the English catalogue after template changes: extract, merge, then translate the new entries.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k Message -k lazy_gettext --ignore-dirs='.* .venv' -o var/messages.pot .
	$(BIN)/pybabel update -i var/messages.pot -d webapp/translations

bench: $(STAMP)
	$(BIN)/python bench/bench_completions.py
	$(BIN)/python bench/bench_timer_lateness.py
	$(BIN)/python bench/bench_inbox.py
	$(BIN)/python bench/bench_dashboard.py

# The scale table of issue 8 (needs PostgreSQL; KETENFLOW_BENCH_DATABASE_URL). QUICK=1 for a one-minute run.
bench-scale: $(STAMP)
	$(BIN)/python bench/bench_scale.py $(if $(QUICK),--quick)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

# The whole suite on PostgreSQL (KETENFLOW_TEST_DATABASE_URL, default the local ketenflow_test): every tier's
# database is PostgreSQL; the tests about SQLite itself keep their SQLite run (tests/databases.py).
.PHONY: test-postgres
test-postgres: $(STAMP) chromium translations
	KETENFLOW_TEST_BACKEND=postgresql $(BIN)/python -m pytest
