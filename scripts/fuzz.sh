#!/usr/bin/env bash
# Runs the cargo-fuzz targets of fuzz/ (nightly Rust, libFuzzer, AddressSanitizer).
#
#   scripts/fuzz.sh --smoke            every target for SECONDS (default 15) on a copy of
#                                      its corpus: what the test suite runs
#   scripts/fuzz.sh [TARGET...]        long runs: each target until RUNS executions
#                                      (default 10 million) or SECONDS (default 3600);
#                                      the corpus grows in $FUZZ_WORK (outside the clone)
#
# For every target it records executions, executions per second, coverage (libFuzzer's
# `cov` and `ft`), corpus size and findings in $FUZZ_WORK/results.tsv. Inputs that crash
# are kept in $FUZZ_WORK/artifacts/TARGET/. Prints "N passed, N failed" (one per target).
set -euo pipefail
cd "$(dirname "$0")/.."

smoke=0
targets=()
for arg in "$@"; do
    case "$arg" in
        --smoke) smoke=1 ;;
        *) targets+=("$arg") ;;
    esac
done
if [ "${#targets[@]}" -eq 0 ]; then
    targets=(protocol_frames tokens rest_requests session_frames)
fi
if [ "$smoke" -eq 1 ]; then
    seconds="${SECONDS_PER_TARGET:-15}"
    runs=-1
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
else
    seconds="${SECONDS_PER_TARGET:-3600}"
    runs="${RUNS:-10000000}"
    work="${FUZZ_WORK:-$HOME/.cache/chat-fuzz}"
fi
target_dir="${CARGO_TARGET_DIR:-target}/fuzz"
# cargo-fuzz builds with the release profile, whose link-time optimisation would make
# every target a long whole-program link; fuzzing does not need it. Nor does it need
# opt-level 3: on a 2-core machine a cold build at opt-level 1 took 9 min 25 s against
# 12 min 38 s, and every target ran as many inputs a second or more (session_frames 95/s
# against 81/s, protocol_frames 24,033/s against 22,025/s), the sanitizers' checks
# weighing more than the optimiser's work. (cargo-fuzz forces one codegen unit itself.)
export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
export CARGO_PROFILE_RELEASE_OPT_LEVEL=1
mkdir -p "$work"

cargo +nightly fuzz build --target-dir "$target_dir"

passed=0
failed=0
results="$work/results.tsv"
[ -f "$results" ] || printf 'date\ttarget\tseconds\texecutions\texec_per_s\tcov\tft\tcorpus\tfindings\n' >"$results"
for target in "${targets[@]}"; do
    corpus="$work/corpus/$target"
    artifacts="$work/artifacts/$target"
    mkdir -p "$corpus" "$artifacts"
    # The committed corpus and regressions seed the run; the run adds to its own copy.
    cp -n fuzz/corpus/"$target"/* "$corpus"/ 2>/dev/null || true
    cp -n fuzz/regressions/"$target"/* "$corpus"/ 2>/dev/null || true
    log="$work/$target.log"
    # The server targets keep one server running across inputs, whose tasks (a session
    # still closing, a pending commit) outlive each input: LeakSanitizer would report
    # their buffers as leaks. The soak test (bench/soak.sh) watches the server's memory.
    leaks=()
    case "$target" in rest_requests | session_frames) leaks=(-detect_leaks=0) ;; esac
    echo "== fuzz $target (${seconds}s or $runs runs)"
    status=0
    cargo +nightly fuzz run "$target" --target-dir "$target_dir" "$corpus" -- \
        -max_total_time="$seconds" -runs="$runs" -timeout=60 -rss_limit_mb=4096 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" "${leaks[@]}" >"$log" 2>&1 || status=$?
    executions="$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)"
    rate="$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)"
    last="$(grep -E '^#[0-9]+' "$log" | tail -n1 || true)"
    cov="$(grep -oE 'cov: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo 0)"
    ft="$(grep -oE 'ft: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo 0)"
    corpus_size="$(find "$corpus" -type f | wc -l)"
    findings="$(find "$artifacts" -type f | wc -l)"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%F)" "$target" "$seconds" \
        "$executions" "$rate" "$cov" "$ft" "$corpus_size" "$findings" >>"$results"
    echo "$target: $executions executions ($rate/s), cov $cov, ft $ft, corpus $corpus_size, findings $findings"
    if [ "$status" -eq 0 ] && [ "$findings" -eq 0 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        tail -n 60 "$log"
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
