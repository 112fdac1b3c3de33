#!/usr/bin/env bash
# A three-node Athlos cluster on this machine's loopback, in the background
# (the Taskfile's `cluster`, `cluster-external` and `cluster-stop`):
#
#   deploy/local-cluster.sh start     three `athlos serve` nodes whose embedded NATS
#                                     servers form one JetStream cluster (R3 streams)
#   deploy/local-cluster.sh external  the same nodes on an external cluster of three
#                                     nats-server processes (bin/nats-server, built from
#                                     the version go.mod pins), one generated
#                                     configuration per server (`athlos nats-config`)
#   deploy/local-cluster.sh stop      stops whatever of it runs
#   deploy/local-cluster.sh status    what runs, and whether each node is ready
#
# Pid files, logs and data live under $ATHLOS_CLUSTER_DIR (./data/cluster).
# The modules are spread so that each runs on two nodes, and the loss of any
# one node leaves every module running (docs/operations.md, "Clusters"):
#
#   node  HTTP            NATS            NATS WebSocket  routes          modules
#   n1    127.0.0.1:8081  127.0.0.1:4221  127.0.0.1:4281  127.0.0.1:6221  gateway,client,social,training
#   n2    127.0.0.1:8082  127.0.0.1:4222  127.0.0.1:4282  127.0.0.1:6222  gateway,client,training,gamification,promo
#   n3    127.0.0.1:8083  127.0.0.1:4223  127.0.0.1:4283  127.0.0.1:6223  gateway,social,gamification,promo
#
# Node 1 also runs the managed PostgreSQL (port 5433) that all three use:
# stopping node 1 stops the database too (kill node 2 or 3 to see a node loss).
set -euo pipefail
cd "$(dirname "$0")/.."
root=${ATHLOS_CLUSTER_DIR:-./data/cluster}
modules=(gateway,client,social,training gateway,client,training,gamification,promo gateway,social,gamification,promo)
routes="nats://127.0.0.1:6221,nats://127.0.0.1:6222,nats://127.0.0.1:6223"

# secret NAME: a random hex secret kept in $root/NAME (created once), with
# a letter prefix so that a NATS configuration never reads it as a number.
secret() {
  local f=$root/$1
  [[ -s $f ]] || (umask 077; printf '%s-%s' "${2:-s}" "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$f")
  cat "$f"
}

# running PIDFILE: whether its process runs (a killed one may linger as a
# zombie until it is reaped: that one does not run).
running() {
  [[ -s $1 ]] || return 1
  local pid
  pid=$(cat "$1")
  kill -0 "$pid" 2>/dev/null && ! grep -qE '^[0-9]+ \(.*\) Z' "/proc/$pid/stat" 2>/dev/null
}

# launch NAME LOG CMD...: runs CMD in the background in its own session,
# its pid in $root/NAME.pid, unless it runs already (so that `start` again
# brings back a node that was killed).
launch() {
  local name=$1 log=$2
  shift 2
  if running "$root/$name.pid"; then
    echo "$name runs already (pid $(cat "$root/$name.pid"))"
    return
  fi
  setsid "$@" >>"$log" 2>&1 </dev/null &
  echo $! >"$root/$name.pid"
}

stop() {
  local any=0
  # The nodes first, then the NATS servers they use.
  for name in n3 n2 n1 nats3 nats2 nats1; do
    local pf=$root/$name.pid
    if running "$pf"; then
      kill -TERM "$(cat "$pf")" && any=1
      for _ in $(seq 1 600); do running "$pf" || break; sleep 0.1; done
      running "$pf" && { echo "$name did not stop in 60 s: killing it" >&2; kill -KILL "$(cat "$pf")"; }
      echo "stopped $name"
    fi
    rm -f "$pf"
  done
  ((any)) || echo "no cluster node runs under $root"
}

status() {
  for i in 1 2 3; do
    local state=stopped
    if running "$root/n$i.pid"; then
      state="running (pid $(cat "$root/n$i.pid")), $(curl -s -o /dev/null -w '/readyz %{http_code}' "http://127.0.0.1:808$i/readyz" || echo unreachable)"
    fi
    echo "n$i ${modules[$((i - 1))]}: $state"
    if [[ -e $root/nats$i.pid ]]; then
      running "$root/nats$i.pid" && echo "nats$i: running (pid $(cat "$root/nats$i.pid"))" || echo "nats$i: stopped"
    fi
  done
}

