#!/usr/bin/env bash
# The whole test suite: installs what is missing, then checks formatting and lints,
# builds the protocol crate for the browser target, and runs every test.
# The last line is nextest's summary (N tests run: N passed, N failed).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== protocol crate and SDK core on wasm32-unknown-unknown"
cargo build -p chat-protocol -p chat-sdk --no-default-features --target wasm32-unknown-unknown --locked
echo "== tests"
cargo nextest run --workspace --locked --no-fail-fast
