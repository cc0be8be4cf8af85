#!/usr/bin/env bash
# Create the virtualenv with the first Python >= 3.12 that actually runs
# (a pyenv shim may exist on PATH and still fail).
set -euo pipefail
venv=${1:-.venv}
PY=""
for c in python3.14 python3.13 python3.12 "$HOME"/.pyenv/versions/3.13*/bin/python3 "$HOME"/.pyenv/versions/3.12*/bin/python3 python3; do
  if "$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then PY=$c; break; fi
done
if [ -z "$PY" ]; then
  echo "Python 3.12 ou plus récent est nécessaire (Django 6.1) : installez-le (apt install python3.12 python3.12-venv) puis relancez." >&2
  exit 1
fi
"$PY" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip 2>&1 | grep -v "is ignored" || true
