#!/usr/bin/env bash
# Builds the browser package: chat-wasm for wasm32 (size-optimised profile), then the
# JavaScript glue and TypeScript types with the pinned wasm-bindgen CLI, into
# web-wasm/pkg/ (an output: gitignored). Prints the bundle size, raw and gzipped.
#
#   scripts/build-web.sh          optimised for size (about a minute)
#   scripts/build-web.sh --dev    unoptimised, quick to build (tests and development)
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
profile=wasm-release
[ "${1:-}" = "--dev" ] && profile=dev
cargo build --locked -p chat-wasm --target wasm32-unknown-unknown --profile "$profile"
folder="$profile"
[ "$profile" = dev ] && folder=debug
rm -rf web-wasm/pkg
wasm-bindgen --target web --remove-name-section --remove-producers-section \
    --out-dir web-wasm/pkg "$target/wasm32-unknown-unknown/$folder/chat_wasm.wasm"
raw="$(wc -c <web-wasm/pkg/chat_wasm_bg.wasm)"
gz="$(gzip -9 -c web-wasm/pkg/chat_wasm_bg.wasm | wc -c)"
echo "web-wasm/pkg/chat_wasm_bg.wasm: $raw bytes, $gz gzipped ($profile)"
