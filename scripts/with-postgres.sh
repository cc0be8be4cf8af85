#!/usr/bin/env bash
# Run a command against PostgreSQL: DATABASE_URL when it is set, else a
# throwaway PostgreSQL 15+ cluster started here and removed on exit.
set -euo pipefail
if [ -n "${DATABASE_URL:-}" ]; then exec "$@"; fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$PGBIN" ] || { echo "PostgreSQL introuvable : apt-get install -y postgresql postgresql-contrib" >&2; exit 1; }
PGTMP=$(mktemp -d /tmp/pgtest.XXXXXX)
as_pg=()
if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$PGTMP"; as_pg=(runuser -u postgres --); fi
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() {
  "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$PGTMP/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$PGTMP"
}
trap cleanup EXIT
"${as_pg[@]}" "$PGBIN/initdb" -D "$PGTMP/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 -N >/dev/null
"${as_pg[@]}" "$PGBIN/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/server.log" -w -t 30 \
  -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGTMP -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
"$PGBIN/psql" -h "$PGTMP" -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1 -q <<'SQL'
CREATE ROLE app LOGIN PASSWORD 'app' CREATEDB;
CREATE DATABASE app OWNER app;
\c template1
CREATE EXTENSION IF NOT EXISTS pg_trgm;
SQL
export DATABASE_URL="postgres://app:app@127.0.0.1:$PGPORT/app"
export PGBIN
"$@"
