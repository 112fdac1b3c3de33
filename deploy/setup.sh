#!/usr/bin/env bash
# Installs what Athlos needs besides Go: PostgreSQL server binaries and
# PostGIS (to run it), and with --tests also Chromium (the tests drive the
# API docs page in it). On Debian/Ubuntu it uses apt-get (as root, or with
# sudo); elsewhere it says what to install. Does nothing when all are
# present.
set -euo pipefail

tests=false
[[ ${1:-} == --tests ]] && tests=true

have_postgres() {
  local bin
  for bin in $(command -v pg_config >/dev/null 2>&1 && pg_config --bindir) /usr/lib/postgresql/*/bin; do
    [[ -x $bin/postgres && -x $bin/initdb ]] && return 0
  done
  command -v postgres >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1
}

have_extension() {
  compgen -G "/usr/share/postgresql/*/extension/$1.control" >/dev/null ||
    { command -v pg_config >/dev/null 2>&1 && [[ -f $(pg_config --sharedir)/extension/$1.control ]]; }
}

# PostGIS, and pg_trgm (PostgreSQL's contrib: part of Debian's server
# package, postgresql-contrib on Fedora/RHEL) for the group search.
have_postgis() { have_extension postgis && have_extension pg_trgm; }

# The browser test (modules/docs_browser_test.go) looks for the same:
# $ATHLOS_CHROMIUM, else chromium or chromium-browser in PATH.
have_chromium() {
  [[ -n ${ATHLOS_CHROMIUM:-} && -x ${ATHLOS_CHROMIUM} ]] ||
    command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1
}

missing=()
have_postgres && have_postgis || missing+=(postgresql postgresql-postgis)
$tests && ! have_chromium && missing+=(chromium)
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

all_present() { have_postgres && have_postgis && { ! $tests || have_chromium; }; }

if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
      echo "setup: missing; run as root: apt-get install -y ${missing[*]}" >&2
      exit 1
    fi
  fi
  echo "setup: installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  # Athlos runs its own private server; the distribution's default cluster
  # is not needed (and may not even start without systemd).
  all_present && exit 0
  echo "setup: apt-get finished but PostgreSQL, PostGIS or Chromium is still missing" >&2
  exit 1
fi

cat >&2 <<'MSG'
setup: PostgreSQL server binaries (postgres, initdb), its contrib extensions
(pg_trgm) and PostGIS are needed, and Chromium for the tests.
  Fedora/RHEL:  dnf install postgresql-server postgresql-contrib postgis chromium
  Arch:         pacman -S postgresql postgis chromium
  macOS:        brew install postgresql@16 postgis && brew install --cask chromium
Then run this command again. Athlos finds the binaries via pg_config, PATH
or /usr/lib/postgresql/*/bin, and runs its own private server. The tests
find Chromium as chromium or chromium-browser in PATH, or set ATHLOS_CHROMIUM
to its binary.
MSG
exit 1
