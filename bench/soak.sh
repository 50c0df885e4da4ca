#!/usr/bin/env bash
# The soak test (not part of CI): chat-server under steady load for an hour, to show
# that memory, open files and queues stay flat and latency does not creep up.
#
#   bench/soak.sh [--minutes N] [--rate MSG_PER_S] [--out DIR]
#
# chat-bench's fan-out scenario runs N one-minute points at the same rate on one set of
# connections (1,000 clients in rooms of 10, a tenth of them sending), so every minute
# yields its own delivered rate, p99 and server RSS. Beside it, once a minute, this
# script samples the server's open file descriptors and its queue gauges from /metrics.
# The default rate, 2,000 msg/s, is half of where chat-server saturates in rooms of 10
# on the reference machine (docs/benchmarks.md). Writes DIR (default
# bench/results/soak): soak.json, soak.tsv (one row per minute) and soak.png.
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=60
rate=2000
out=bench/results/soak
while [ $# -gt 0 ]; do
    case "$1" in
        --minutes) minutes="$2"; shift ;;
        --rate) rate="$2"; shift ;;
        --out) out="$2"; shift ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --locked -q -p chat-server -p chat-bench --bin chat-server --bin chat-bench
command -v gnuplot >/dev/null || { echo "gnuplot is missing (scripts/install-deps.sh installs gnuplot-nox)"; exit 1; }
mkdir -p "$out"
work="$(mktemp -d)"
server_pid=""
sampler_pid=""
cleanup() {
    [ -n "$sampler_pid" ] && kill "$sampler_pid" 2>/dev/null || true
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
if [ "$(nproc)" -ge 2 ]; then server_cpu=(taskset -c 0); bench_cpu=(taskset -c 1); else server_cpu=(); bench_cpu=(); fi

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
addr="127.0.0.1:$port"
secret="soak-only-secret-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export CHAT_BENCH_JWT_SECRET="$secret"
"${server_cpu[@]}" "$target/release/chat-server" --listen "$addr" --data-dir "$work/data" \
    --database-url "sqlite://$work/chat.db" --jwt-secret "$secret" --log-format json \
    --messages-per-second 1000000 --message-burst 1000000 --frames-per-second 1000000 \
    --frame-burst 1000000 --auth-attempts-per-minute 1000000 >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 300); do curl -fsS "http://$addr/readyz" >/dev/null 2>&1 && break; sleep 0.05; done

# Once a minute: elapsed seconds, open descriptors, outbox backlog, connections.
(
    start=$(date +%s)
    while kill -0 "$server_pid" 2>/dev/null; do
        metrics="$(curl -fsS "http://$addr/metrics" 2>/dev/null || true)"
        gauge() { awk -v name="$1" '$1 == name { print $2; exit }' <<<"$metrics"; }
        printf '%s\t%s\t%s\t%s\n' "$(($(date +%s) - start))" "$(ls "/proc/$server_pid/fd" | wc -l)" \
            "$(gauge chat_event_outbox_backlog)" "$(gauge chat_websocket_connections)"
        sleep 60
    done
) >"$work/samples.tsv" &
sampler_pid=$!

rates="$(python3 -c "print(','.join(['$rate'] * $minutes))")"
"${bench_cpu[@]}" "$target/release/chat-bench" fanout --target chat --addr "$addr" \
    --server-pid "$server_pid" --label soak --json "$out/soak.json" --quiet \
    --clients 1000 --room-size 10 --senders 0.1 --rates "$rates" \
    --duration 60s --warmup 3s --drain 2s
kill "$sampler_pid" 2>/dev/null || true
sampler_pid=""
cp "$work/samples.tsv" "$out/samples.tsv"

python3 - "$out" <<'EOF'
import json, sys
out = sys.argv[1]
points = json.load(open(f"{out}/soak.json"))["points"]
samples = [line.split("\t") for line in open(f"{out}/samples.tsv").read().splitlines()]
with open(f"{out}/soak.tsv", "w") as f:
    f.write("minute\tdelivered_per_s\tp99_ms\tserver_rss_mib\tserver_cpu_percent\topen_fds\toutbox_backlog\tundelivered\n")
    for i, p in enumerate(points):
        fds = samples[min(i, len(samples) - 1)][1] if samples else ""
        backlog = samples[min(i, len(samples) - 1)][2] if samples else ""
        f.write(f"{i + 1}\t{p['delivered_per_s']:.0f}\t{p['delivery_latency']['p99_ms']:.1f}\t"
                f"{p['server']['rss_mib']:.1f}\t{p['server']['cpu_percent']:.0f}\t{fds}\t{backlog}\t{p['undelivered']}\n")
rss = [p["server"]["rss_mib"] for p in points]
print(f"{len(points)} minutes: RSS first {rss[0]:.1f} MiB, last {rss[-1]:.1f} MiB, max {max(rss):.1f} MiB; "
      f"p99 first {points[0]['delivery_latency']['p99_ms']:.1f} ms, last {points[-1]['delivery_latency']['p99_ms']:.1f} ms; "
      f"undelivered {sum(p['undelivered'] for p in points)}")
EOF
gnuplot -e "dir='$out'; rate='$rate'" bench/soak.gp
echo "wrote $out/soak.tsv and $out/soak.png"
