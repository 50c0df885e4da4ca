#!/usr/bin/env bash
# The web-wasm chat page end to end in headless Chromium (playwright-core from npm,
# driving Debian's chromium) against the real chat-server, which the test starts,
# SIGKILLs and restarts itself. Keeps a screenshot in $ARTIFACTS_DIR (default
# .ci-artifacts/). Prints the run's "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$(pwd)/$target" ;; esac
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

scripts/build-web.sh --dev
cargo build --locked -q -p chat-server
CHAT_SERVER_BIN="$target/debug/chat-server" \
WEB_ROOT="$(pwd)/web-wasm" \
WORK_DIR="$work" \
ARTIFACTS_DIR="${ARTIFACTS_DIR:-$(pwd)/.ci-artifacts}" \
PLAYWRIGHT_CORE="${PLAYWRIGHT_CORE:-$HOME/.cache/chat-playwright/node_modules/playwright-core}" \
    timeout 300 node web-wasm/tests/e2e.mjs
