#!/usr/bin/env bash
# Chaos under load (docs/benchmarks.md): every client of chat-bench's chaos scenario sends
# while this script kills chat-server with SIGKILL and starts it again, FAULTS times.
#
#   bench/chaos.sh [--smoke [--release]] [--only "single cluster"] [--rate MSG_PER_S]
#                  [--faults N] [--out DIR]
#
# single:  one process on its embedded SQLite, killed and restarted FAULTS times.
# cluster: two processes on PostgreSQL (a throwaway pg_virtualenv cluster) and Redis;
#          the two are killed in turn, FAULTS times in all, and halfway Redis itself is
#          killed and restarted. Clients of a dead process reconnect to the other one.
#
# Afterwards chat-bench reads every room's stored history and judges it: every
# acknowledged message stored exactly once where its ack said, no holes, every client
# holding exactly the server's history. A run passes when that promise was kept and the
# clients really lost their connections (at least one reconnect per fault).
#
# Full run: 1,000 clients in rooms of 10, a fault every 10 s, release builds, at half of
# saturation on the reference machine: 2,000 msg/s for one process, 500 for the cluster. --smoke: 60 clients, 3 faults
# 2 s apart, debug builds. Ends with "N passed, N failed" (one per variant).
set -euo pipefail
cd "$(dirname "$0")/.."
# $EPOCHREALTIME and awk must agree on the decimal point.
export LC_ALL=C

smoke=0
release=0
rate_option=""
faults_option=""
out=""
only="single cluster"
args=("$@")
while [ $# -gt 0 ]; do
    case "$1" in
        --smoke) smoke=1 ;;
        --release) release=1 ;;
        --out) out="$2"; shift ;;
        --only) only="$2"; shift ;;
        --rate) rate_option="$2"; shift ;;
        --faults) faults_option="$2"; shift ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

# The cluster variant needs PostgreSQL: run the whole script inside a throwaway cluster.
if [[ " $only " == *" cluster "* ]] && [ -z "${CHAT_CHAOS_PG:-}" ]; then
    exec pg_virtualenv -v 15 env CHAT_CHAOS_PG=1 "$0" "${args[@]}"
fi

target="${CARGO_TARGET_DIR:-target}"
if [ "$smoke" = 1 ]; then
    profile=(); bin="$target/debug"
    clients=60; rate=100; cluster_rate=100; faults=3; interval=2; deadline=60s
    out="${out:-$(mktemp -d)}"
else
    profile=(--release); bin="$target/release"
    # Half of saturation on the reference machine: ~4,000 msg/s for one process on SQLite
    # in rooms of 10, ~1,000 msg/s for two processes sharing one PostgreSQL.
    clients=1000; rate=2000; cluster_rate=500; faults=10; interval=10; deadline=180s
    out="${out:-bench/results}"
fi
[ "$release" = 1 ] && { profile=(--release); bin="$target/release"; }
rate="${rate_option:-$rate}"
cluster_rate="${rate_option:-$cluster_rate}"
faults="${faults_option:-$faults}"
# Sending goes on for one more interval after the last fault.
duration=$(( (faults + 1) * interval ))
mkdir -p "$out"
cargo build "${profile[@]}" --locked -q -p chat-server -p chat-bench --bin chat-server --bin chat-bench

