#!/usr/bin/env bash
# The whole test suite: installs what is missing, then checks formatting and lints,
# builds the protocol crate for the browser target, and runs every test.
# The last line sums everything up: "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

# Each section's heading says when it began, so that a slow cold run shows where its
# time went.
suite_started="$(date +%s)"
section() {
    echo "== $1 (at $(($(date +%s) - suite_started)) s)"
}

scripts/install-deps.sh

section "cargo fmt --check"
cargo fmt --all -- --check
section "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
section "protocol crate and SDK core on wasm32-unknown-unknown; clippy of the browser platform"
cargo build -p chat-protocol -p chat-sdk --no-default-features --target wasm32-unknown-unknown --locked
cargo clippy -p chat-sdk -p chat-wasm --no-default-features --features chat-sdk/web --target wasm32-unknown-unknown \
    --locked -- -D warnings
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
passed=0
failed=0
# Runs a step that ends with its own "N passed, N failed" line and adds it up; a step
# that exits non-zero with no failure counted counts as one failure.
counted() {
    local step_passed step_failed step_status=0
    "$@" | tee "$log" || step_status=$?
    step_passed="$(grep -oE '^[0-9]+ passed' "$log" | tail -n1 | grep -oE '[0-9]+' || echo 0)"
    step_failed="$(grep -oE '[0-9]+ failed$' "$log" | tail -n1 | grep -oE '[0-9]+' || echo 1)"
    if [ "$step_status" -ne 0 ] && [ "$step_failed" -eq 0 ]; then step_failed=1; fi
    passed=$((passed + step_passed))
    failed=$((failed + step_failed))
}

section "Kotlin bindings on the JVM"
counted scripts/kotlin-jvm-test.sh
section "Android project (no Android SDK here: Kotlin syntax and Gradle consistency)"
counted scripts/android-check.sh
section "Swift (syntax check only: no Swift compiler on this machine)"
counted scripts/swift-check.sh
section "the SDK in headless Chromium (wasm-bindgen-test against a real server)"
counted scripts/web-test.sh
section "the web-wasm page end to end: two Chromium contexts, a real server"
counted scripts/web-e2e.sh
section "the REST API against its OpenAPI document (schemathesis, a real server)"
counted scripts/api-contract-test.sh
section "the server integration suite again, on PostgreSQL (pg_virtualenv)"
counted scripts/postgres-test.sh
section "a cluster: several chat-server processes on PostgreSQL and Redis"
counted scripts/cluster-test.sh
section "fuzzing: every cargo-fuzz target for a few seconds on its corpus (nightly, libFuzzer)"
counted scripts/fuzz.sh --smoke
section "chat-bench smoke: every scenario against chat-server, Node ws and Socket.IO, tiny sizes"
counted bench/run.sh --smoke
section "chaos under load, small: chat-server SIGKILLed while clients send (one process; a cluster)"
counted bench/chaos.sh --smoke

section "tests"
status=0
cargo nextest run --workspace --locked --no-fail-fast 2>&1 | tee "$log" || status=$?
summary="$(grep -E 'tests run:' "$log" | tail -n1)"
rust_passed="$(grep -oE '[0-9]+ passed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)"
rust_failed="$(grep -oE '[0-9]+ failed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)"
if [ "$status" -ne 0 ] && [ "$rust_failed" -eq 0 ]; then rust_failed=1; fi

# One line for the whole suite: Rust tests, Kotlin, Android and Swift checks, the browser.
passed=$((passed + rust_passed))
failed=$((failed + rust_failed))
echo "(the suite took $(($(date +%s) - suite_started)) s)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
