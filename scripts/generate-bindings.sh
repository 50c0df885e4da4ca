#!/usr/bin/env bash
# Builds the FFI library for this machine and generates the Kotlin and Swift sources
# into the samples (android-sample/chatkit/src/main/uniffi, ios-sample/ChatKit/Sources/
# ChatKit/Generated). Generated files are outputs: never edit or commit them.
# UniFFI's library mode writes one set per Rust crate whose types the library exposes:
# chat_ffi (the client), chat_sdk (events, messages, sessions) and chat_protocol (error
# codes, rooms, users): Kotlin packages uniffi.<crate>, Swift files <crate>.swift.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
case "$(uname -s)" in
    Darwin) library="$target/release/libchat_ffi.dylib" ;;
    *) library="$target/release/libchat_ffi.so" ;;
esac
cargo build --locked --release -p chat-ffi -p uniffi-bindgen
"$target/release/uniffi-bindgen" generate "$library" --language kotlin \
    --out-dir android-sample/chatkit/src/main/uniffi
"$target/release/uniffi-bindgen" generate "$library" --language swift \
    --out-dir ios-sample/ChatKit/Sources/ChatKit/Generated
echo "generated from $library"
