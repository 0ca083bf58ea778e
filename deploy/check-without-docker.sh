#!/usr/bin/env bash
# What can be checked about the deployment without a Docker engine (make deploy-check, .ci/run):
# hadolint on the Dockerfile, Compose v2's own parser on docker-compose.yml (valid with
# .env.example filled in; refused without a secret), Django's deploy checks with production env.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
# Only PATH and HOME: nothing from the caller's shell may satisfy a required variable.
CLEAN=(env -i "PATH=$PATH" "HOME=${HOME:-/nonexistent}")

echo "--- hadolint Dockerfile"
"$BIN/hadolint" --no-color Dockerfile

echo "--- docker compose config (the Go binary; its Python wrapper always exits 0)"
COMPOSE="$("$BIN/python" -c 'import compose, pathlib; print(pathlib.Path(compose.__file__).parent / "docker-compose")')"
"$COMPOSE" version
env_file="$(mktemp)"
trap 'rm -f "$env_file"' EXIT
secret="$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(50))')"
# A throwaway P-256 signing key, one line with \n escapes as a .env file carries it.
jwt_key="$("$BIN/python" -c 'from cryptography.hazmat.primitives import serialization as s
from cryptography.hazmat.primitives.asymmetric import ec
pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption())
print(pem.decode().strip().replace("\n", "\\n"))')"
sed -e "s/^DJANGO_SECRET_KEY=\$/DJANGO_SECRET_KEY=$secret/" \
    -e "s/^POSTGRES_PASSWORD=\$/POSTGRES_PASSWORD=ci-$RANDOM$RANDOM/" \
    -e "s/^AUTH_FIELD_ENCRYPTION_KEY=\$/AUTH_FIELD_ENCRYPTION_KEY=$secret/" .env.example >"$env_file"
printf 'AUTH_JWT_PRIVATE_KEY=%s\n' "$jwt_key" >>"$env_file"
"${CLEAN[@]}" "$COMPOSE" --env-file "$env_file" -f docker-compose.yml config --quiet
if "${CLEAN[@]}" "$COMPOSE" --env-file .env.example -f docker-compose.yml config --quiet 2>/dev/null; then
  echo "docker-compose.yml accepted .env.example with empty secrets" >&2
  exit 1
fi
echo "compose file valid; empty secrets refused"

echo "--- manage.py check --deploy (debug off, production env)"
"${CLEAN[@]}" DJANGO_SETTINGS_MODULE=config.settings DJANGO_SECRET_KEY="$secret" \
  AUTH_JWT_PRIVATE_KEY="$jwt_key" \
  DJANGO_ALLOWED_HOSTS=auth.example.com DATABASE_URL=postgres://authsvc@db.example.com/authsvc \
  "$BIN/python" manage.py check --deploy --fail-level DEBUG
