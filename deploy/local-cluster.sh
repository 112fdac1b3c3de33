#!/usr/bin/env bash
# Starts a three-node Athlos cluster on this machine: three `athlos serve`
# processes whose embedded NATS servers form one JetStream cluster (R3
# streams), sharing one PostgreSQL (node 1's managed server). Ctrl-C stops
# all three. Usage: deploy/local-cluster.sh [data-root]   (default ./data/cluster)
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:-./data/cluster}
mkdir -p "$root" && chmod 0711 "$root"
go build -o bin/athlos ./cmd/athlos

routes="nats://127.0.0.1:6221,nats://127.0.0.1:6222,nats://127.0.0.1:6223"
password_file="$root/service-password"
[[ -s $password_file ]] || head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$password_file"
# One secret key for all nodes: it seals the token signing keys and derives
# the auth callout's keys, which every node must share.
secret_file="$root/secret.key"
[[ -s $secret_file ]] || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$secret_file"
chmod 600 "$password_file" "$secret_file"
export ATHLOS_NATS_PASSWORD=$(cat "$password_file") ATHLOS_CLUSTER_NAME=athlos-local ATHLOS_ROUTES=$routes ATHLOS_REPLICAS=3 \
  ATHLOS_SECRET_KEY_FILE=$(realpath "$secret_file")

pids=()
trap 'kill -TERM "${pids[@]}" 2>/dev/null; wait' INT TERM EXIT

# Node 1 runs the managed PostgreSQL, with a password chosen here so that
# nodes 2 and 3 can use it over TCP (they wait until it is up). All three
# start together: the JetStream cluster needs two of them to form.
mkdir -p "$root/n1/postgres" && chmod 0711 "$root/n1" "$root/n1/postgres"
[[ -s $root/n1/postgres/password ]] || head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$root/n1/postgres/password"
db="postgres://athlos:$(cat "$root/n1/postgres/password")@127.0.0.1:5433/athlos?sslmode=disable"
for i in 1 2 3; do
  dburl=()
  [[ $i == 1 ]] || dburl=(--database-url "$db")
  bin/athlos serve --data-dir "$root/n$i" --server-name "n$i" --http-listen "127.0.0.1:808$i" \
    --nats-listen "127.0.0.1:422$i" --nats-ws-listen "127.0.0.1:428$i" --cluster-listen "127.0.0.1:622$i" \
    "${dburl[@]}" &
  pids+=($!)
done
echo "cluster starting: HTTP on 127.0.0.1:8081-8083; Ctrl-C stops it"
wait
