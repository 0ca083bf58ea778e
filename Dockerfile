# syntax=docker/dockerfile:1
# authsvc image: gunicorn serving the Django app, static files by whitenoise, no secrets inside.
# Build: docker build -t authsvc .   Run: see docker-compose.yml and docs/deployment.md.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- Builder: resolve and install the pinned runtime requirements into a virtualenv ---------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /build
# requirements.txt is the hashed lock (`make lock`): --require-hashes refuses any file whose
# SHA-256 differs from the one locked. Every locked package ships a manylinux wheel for
# CPython 3.11 (psycopg[binary], bcrypt, cryptography), so no compiler is needed;
# --only-binary makes a missing wheel fail the build here instead of silently compiling.
# Only requirements.txt is copied: this layer is rebuilt when the pins change, not the code.
COPY requirements.txt .
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --require-hashes --only-binary=:all: --requirement requirements.txt

# --- Runtime: the virtualenv, the code, collected static files; runs as a non-root user ----
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    GUNICORN_BIND=0.0.0.0:8000 \
    GUNICORN_WORKER_TMP_DIR=/dev/shm
# A fixed uid/gid so volume permissions and Kubernetes runAsUser can rely on it.
RUN groupadd --system --gid 10001 authsvc \
    && useradd --system --uid 10001 --gid authsvc --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin authsvc
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
# Code is owned by root and read-only to the service user; only var/ (the SQLite default,
# unused when DATABASE_URL points at PostgreSQL) is writable.
COPY . .
# collectstatic imports the settings, which refuse to load without a secret key: a throwaway,
# non-secret value lives in this one RUN's environment only, never in the image's ENV.
# The database URL is a placeholder; collectstatic does not connect.
RUN DJANGO_SECRET_KEY=collectstatic-build-step-only \
    DATABASE_URL=postgres://build@localhost/build \
    python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p var \
    && chown authsvc:authsvc var
# Numeric, so the runtime can verify non-root without reading /etc/passwd (hadolint DL3066).
USER 10001:10001
EXPOSE 8000
# No curl in slim images: the probe is a standard-library script (sends an allowed Host).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "/app/deploy/healthcheck.py"]
# gunicorn.conf.py in /app sets the app, bind, workers, threads and timeouts from env.
CMD ["gunicorn"]
