#!/usr/bin/env bash
# Installs what Athlos needs besides Go: PostgreSQL server binaries and
# PostGIS. On Debian/Ubuntu it uses apt-get (as root, or with sudo);
# elsewhere it says what to install. Does nothing when both are present.
set -euo pipefail

have_postgres() {
  local bin
  for bin in $(command -v pg_config >/dev/null 2>&1 && pg_config --bindir) /usr/lib/postgresql/*/bin; do
    [[ -x $bin/postgres && -x $bin/initdb ]] && return 0
  done
  command -v postgres >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1
}

have_postgis() {
  compgen -G '/usr/share/postgresql/*/extension/postgis.control' >/dev/null ||
    { command -v pg_config >/dev/null 2>&1 && [[ -f $(pg_config --sharedir)/extension/postgis.control ]]; }
}

if have_postgres && have_postgis; then
  exit 0
fi

if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
      echo "setup: PostgreSQL and PostGIS are missing; run as root: apt-get install -y postgresql postgresql-postgis" >&2
      exit 1
    fi
  fi
  echo "setup: installing PostgreSQL and PostGIS with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq postgresql postgresql-postgis >/dev/null
  # Athlos runs its own private server; the distribution's default cluster
  # is not needed (and may not even start without systemd).
  have_postgres && have_postgis && exit 0
  echo "setup: apt-get finished but PostgreSQL or PostGIS is still missing" >&2
  exit 1
fi

cat >&2 <<'MSG'
setup: PostgreSQL server binaries (postgres, initdb) and PostGIS are needed.
  Fedora/RHEL:  dnf install postgresql-server postgis
  Arch:         pacman -S postgresql postgis
  macOS:        brew install postgresql@16 postgis
Then run this command again. Athlos finds the binaries via pg_config, PATH
or /usr/lib/postgresql/*/bin, and runs its own private server.
MSG
exit 1
