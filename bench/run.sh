#!/usr/bin/env bash
# The published benchmark (docs/benchmarks.md): chat-server against the seeds' stacks, a
# minimal Node `ws` server and a minimal Socket.IO server (bench/reference), driven by the
# same generator (chat-bench) through the same points, in one run.
#
#   bench/run.sh [--smoke] [--out DIR]
#                [--only "fanout10 fanout10-watch fanout100 durable durable-pg idle storm room-list uploads"]
#
# Each server runs alone, pinned to CPU 0 with `taskset`; the generator is pinned to CPU 1.
# Every server is started fresh for each scenario and stopped by its PID. chat-server runs
# on its embedded SQLite and acknowledges each message only once it is committed; its
# per-user rate limits are raised (the load is many users sending at full speed).
# durable-pg repeats the durable scenario with chat-server on PostgreSQL: a throwaway
# pg_virtualenv cluster, made durable like SQLite here (pg_virtualenv turns fsync off;
# this turns it back on, and synchronous_commit is on), on the same machine, unpinned.
#
# Writes DIR (default bench/results) with one JSON report per run, results.md (tables)
# and fanout-room10.png / fanout-room100.png (delivered msg/s and p99 against offered load).
#
# --smoke: a few seconds per server with tiny sizes, then checks that every run delivered
# everything and that chat-server lost nothing in the storm; ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

invocation=("$@")
smoke=0
out=""
only="fanout10 fanout10-watch fanout100 durable durable-pg idle storm room-list uploads"
while [ $# -gt 0 ]; do
    case "$1" in
        --smoke) smoke=1 ;;
        --out) out="$2"; shift ;;
        --only) only="$2"; shift ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

# durable-pg needs a PostgreSQL server: the whole run goes inside a throwaway one.
if [[ " $only " == *" durable-pg "* ]] && [ -z "${CHAT_BENCH_PG:-}" ]; then
    exec pg_virtualenv -v 15 -o fsync=on env CHAT_BENCH_PG=1 bench/run.sh "${invocation[@]}"
fi

target="${CARGO_TARGET_DIR:-target}"
if [ "$smoke" = 1 ]; then
    out="${out:-$(mktemp -d)}"
    profile=(); bin="$target/debug"
else
    out="${out:-bench/results}"
    profile=(--release); bin="$target/release"
