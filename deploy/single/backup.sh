#!/usr/bin/env bash
# Backs up a single-node Athlos (deploy/systemd/athlos.service, or any
# `athlos serve` on a data dir with its managed PostgreSQL) into a new
# directory, and prints its path. Two kinds (docs/operations.md, "Backups"):
#
#   backup.sh [DEST]         while athlos runs: the database (pg_dump -Fc)
#                            and the secret key, all that matters; restore
#                            it with restore.sh on any machine. JetStream's
#                            streams are not in it (what they hold in flight
#                            is re-sent by apps, or in the database already).
#   backup.sh --cold [DEST]  the whole data dir, the managed PostgreSQL's
#                            files and the JetStream store with it, copied
#                            while athlos is stopped (with SERVICE set, this
#                            stops the unit and starts it again afterwards):
#                            one consistent copy of everything, to restore on
#                            a machine with the same PostgreSQL major version.
#
# DEST defaults to ./athlos-backup-<UTC time>. Settings from the
# environment: DATA (the data dir, /var/lib/athlos), PORT (the managed
# PostgreSQL's port, 5433), SERVICE (the systemd unit to stop for --cold,
# empty for none). Run it as the user athlos runs as (sudo -u athlos), or as
# root. It needs pg_dump of PostgreSQL's major version or newer, and flock.
set -euo pipefail
umask 077

cold=false
[[ ${1:-} == --cold ]] && { cold=true; shift; }
[[ $# -le 1 ]] || { echo "usage: backup.sh [--cold] [DEST]" >&2; exit 2; }
DATA=${DATA:-/var/lib/athlos}
PORT=${PORT:-5433}
SERVICE=${SERVICE-}
dest=${1:-./athlos-backup-$(date -u +%Y%m%dT%H%M%SZ)}

[[ -f $DATA/secret.key ]] || { echo "backup: $DATA holds no secret.key: not an athlos data dir (set DATA)" >&2; exit 1; }
[[ ! -e $dest ]] || { echo "backup: $dest exists already" >&2; exit 1; }

# pg_dump of the newest PostgreSQL installed, as athlos itself looks for
# the server binaries.
pg_tool() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
    [[ -x $dir/$1 ]] && { echo "$dir/$1"; return; }
  done
  command -v "$1" || { echo "backup: $1 not found (install PostgreSQL's client programs)" >&2; exit 1; }
}

# True while some athlos process holds the data dir (each holds athlos.lock
# shared for as long as it runs).
running() { ! flock -n -x "$DATA/athlos.lock" true 2>/dev/null; }

if ! $cold; then
  running || { echo "backup: athlos does not run on $DATA: start it (its PostgreSQL runs only while it does), or use --cold" >&2; exit 1; }
  [[ -f $DATA/postgres/password ]] || { echo "backup: $DATA has no managed PostgreSQL (a --database-url install): back that database up with pg_dump itself" >&2; exit 1; }
  mkdir -p "$dest"
  PGPASSWORD="$(cat "$DATA/postgres/password")" "$(pg_tool pg_dump)" -Fc -h 127.0.0.1 -p "$PORT" -U athlos -f "$dest/athlos.dump" athlos
  cp "$DATA/secret.key" "$dest/athlos-secret.key"
else
  if [[ -n $SERVICE ]]; then
    systemctl stop "$SERVICE"
    trap 'systemctl start "$SERVICE"' EXIT
  fi
  running && { echo "backup: athlos runs on $DATA: stop it first (or set SERVICE=athlos)" >&2; exit 1; }
  mkdir -p "$dest"
  # The managed PostgreSQL's files may live outside the data dir (a
  # symbolic link, docs/operations.md "The data dir"): copy what it links to.
  tar -C "$DATA" --exclude=./athlos.lock --exclude=./postgres/athlos.lock --exclude=./postgres/run \
    --dereference -cpf "$dest/athlos-data.tar" .
fi
echo "$dest"
