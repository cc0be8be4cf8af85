#!/usr/bin/env bash
# Install the Debian packages a target needs, or stop with a one-line instruction.
#   weasyprint: the libraries WeasyPrint loads (PDF exports)
#   test:       the above, plus PostgreSQL (unless DATABASE_URL is set), Chromium, pdftoppm,
#               and nginx and PgBouncer (tests/deploy/ starts them with the files of deploy/)
set -euo pipefail
want=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
if [ "${1:-}" = test ]; then
  [ -n "${DATABASE_URL:-}" ] || want+=(postgresql postgresql-contrib)
  [ -n "${CHROMIUM_BIN:-}" ] || want+=(chromium)
  want+=(poppler-utils)  # pdftoppm: the PDF test saves page 1 as an image
  want+=(nginx pgbouncer)  # the load balancer and the pooler of deploy/ (tests/deploy/)
fi
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "Paquets système manquants : sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "Installation des paquets système : ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
  || { apt-get update >/dev/null && apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
