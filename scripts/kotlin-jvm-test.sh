#!/usr/bin/env bash
# The Kotlin bindings on the JVM against a real chat-server: builds the FFI library,
# generates the Kotlin sources from it (one file per Rust crate whose types it exposes:
# uniffi/chat_ffi, uniffi/chat_sdk, uniffi/chat_protocol), compiles them with the Android
# app's chatkit module (plain Kotlin) and the console sample, and runs it. Prints the
# sample's "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
kotlin="${KOTLIN_HOME:-$HOME/.cache/chat-kotlin/node_modules/kotlin-compiler}"
classpath="$kotlin/lib/kotlinx-coroutines-core-jvm.jar:/usr/share/java/jna.jar"
work="$(mktemp -d)"
cleanup() {
    rm -rf "$work"
}
trap cleanup EXIT

cargo build --locked -q -p chat-ffi -p uniffi-bindgen -p chat-server
"$target/debug/uniffi-bindgen" generate "$target/debug/libchat_ffi.so" \
    --language kotlin --no-format --out-dir "$work/generated"
mapfile -t sources < <(find "$work/generated" android-sample/chatkit/src/main/kotlin android-sample/console/src -name '*.kt' | sort)
"$kotlin/bin/kotlinc" "${sources[@]}" \
    -cp "$classpath" -d "$work/classes" -nowarn 2>&1 | grep -v '^warning' || true
[ -d "$work/classes" ] || { echo "kotlinc failed"; exit 1; }

# The sample runs the server itself (it kills and restarts it), from the binary built above.
timeout 180 java -cp "$work/classes:$kotlin/lib/kotlin-stdlib.jar:$classpath" \
    -Djna.library.path="$target/debug" MainKt "$target/debug/chat-server" "$work"
