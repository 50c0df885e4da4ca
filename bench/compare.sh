#!/usr/bin/env bash
# chat-server before and after a change, side by side in one run: builds chat-server at
# git revision REV and at the working tree, then runs the same chat-bench fan-out
# points against each (fresh server for every run, pinned to CPU 0; the generator on
# CPU 1), alternating baseline and current so that drift on a shared machine hits both.
#
#   bench/compare.sh REV [rounds] [--store sqlite|postgres] [--only "room100 room10 durable"]
#
# DURABLE_RATES (default 8000,12000) and ROOM10_RATES (default 4000,6000) set the
# durable and rooms-of-10 points' offered loads.
# --store postgres runs both builds on PostgreSQL (a throwaway pg_virtualenv cluster with
# fsync turned back on, a fresh database per run; PostgreSQL itself is not pinned).
#
# Prints one line per run and a table of medians (docs/benchmarks.md, "What limits
# chat-server"). Each server is stopped by its PID.
set -euo pipefail
cd "$(dirname "$0")/.."
invocation=("$@")
usage='usage: bench/compare.sh REV [rounds] [--store sqlite|postgres] [--only "POINTS"]'
rev=""
rounds=2
store=sqlite
only="room100 room10 durable"
positional=0
while [ $# -gt 0 ]; do
    case "$1" in
        --store) store="$2"; shift ;;
        --only) only="$2"; shift ;;
        -*) echo "$usage" >&2; exit 2 ;;
        *)
            positional=$((positional + 1))
            if [ "$positional" = 1 ]; then rev="$1"; else rounds="$1"; fi ;;
    esac
    shift
done
[ -n "$rev" ] || { echo "$usage" >&2; exit 2; }
case "$store" in sqlite | postgres) ;; *) echo "$usage" >&2; exit 2 ;; esac
if [ "$store" = postgres ] && [ -z "${CHAT_COMPARE_PG:-}" ]; then
    exec pg_virtualenv -v 15 -o fsync=on env CHAT_COMPARE_PG=1 bench/compare.sh "${invocation[@]}"
fi
target="${CARGO_TARGET_DIR:-target}"
target="$(cd "$(dirname "$target")" && pwd)/$(basename "$target")"

work="$(mktemp -d)"
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
    git worktree remove --force "$work/tree" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

echo "== building chat-server at $rev"
git worktree add --detach "$work/tree" "$rev" >/dev/null
# A target directory of its own (kept between runs): with the working tree's, a crate
# that changed between the two revisions (the protocol, say) could be taken from the
# other build.
baseline_target="$target/compare-baseline"
(cd "$work/tree" && CARGO_TARGET_DIR="$baseline_target" cargo build --release --locked -q -p chat-server --bin chat-server)
cp "$baseline_target/release/chat-server" "$work/chat-server-baseline"
echo "== building the working tree"
cargo build --release --locked -q -p chat-server -p chat-bench --bin chat-server --bin chat-bench
cp "$target/release/chat-server" "$work/chat-server-current"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
secret="compare-only-secret-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
export CHAT_BENCH_JWT_SECRET="$secret"
runs=0

# run <baseline|current> <label> <chat-bench fanout args...>
run() {
    local which="$1" label="$2" port database
    shift 2
    port="$(free_port)"
    runs=$((runs + 1))
    database="sqlite://$work/chat-$runs.db"
    if [ "$store" = postgres ]; then
        database="postgres://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/compare_$runs"
        psql -q -c "CREATE DATABASE compare_$runs" postgres
    fi
    taskset -c 0 "$work/chat-server-$which" --listen "127.0.0.1:$port" \
        --data-dir "$work/data-$runs" --database-url "$database" \
        --jwt-secret "$secret" --log-format json \
        --messages-per-second 1000000 --message-burst 1000000 \
        --frames-per-second 1000000 --frame-burst 1000000 \
        --auth-attempts-per-minute 1000000 >"$work/server-$runs.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 300); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.05; done
    timeout 900 taskset -c 1 "$target/release/chat-bench" fanout --target chat \
        --addr "127.0.0.1:$port" --server-pid "$server_pid" --quiet \
        --label "$label-$which" --json "$work/$label-$which-$runs.json" "$@" >/dev/null
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
}

points=(
    "room100 --clients 1000 --room-size 100 --senders 0.1 --rates 800,1200"
    "room10 --clients 1000 --room-size 10 --senders 0.1 --rates ${ROOM10_RATES:-4000,6000}"
    "durable --clients 1000 --room-size 2 --senders 1 --rates ${DURABLE_RATES:-8000,12000}"
)
for round in $(seq "$rounds"); do
    for point in "${points[@]}"; do
        read -r label args <<<"$point"
        [[ " $only " == *" $label "* ]] || continue
        # Alternate which goes first.
        if [ $((round % 2)) = 1 ]; then order=(baseline current); else order=(current baseline); fi
        for which in "${order[@]}"; do
            echo "== round $round: $label, $which"
            # shellcheck disable=SC2086 # the point's options are words
            run "$which" "$label" $args --duration 8s --warmup 2s --drain 5s
        done
    done
done

python3 - "$work" <<'EOF'
import json, pathlib, statistics, sys, collections
runs = collections.defaultdict(list)
for path in pathlib.Path(sys.argv[1]).glob("*.json"):
    report = json.loads(path.read_text())
    label, which = report["label"].rsplit("-", 1)
    for point in report["points"]:
        runs[(label, point["offered_per_s"], which)].append(point)
print("| scenario | offered msg/s | baseline: delivered/s, acked/s, p99 ms, CPU | current: delivered/s, acked/s, p99 ms, CPU | delivered ratio |")
print("|---|---:|---|---|---:|")
for (label, offered) in sorted({(l, o) for l, o, _ in runs}):
    cells, delivered = [], {}
    for which in ("baseline", "current"):
        points = runs.get((label, offered, which), [])
        if not points:
            cells.append("n/a"); continue
        med = lambda f: statistics.median(f(p) for p in points)
        delivered[which] = med(lambda p: p["delivered_per_s"])
        p99 = med(lambda p: p["delivery_latency"]["p99_ms"] if p["delivery_latency"]["count"] else float("inf"))
        cells.append(f"{delivered[which]:,.0f}, {med(lambda p: p['acked_per_s']):,.0f}, "
                     f"{p99:,.1f}, {med(lambda p: p['server']['cpu_percent']):.0f}%")
    ratio = delivered.get("current", 0) / delivered["baseline"] if delivered.get("baseline") else float("nan")
    print(f"| {label} | {offered:,.0f} | {cells[0]} | {cells[1]} | {ratio:.2f} |")
EOF
