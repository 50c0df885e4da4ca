#!/usr/bin/env bash
# The whole test suite: installs what is missing, then checks formatting and lints,
# builds the protocol crate for the browser target, and runs every test.
# The last line sums everything up: "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== protocol crate and SDK core on wasm32-unknown-unknown"
cargo build -p chat-protocol -p chat-sdk --no-default-features --target wasm32-unknown-unknown --locked
echo "== Kotlin bindings on the JVM"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
scripts/kotlin-jvm-test.sh | tee "$log"
kotlin_passed="$(grep -oE '^[0-9]+ passed' "$log" | tail -n1 | grep -oE '[0-9]+' || echo 0)"
kotlin_failed="$(grep -oE '[0-9]+ failed$' "$log" | tail -n1 | grep -oE '[0-9]+' || echo 1)"

echo "== Swift (syntax check only: no Swift compiler on this machine)"
scripts/swift-check.sh | tee "$log"
swift_passed="$(grep -oE '^[0-9]+ passed' "$log" | tail -n1 | grep -oE '[0-9]+' || echo 0)"
swift_failed="$(grep -oE '[0-9]+ failed$' "$log" | tail -n1 | grep -oE '[0-9]+' || echo 1)"

echo "== tests"
status=0
cargo nextest run --workspace --locked --no-fail-fast 2>&1 | tee "$log" || status=$?
summary="$(grep -E 'tests run:' "$log" | tail -n1)"
rust_passed="$(grep -oE '[0-9]+ passed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)"
rust_failed="$(grep -oE '[0-9]+ failed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)"
if [ "$status" -ne 0 ] && [ "$rust_failed" -eq 0 ]; then rust_failed=1; fi

# One line for the whole suite: Rust tests, the Kotlin run and the Swift checks.
passed=$((rust_passed + kotlin_passed + swift_passed))
failed=$((rust_failed + kotlin_failed + swift_failed))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
