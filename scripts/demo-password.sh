#!/usr/bin/env bash
# The demo accounts' password: DEMO_PASSWORD when set, else one generated on the
# first `make run` and kept in var/demo-password (readable by its owner only).
set -euo pipefail
mkdir -p var
if [ -n "${DEMO_PASSWORD:-}" ]; then
  printf '%s' "$DEMO_PASSWORD" > var/demo-password
elif [ ! -s var/demo-password ]; then
  (umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(12), end="")' > var/demo-password)
fi
chmod 600 var/demo-password
cat var/demo-password
