#!/usr/bin/env bash
# One throughput figure for the three ways to run chat-server, measured side by side in
# one run with the same load (examples/quick_load.rs: clients in one room, each keeping
# a window of sends in flight; every message is durable before its ack):
#   1. one process on SQLite,
#   2. one process on PostgreSQL,
#   3. two processes on PostgreSQL + Redis, the clients split between them.
# PostgreSQL is a throwaway pg_virtualenv cluster; Redis is started here. Every process
# is stopped by its PID. Usage: scripts/throughput.sh [clients] [messages each] [window]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${PGHOST:-}" ]; then
    exec pg_virtualenv -v 15 "$0" "$@"
fi

clients="${1:-20}"
per_client="${2:-300}"
window="${3:-16}"
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --locked -q -p chat-server --bin chat-server --example quick_load
server="$target/release/chat-server"
load="$target/release/examples/quick_load"
work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_ready() { for _ in $(seq 200); do curl -fsS "http://$1/readyz" >/dev/null 2>&1 && return 0; sleep 0.05; done; echo "$1 not ready"; exit 1; }
limits=(--messages-per-second 1000000 --message-burst 1000000 --frames-per-second 1000000
    --frame-burst 1000000 --max-connections-per-user 100000 --auth-attempts-per-minute 100000
    --jwt-secret throughput-figure-secret-0123456789abcdef --log-format json)
start() { # start <name> <args...>: prints the address
    local port; port="$(free_port)"
    "$server" --listen "127.0.0.1:$port" --data-dir "$work/$1" "${limits[@]}" "${@:2}" \
        >"$work/$1.log" 2>&1 &
    pids+=($!)
    wait_ready "127.0.0.1:$port"
    echo "127.0.0.1:$port"
}
pg_url() { echo "postgres://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$1"; }
psql -q -c "CREATE DATABASE figure_one" -c "CREATE DATABASE figure_two"

echo "== 1. one process, SQLite"
one="$(start sqlite --database-url "sqlite://$work/chat.db")"
"$load" "$one" "$clients" "$per_client" "$window"

echo "== 2. one process, PostgreSQL"
two="$(start pg --database-url "$(pg_url figure_one)")"
"$load" "$two" "$clients" "$per_client" "$window"

echo "== 3. two processes, PostgreSQL + Redis (clients split between them)"
redis_port="$(free_port)"
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
pids+=($!)
for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.05; done
cluster=(--database-url "$(pg_url figure_two)" --redis-url "redis://127.0.0.1:$redis_port")
a="$(start node-a "${cluster[@]}")"
b="$(start node-b "${cluster[@]}")"
"$load" "$a,$b" "$clients" "$per_client" "$window"
