# authsvc developer commands. `make run` and `make test` are the two a new user needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Development values for local runs only; settings' own defaults are the production-safe ones.
DEV_ENV := DJANGO_DEBUG=1 DJANGO_SECURE_SSL_REDIRECT=0 LOG_FORMAT=console AUTH_PLAYGROUND=1
CHECK_ENV := DJANGO_SETTINGS_MODULE=config.settings_test

.PHONY: run serve test pytest lint install lock bench bench-middleware bench-instructions bench-cpu deploy-check

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "authsvc needs Python 3.11 or newer (PYTHON=$(PYTHON))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.txt
	@touch $@

## Recompile the hashed lock files after editing requirements.in or requirements-dev.in.
## Versions already locked are kept unless an .in pin moves them; UPGRADE=1 takes the newest.
LOCK := $(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	--annotation-style line --custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)
lock: install
	$(LOCK) requirements.in -o requirements.txt
	$(LOCK) -c requirements.txt requirements-dev.in -o requirements-dev.txt

## Set up, migrate and serve the API on http://127.0.0.1:8000 (SQLite, debug), with the mail
## worker beside it (queued mail is printed to the console); both stop with Ctrl-C.
run: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

## Serve as production does: gunicorn, debug off (needs DJANGO_SECRET_KEY).
serve: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/gunicorn config.wsgi:application --bind 127.0.0.1:8000

## Performance benchmark (not a test): gunicorn + wrk on SQLite and PostgreSQL; see docs/performance.md.
bench: install
	@command -v wrk >/dev/null || { echo "make bench needs wrk (Debian: apt-get install wrk)"; exit 1; }
	$(BIN)/python -m tests.benchmark.run $(BENCH_ARGS)

## Cost of each middleware per request, in process (docs/performance.md).
bench-middleware: install
	$(BIN)/python -m tests.benchmark.middleware_cost

## CPU instructions per login, registration, /me and /healthz, in process, counted by callgrind (needs valgrind).
bench-instructions: install
	@command -v valgrind >/dev/null || { echo "make bench-instructions needs valgrind (Debian: apt-get install valgrind)"; exit 1; }
	$(BIN)/python -m tests.benchmark.instructions

## CPU per login and registration beside the hash (worker + PostgreSQL + Redis), beside djoser's when ../shared/bench is set up.
bench-cpu: install
	$(BIN)/python -m tests.benchmark.cpu_beside_hash $(BENCH_ARGS)

## Lint, type-check, migration and schema checks, then the whole test suite with coverage.
test: install lint pytest

pytest: install
	$(BIN)/python -m pytest --cov --cov-report=term

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(CHECK_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(CHECK_ENV) $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

## Deployment checks without a Docker engine: hadolint, compose config, check --deploy.
deploy-check: install
	deploy/check-without-docker.sh
