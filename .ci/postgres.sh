#!/usr/bin/env bash
# Start a PostgreSQL server for the service's storage tests (docs/service.md) and print its URL.
# Debian's `postgresql` package; best effort: on any failure it prints nothing and the same tests
# run on SQLite only. Usage: export PROFILEFIT_TEST_POSTGRES_URL="$(bash .ci/postgres.sh)"
set -uo pipefail
{
  command -v pg_ctlcluster >/dev/null \
    || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; }
} >/dev/null 2>&1 || exit 0
version=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
[ -n "$version" ] || exit 0
pg_ctlcluster "$version" main start >/dev/null 2>&1 || pg_ctlcluster "$version" main status >/dev/null 2>&1 || exit 0
as_postgres() { su postgres -c "psql -v ON_ERROR_STOP=1 -qAt -c \"$1\"" 2>/dev/null; }
[ "$(as_postgres "SELECT 1 FROM pg_roles WHERE rolname = 'profilefit_ci'")" = "1" ] \
  || as_postgres "CREATE USER profilefit_ci WITH PASSWORD 'profilefit_ci'" >/dev/null || exit 0
as_postgres "DROP DATABASE IF EXISTS profilefit_ci" >/dev/null || exit 0
as_postgres "CREATE DATABASE profilefit_ci OWNER profilefit_ci" >/dev/null || exit 0
echo "postgresql+psycopg://profilefit_ci:profilefit_ci@127.0.0.1/profilefit_ci"