if [ "$(nproc)" -ge 2 ]; then server_cpu=(taskset -c 0); bench_cpu=(taskset -c 1); else server_cpu=(); bench_cpu=(); fi
work="$(mktemp -d)"
declare -a server_pid=() addr=()
redis_pid=""
bench_pid=""
stop_pid() { if [ -n "$1" ]; then kill -KILL "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; fi; }
cleanup() {
    stop_pid "$bench_pid"
    for pid in "${server_pid[@]}"; do stop_pid "$pid"; done
    stop_pid "$redis_pid"
    rm -rf "$work"
}
trap cleanup EXIT

# Server ports come from below the ephemeral range: while a process is down, thousands
# of reconnecting clients take ephemeral source ports, and one of them could be the dead
# process's port, which it then could not bind again.
free_port() {
    python3 - <<'PY'
import random, socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for _ in range(1000):
    port = random.randrange(10000, max(low, 10001))
    try:
        socket.socket().bind(("127.0.0.1", port))
    except OSError:
        continue
    print(port)
    break
PY
}
wait_ready() {
    for _ in $(seq 300); do curl -fsS "http://$1/readyz" >/dev/null 2>&1 && return 0; sleep 0.05; done
    echo "chat-server at $1 did not become ready:"; tail -n 20 "$work"/chat-*.log; return 1
}
secret="chaos-only-secret-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export CHAT_BENCH_JWT_SECRET="$secret"

# start_chat <i> <database url> [redis url]: (re)starts process i on its port.
start_chat() {
    local i="$1" database="$2" redis=()
    [ -n "${3:-}" ] && redis=(--redis-url "$3")
    "${server_cpu[@]}" "$bin/chat-server" --listen "${addr[$i]}" --data-dir "$work/data-$i" \
        --database-url "$database" "${redis[@]}" --jwt-secret "$secret" --log-format json \
        --messages-per-second 1000000 --message-burst 1000000 --frames-per-second 1000000 \
        --frame-burst 1000000 --auth-attempts-per-minute 1000000 >>"$work/chat-$i.log" 2>&1 &
    server_pid[$i]=$!
}
start_redis() {
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
        >>"$work/redis.log" 2>&1 &
    redis_pid=$!
    for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && return 0; sleep 0.05; done
    echo "redis-server did not start"; return 1
}

# sleep_until <start> <seconds expression>: until that long after start ($EPOCHREALTIME).
sleep_until() {
    sleep "$(awk -v start="$1" -v now="$EPOCHREALTIME" "BEGIN { d = start + $2 - now; print (d > 0 ? d : 0) }")"
}

passed=0
failed=0
# variant <single|cluster>
variant() {
    local name="$1" processes=1 database redis_url="" also=() kills=0 redis_restarts=0 rate="$rate"
    rm -f "$work/sending"
    if [ "$name" = cluster ]; then
        processes=2
        rate="$cluster_rate"
        database="postgres://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/chaos_$RANDOM$RANDOM"
        psql -q -c "CREATE DATABASE ${database##*/}" postgres
        redis_port="$(free_port)"
        start_redis
        redis_url="redis://127.0.0.1:$redis_port"
    else
        database="sqlite://$work/single-$RANDOM.db"
    fi
    for i in $(seq 0 $((processes - 1))); do
        addr[$i]="127.0.0.1:$(free_port)"
        start_chat "$i" "$database" "$redis_url"
        wait_ready "${addr[$i]}"
    done
    [ "$processes" = 2 ] && also=(--also-addr "${addr[1]}")
    echo "== chaos $name: $clients clients at $rate msg/s for ${duration}s, a fault every ${interval}s"
    "${bench_cpu[@]}" "$bin/chat-bench" chaos --target chat --addr "${addr[0]}" "${also[@]}" \
        --label "chaos-$name" --json "$out/chaos-$name.json" --quiet \
        --clients "$clients" --room-size 10 --rate "$rate" --duration "${duration}s" \
        --deadline "$deadline" --faults "$faults" --ready-file "$work/sending" \
        >"$work/bench-$name.txt" 2>&1 &
    bench_pid=$!
    for _ in $(seq 1200); do [ -e "$work/sending" ] && break; kill -0 "$bench_pid" 2>/dev/null || break; sleep 0.05; done
    # Faults on a fixed schedule from the moment sending starts, however long restarts take.
    local start="$EPOCHREALTIME"
    for n in $(seq "$faults"); do
        sleep_until "$start" $(( n * interval ))
        local victim=$(( n % processes ))
        stop_pid "${server_pid[$victim]}"
        kills=$((kills + 1))
        sleep 0.5
        start_chat "$victim" "$database" "$redis_url"
        wait_ready "${addr[$victim]}"
        if [ "$name" = cluster ] && [ "$n" = $(( (faults + 1) / 2 )) ]; then
            sleep_until "$start" "$(( n * interval ))+$interval/2"
            stop_pid "$redis_pid"
            redis_restarts=$((redis_restarts + 1))
            sleep 0.5
            start_redis
        fi
    done
    local status=0
    wait "$bench_pid" || status=$?
    bench_pid=""
    cat "$work/bench-$name.txt"
    for pid in "${server_pid[@]}"; do stop_pid "$pid"; done
    server_pid=()
    stop_pid "$redis_pid"; redis_pid=""
    echo "faults injected: $kills SIGKILLs of chat-server, $redis_restarts Redis restarts"
    if [ "$status" = 0 ] && python3 - "$out/chaos-$name.json" "$kills" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
kills = int(sys.argv[2])
problems = []
if not report["kept"]:
    problems.append(f"the promise was broken: {report['verdict']}")
if report["reconnects"] < kills:
    problems.append(f"{report['reconnects']} reconnects for {kills} kills: the faults missed the clients")
if report["verdict"]["acked"] == 0:
    problems.append("nothing was acknowledged")
for problem in problems:
    print("FAIL:", problem)
sys.exit(1 if problems else 0)
PY
    then
        echo "chaos $name: passed"; passed=$((passed + 1))
    else
        echo "chaos $name: FAILED (chat-bench exit $status)"; failed=$((failed + 1))
        tail -n 30 "$work"/chat-*.log
    fi
}

for name in $only; do
    case "$name" in
        single | cluster) variant "$name" ;;
        *) echo "unknown variant $name" >&2; exit 2 ;;
    esac
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
