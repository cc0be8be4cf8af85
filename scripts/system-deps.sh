#!/usr/bin/env bash
# Install the Debian packages a target needs, or stop with a one-line instruction.
#   weasyprint: the libraries WeasyPrint loads (PDF exports)
#   test:       the above, plus PostgreSQL (unless DATABASE_URL is set), Chromium and pdftoppm;
#               and, when they can be installed, nginx and PgBouncer (tests/deploy/ starts them
#               with the files of deploy/, and is skipped, saying so, without them)
set -euo pipefail
want=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
optional=()
if [ "${1:-}" = test ]; then
  [ -n "${DATABASE_URL:-}" ] || want+=(postgresql postgresql-contrib)
  [ -n "${CHROMIUM_BIN:-}" ] || want+=(chromium)
  want+=(poppler-utils)  # pdftoppm: the PDF test saves page 1 as an image
  optional+=(nginx pgbouncer)  # the load balancer and the pooler of deploy/
fi
absent() {
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}
mapfile -t missing < <(absent "${want[@]}")
mapfile -t missing_optional < <(absent "${optional[@]}")
[ ${#missing[@]} -eq 0 ] && [ ${#missing_optional[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  if [ ${#missing_optional[@]} -gt 0 ]; then
    echo "Paquets absents : ${missing_optional[*]} ; les tests de tests/deploy/ qui s'en servent seront" \
      "ignorés (sudo apt-get install -y --no-install-recommends ${missing_optional[*]})" >&2
  fi
  [ ${#missing[@]} -eq 0 ] && exit 0
  echo "Paquets système manquants : sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
install() {
  apt-get install -y --no-install-recommends "$@" >/dev/null 2>&1 \
    || { apt-get update >/dev/null && apt-get install -y --no-install-recommends "$@" >/dev/null; }
}
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installation des paquets système : ${missing[*]}"
  install "${missing[@]}"
fi
if [ ${#missing_optional[@]} -gt 0 ]; then
  echo "Installation des paquets système : ${missing_optional[*]}"
  install "${missing_optional[@]}" \
    || echo "Installation impossible : ${missing_optional[*]} ; les tests de tests/deploy/ qui s'en servent seront ignorés" >&2
fi