fi
mkdir -p "$out"
# This run's own reports only: bench/chaos.sh and bench/soak.sh write beside them.
rm -f "$out"/fanout-*.json "$out"/durable*.json "$out"/idle-*.json "$out"/storm-*.json "$out"/room-list-*.json \
    "$out"/uploads-*.json \
    "$out"/*-skipped.txt "$out"/runs.txt "$out"/failures.txt "$out"/postgres.txt

echo "== building chat-server and chat-bench ${profile[*]:-(debug)}"
cargo build "${profile[@]}" --locked -q -p chat-server -p chat-bench --bin chat-server --bin chat-bench
echo "== installing the reference servers from npm"
(cd bench/reference && npm ci --no-audit --no-fund --silent)
command -v gnuplot >/dev/null || { echo "gnuplot is missing (scripts/install-deps.sh installs gnuplot-nox)"; exit 1; }

# CPU 0 for the server, CPU 1 for the generator (without two CPUs, nothing is pinned).
if [ "$(nproc)" -ge 2 ]; then
    server_cpu=(taskset -c 0); bench_cpu=(taskset -c 1)
else
    server_cpu=(); bench_cpu=()
    echo "warning: fewer than 2 CPUs; server and generator share them"
fi

work="$(mktemp -d)"
server_pid=""
stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
}
cleanup() { stop_server; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
secret="bench-only-secret-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export CHAT_BENCH_JWT_SECRET="$secret"
runs=0

# chat-server's store for the next runs: sqlite (embedded) or postgres.
store=sqlite

# start_server <chat|ws|socketio>: sets $server_pid and $addr.
start_server() {
    local kind="$1" port log database
    port="$(free_port)"
    addr="127.0.0.1:$port"
    runs=$((runs + 1))
    log="$work/$kind-$runs.log"
    case "$kind" in
        chat)
            database="sqlite://$work/chat-$runs.db"
            if [ "$store" = postgres ]; then
                database="postgres://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/bench_$runs"
                psql -q -c "CREATE DATABASE bench_$runs" postgres
            fi
            "${server_cpu[@]}" "$bin/chat-server" --listen "$addr" \
                --data-dir "$work/chat-$runs" --database-url "$database" \
                --jwt-secret "$secret" --log-format json \
                --messages-per-second 1000000 --message-burst 1000000 \
                --frames-per-second 1000000 --frame-burst 1000000 \
                --auth-attempts-per-minute 1000000 >"$log" 2>&1 &
            server_pid=$!
            for _ in $(seq 300); do curl -fsS "http://$addr/readyz" >/dev/null 2>&1 && return 0; sleep 0.05; done ;;
        ws | socketio)
            local script=ws-server.js
            [ "$kind" = socketio ] && script=socketio-server.js
            "${server_cpu[@]}" node "bench/reference/$script" "$port" >"$log" 2>&1 &
            server_pid=$!
            for _ in $(seq 300); do grep -q '^listening' "$log" 2>/dev/null && return 0; sleep 0.05; done ;;
    esac
    echo "$kind did not start:"; cat "$log"; exit 1
}

# bench <name> <chat|ws|socketio> <scenario> <args...>: one run on a fresh server.
bench() {
    local name="$1" kind="$2" scenario="$3"
    shift 3
    start_server "$kind"
    echo "== $name: $kind"
    echo "$name $kind" >>"$out/runs.txt"
    timeout 1800 "${bench_cpu[@]}" "$bin/chat-bench" "$scenario" --target "$kind" --addr "$addr" \
        --server-pid "$server_pid" --label "$name" --json "$out/$name-$kind.json" \
        "${quiet[@]}" "$@" || echo "$name against $kind: chat-bench exited with $?" | tee -a "$out/failures.txt"
    stop_server
}

if [ "$smoke" = 1 ]; then
    quiet=(--quiet)
    fanout_time=(--duration 1s --warmup 500ms --drain 3s)
    clients=40; storm_clients=60; idle_small=60; idle_large=""; settle=1s
    rates10="50,200"; rates10_watch="50,200"; rates100="10,40"; rates_durable="100,400"
    room_list=(--rooms 20 --unread 2 --page 10 --requests 5)
    uploads_file=(--size 262144 --count 2); uploads_image=(--image-side 400 --count 2)
    storm=(--rate 100 --before 1s --after 1s --deadline 30s)
else
    quiet=()
    fanout_time=(--duration 10s --warmup 3s --drain 5s)
    clients=1000; storm_clients=10000; idle_small=10000; idle_large=50000; settle=5s
    # The generator's one core absorbs about 150k deliveries/s: higher points would
    # measure the generator, not the servers. Issue 15 asks for a p99 of 10 ms at most at
    # half of chat-server's saturation: 8,000 while it keeps up at the highest point.
    rates10="1000,2000,4000,6000,8000,12000,16000"
    # Up to the knee of the joined run: beside its points, the cost of room_updated.
    rates10_watch="1000,2000,4000,8000"
    room_list=(--rooms 1000 --unread 5 --page 50 --requests 200)
    # 25 MiB (the default limit) files, and 12-megapixel photos.
    uploads_file=(--size 26214400 --count 8); uploads_image=(--image-side 4000 --count 8)
    rates100="100,200,400,800,1200,1600"
    rates_durable="2000,4000,8000,12000,16000,24000"
    storm=(--rate 2000 --before 5s --after 5s --deadline 120s)
fi
servers=(chat ws socketio)
# Each idle connection needs a descriptor in the server and one in the generator.
fd_limit="$(ulimit -Hn)"
ulimit -n "$fd_limit" 2>/dev/null || true

for scenario in $only; do
    case "$scenario" in
        fanout10)
            for kind in "${servers[@]}"; do
                bench fanout-room10 "$kind" fanout --clients "$clients" --room-size 10 \
                    --senders 0.1 --rates "$rates10" "${fanout_time[@]}"
            done ;;
        fanout10-watch)
            # The same rooms with only the senders joined: every other member is on its
            # room list and gets each message as a room_updated (chat-server only).
            bench fanout-room10-watch chat fanout --clients "$clients" --room-size 10 \
                --senders 0.1 --watch --rates "$rates10_watch" "${fanout_time[@]}" ;;
        room-list)
            # The home screen of a user in many rooms: GET /v1/rooms, first page.
            bench room-list chat room-list "${room_list[@]}" ;;
        uploads)
            # Attachments: files streamed to storage, and photos thumbnailed.
            bench uploads-file chat uploads --kind file "${uploads_file[@]}"
            bench uploads-image chat uploads --kind image "${uploads_image[@]}" ;;
        fanout100)
            for kind in "${servers[@]}"; do
                bench fanout-room100 "$kind" fanout --clients "$clients" --room-size 100 \
                    --senders 0.1 --rates "$rates100" "${fanout_time[@]}"
            done ;;
        durable)
            # Durable acknowledged sends: every client sends in rooms of two (one delivery
            # per message). Only chat-server stores messages, so it runs alone.
            bench durable chat fanout --clients "$clients" --room-size 2 --senders 1 \
                --rates "$rates_durable" "${fanout_time[@]}" ;;
        durable-pg)
            # The same on PostgreSQL; what durability the cluster gave is recorded.
            psql -Atc "SELECT version(), current_setting('fsync'), current_setting('synchronous_commit')" \
                postgres >"$out/postgres.txt"
            store=postgres
            bench durable-pg chat fanout --clients "$clients" --room-size 2 --senders 1 \
                --rates "$rates_durable" "${fanout_time[@]}"
            store=sqlite ;;
        idle)
            # The large point: 50,000 connections, or as many as the server's limit on
            # open files leaves room for (1,000 descriptors spare, whole thousands).
            if [ -n "$idle_large" ] && [ "$fd_limit" != unlimited ] \
                && [ "$fd_limit" -lt $((idle_large + 1000)) ]; then
                idle_large=$(( (fd_limit - 1000) / 1000 * 1000 ))
                echo "idle: $idle_large connections at most (the hard limit on open files is $fd_limit)"
            fi
            for size in $idle_small $idle_large; do
                if [ "$fd_limit" != unlimited ] && [ "$fd_limit" -lt $((size + 1000)) ]; then
                    echo "idle-$size: skipped, the hard limit on open files is $fd_limit" \
                        | tee "$out/idle-$size-skipped.txt"
                    continue
                fi
                for kind in "${servers[@]}"; do
                    bench "idle-$size" "$kind" idle --clients "$size" --room-size 10 \
                        --source-ips 4 --connect-concurrency 256 --settle "$settle"
                done
            done ;;
        storm)
            for kind in "${servers[@]}"; do
                bench storm "$kind" storm --clients "$storm_clients" --room-size 10 \
                    --source-ips 4 --connect-concurrency 256 "${storm[@]}"
            done ;;
        *) echo "unknown scenario $scenario" >&2; exit 2 ;;
    esac
done

if [ "$smoke" = 1 ]; then
    python3 bench/summarize.py "$out" --check
else
    python3 bench/summarize.py "$out"
fi
