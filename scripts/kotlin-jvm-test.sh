#!/usr/bin/env bash
# The Kotlin bindings on the JVM against a real chat-server: builds the FFI library,
# generates the Kotlin sources from it, compiles the console sample with kotlinc and
# runs it. Prints the sample's "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
kotlin="${KOTLIN_HOME:-$HOME/.cache/chat-kotlin/node_modules/kotlin-compiler}"
classpath="$kotlin/lib/kotlinx-coroutines-core-jvm.jar:/usr/share/java/jna.jar"
work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

cargo build --locked -q -p chat-ffi -p uniffi-bindgen -p chat-server
"$target/debug/uniffi-bindgen" generate "$target/debug/libchat_ffi.so" \
    --language kotlin --no-format --out-dir "$work/generated"
"$kotlin/bin/kotlinc" "$work/generated/uniffi/chat_ffi/chat_ffi.kt" android-sample/console/src/Main.kt \
    -cp "$classpath" -d "$work/classes" -nowarn 2>&1 | grep -v '^warning' || true
[ -d "$work/classes" ] || { echo "kotlinc failed"; exit 1; }

# A free loopback port, then the server on it with its data in the temp dir.
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$target/debug/chat-server" --listen "127.0.0.1:$port" \
    --database-url "sqlite://$work/chat.db" --data-dir "$work/data" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.1
done

timeout 120 java -cp "$work/classes:$kotlin/lib/kotlin-stdlib.jar:$classpath" \
    -Djna.library.path="$target/debug" MainKt "http://127.0.0.1:$port"