start() {
  local external=$1
  mkdir -p "$root" bin && chmod 0711 "$root"
  [[ -n ${ATHLOS_NO_BUILD:-} && -x bin/athlos ]] || go build -o bin/athlos ./cmd/athlos
  # One secret key for all nodes: it seals the token signing keys and
  # derives the auth callout's keys, which every node (and, external, every
  # NATS server's configuration) must share.
  local key=$root/secret.key
  [[ -s $key ]] || (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$key")
  export ATHLOS_SECRET_KEY_FILE ATHLOS_NATS_PASSWORD ATHLOS_DRAIN_PERIOD=${ATHLOS_DRAIN_PERIOD:-2s}
  ATHLOS_SECRET_KEY_FILE=$(realpath "$key")
  ATHLOS_NATS_PASSWORD=$(secret service-password svc)

  # Node 1 runs the managed PostgreSQL, with a password chosen here so that
  # nodes 2 and 3 can use it over TCP (they wait until it is up).
  mkdir -p "$root/n1/postgres" && chmod 0711 "$root/n1" "$root/n1/postgres"
  [[ -s $root/n1/postgres/password ]] || (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$root/n1/postgres/password")
  local db="postgres://athlos:$(cat "$root/n1/postgres/password")@127.0.0.1:5433/athlos?sslmode=disable"

  local common=()
  if [[ $external == yes ]]; then
    [[ -x bin/nats-server ]] || go build -o bin/nats-server github.com/nats-io/nats-server/v2
    export ATHLOS_SERVICE_PASSWORD=$ATHLOS_NATS_PASSWORD ATHLOS_APP_PASSWORD ATHLOS_SYSTEM_PASSWORD
    ATHLOS_APP_PASSWORD=$(secret app-password app)
    ATHLOS_SYSTEM_PASSWORD=$(secret system-password sys)
    for i in 1 2 3; do
      mkdir -p "$root/nats$i"
      bin/athlos nats-config --server-name "nats$i" --listen "127.0.0.1:422$i" --websocket-listen "127.0.0.1:428$i" \
        --cluster-listen "127.0.0.1:622$i" --routes "$routes" --store-dir "$(realpath "$root/nats$i")" \
        --secret-key-file "$ATHLOS_SECRET_KEY_FILE" >"$root/nats$i.conf"
      launch "nats$i" "$root/nats$i.log" bin/nats-server -c "$root/nats$i.conf"
    done
    common=(--nats-app-password "$ATHLOS_APP_PASSWORD" --nats-system-password "$ATHLOS_SYSTEM_PASSWORD")
  else
    export ATHLOS_CLUSTER_NAME=athlos-local ATHLOS_ROUTES=$routes
  fi
  export ATHLOS_REPLICAS=3

  # All three start together: a JetStream cluster needs two of them to form.
  for i in 1 2 3; do
    local args=(serve --data-dir "$root/n$i" --modules "${modules[$((i - 1))]}" --http-listen "127.0.0.1:808$i"
      --nats-ws-public-url "ws://127.0.0.1:428$i" "${common[@]}")
    [[ $i == 1 ]] || args+=(--database-url "$db")
    if [[ $external == yes ]]; then
      # Its own NATS server first, the others for failover.
      local j=$((i % 3 + 1)) k=$(((i + 1) % 3 + 1))
      args+=(--nats "nats://127.0.0.1:422$i,nats://127.0.0.1:422$j,nats://127.0.0.1:422$k"
        --nats-ws-peer-urls "ws://127.0.0.1:428$j,ws://127.0.0.1:428$k")
    else
      args+=(--server-name "n$i" --nats-listen "127.0.0.1:422$i" --nats-ws-listen "127.0.0.1:428$i" --cluster-listen "127.0.0.1:622$i")
    fi
    launch "n$i" "$root/n$i.log" bin/athlos "${args[@]}"
  done
  echo "cluster starting under $root (logs n1.log n2.log n3.log); waiting until every node is ready"
  for i in 1 2 3; do
    for _ in $(seq 1 1800); do
      running "$root/n$i.pid" || { echo "n$i exited; the end of $root/n$i.log:" >&2; tail -20 "$root/n$i.log" >&2; exit 1; }
      [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:808$i/readyz") == 200 ]] && break
      sleep 0.1
    done
  done
  status
  echo "HTTP on http://127.0.0.1:8081-8083, NATS WebSocket on ws://127.0.0.1:4281-4283; stop with: task cluster-stop"
}

case ${1:-start} in
start) start no ;;
external) start yes ;;
stop) stop ;;
status) status ;;
*) echo "usage: $0 start|external|stop|status" >&2; exit 2 ;;
esac
