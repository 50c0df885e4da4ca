#!/usr/bin/env bash
# The SDK's browser platform in headless Chromium: wasm-bindgen-test against a real
# chat-server on 127.0.0.1 (started here, stopped by its PID). Prints the run's
# "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

cargo build --locked -q -p chat-server
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# The test page comes from wasm-bindgen-test-runner's own port: allow it by CORS.
"$target/debug/chat-server" --listen "127.0.0.1:$port" --database-url "sqlite://$work/chat.db" \
    --data-dir "$work/data" --cors-origin '*' >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.1
done

cat >"$work/webdriver.json" <<'JSON'
{"goog:chromeOptions":{"binary":"/usr/bin/chromium","args":["--disable-gpu","--disable-background-networking","--disable-component-update","--disable-sync","--disable-quic","--no-first-run"]}}
JSON
export CHAT_TEST_SERVER_URL="http://127.0.0.1:$port"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export CHROMEDRIVER=/usr/bin/chromedriver
export WASM_BINDGEN_TEST_WEBDRIVER_JSON="$work/webdriver.json"
export WASM_BINDGEN_TEST_TIMEOUT=120
status=0
timeout 600 cargo test --locked -p chat-sdk --no-default-features --features web \
    --target wasm32-unknown-unknown --test browser 2>&1 | tee "$work/test.log" || status=$?
result="$(grep -E '^test result:' "$work/test.log" | tail -n1 || true)"
passed="$(grep -oE '[0-9]+ passed' <<<"$result" | grep -oE '[0-9]+' || echo 0)"
failed="$(grep -oE '[0-9]+ failed' <<<"$result" | grep -oE '[0-9]+' || echo 1)"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
[ "$failed" -eq 0 ] || { echo "-- server log"; tail -n 30 "$work/server.log"; }
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
