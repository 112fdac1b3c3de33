#!/usr/bin/env bash
# Restores a backup that deploy/single/backup.sh made into a new data dir:
#
#   restore.sh BACKUP        BACKUP holds athlos.dump and athlos-secret.key
#                            (an online backup): the data dir gets the secret
#                            key and `athlos admin restore` loads the dump
#                            into its managed PostgreSQL, upgrading it to this
#                            binary's migrations.
#                            BACKUP holds athlos-data.tar (a --cold backup):
#                            the data dir is unpacked from it as it was.
#
# Settings from the environment: DATA (the data dir, /var/lib/athlos), PORT
# (the managed PostgreSQL's port, 5433). The data dir must not exist yet
# or be empty: athlos never started there. Run it as the user athlos runs
# as (sudo -u athlos), or as root; then start athlos (systemctl start athlos).
set -euo pipefail
umask 077

[[ $# -eq 1 ]] || { echo "usage: restore.sh BACKUP" >&2; exit 2; }
backup=$1
DATA=${DATA:-/var/lib/athlos}
PORT=${PORT:-5433}
if [[ -d $DATA && -n $(ls -A "$DATA") ]]; then
  echo "restore: $DATA is not empty; restore into a new data dir (or remove this one: athlos admin remove-data-dir --data-dir $DATA)" >&2
  exit 1
fi

if [[ -f $backup/athlos-data.tar ]]; then
  mkdir -p "$DATA"
  tar -C "$DATA" -xpf "$backup/athlos-data.tar"
  echo "restored $backup/athlos-data.tar into $DATA"
elif [[ -f $backup/athlos.dump && -f $backup/athlos-secret.key ]]; then
  mkdir -p "$DATA"
  install -m 0600 "$backup/athlos-secret.key" "$DATA/secret.key"
  athlos admin restore --data-dir "$DATA" --postgres-port "$PORT" "$backup/athlos.dump"
else
  echo "restore: $backup holds neither athlos-data.tar nor athlos.dump with athlos-secret.key" >&2
  exit 1
fi
