#!/usr/bin/env bash
# What the client libraries weigh (docs/benchmarks.md, "Client footprint"): the UniFFI
# library (chat-ffi) for this machine's target from the `release` and the size-tuned
# `mobile-release` profiles, stripped and gzipped, and the browser bundle. Android and
# iOS libraries come from scripts/build-android.sh and scripts/build-xcframework.sh, which
# need the NDK or Xcode. The browser bundle needs the wasm32 target and the wasm-bindgen
# CLI, which scripts/install-deps.sh installs.
#
#   scripts/footprint.sh
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
case "$(uname -s)" in
    Darwin) library=libchat_ffi.dylib ;;
    *) library=libchat_ffi.so ;;
esac
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

row() { # row <label> <file>
    local bytes gz
    bytes="$(wc -c <"$2")"
    gz="$(gzip -9 -c "$2" | wc -c)"
    awk -v l="$1" -v b="$bytes" -v g="$gz" \
        'BEGIN { printf "%-34s %10d bytes  %6.2f MiB  %10d gzipped (%.2f MiB)\n", l, b, b / 1048576, g, g / 1048576 }'
}

for profile in release mobile-release; do
    cargo build --locked -q -p chat-ffi --profile "$profile"
    cp "$target/$profile/$library" "$work/$profile"
    # `release` keeps its symbol table (the bindings generator reads it); compare the
    # stripped file, which is what an app would ship.
    strip "$work/$profile" 2>/dev/null || strip -x "$work/$profile"
    row "chat-ffi $(uname -m) $profile" "$work/$profile"
done
scripts/build-web.sh >/dev/null
row "chat-wasm (wasm-release)" web-wasm/pkg/chat_wasm_bg.wasm
