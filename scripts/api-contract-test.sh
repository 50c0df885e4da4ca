#!/usr/bin/env bash
# The REST API against its own OpenAPI document: schemathesis (PyPI, in a venv made by
# scripts/install-deps.sh) generates valid and invalid requests for every operation of
# /v1/openapi.json and sends them to a real chat-server started here. It fails on any
# 5xx, any status code or header the document does not list, any response body that
# does not match its schema, and any invalid request that is accepted. The server's log
# must show no panic. Prints "N passed, N failed" (one per operation).
#
# EXAMPLES (default 40) sets the examples per operation and phase.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$(pwd)/$target" ;; esac
venv="$HOME/.cache/chat-schemathesis-venv"
work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

cargo build --locked -q -p chat-server
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
# Sign-in and message limits are raised so that the generated requests reach the
# handlers instead of stopping at 429 (which the document lists, and which other tests
# cover).
"$target/debug/chat-server" --listen "127.0.0.1:$port" --data-dir "$work/data" \
    --database-url "sqlite://$work/chat.db" --auth-attempts-per-minute 1000000 \
    --messages-per-second 100000 --message-burst 100000 >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
    curl -fsS "$base/readyz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fsS "$base/readyz" >/dev/null

# A signed-in user with a room and a message, so that generated requests find data.
token="$(curl -fsS -X POST "$base/v1/auth/register" -H 'content-type: application/json' \
    -d '{"username":"contract","password":"correct horse battery"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
room="$(curl -fsS -X POST "$base/v1/rooms" -H "authorization: Bearer $token" -H 'content-type: application/json' \
    -d '{"name":"contract","visibility":"public"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["room_id"])')"
curl -fsS -X POST "$base/v1/rooms/$room/messages" -H "authorization: Bearer $token" \
    -H 'content-type: application/json' -H "idempotency-key: $(python3 -c 'import uuid; print(uuid.uuid4())')" \
    -d '{"content":"hello"}' >/dev/null

status=0
(cd "$work" && timeout 900 "$venv/bin/st" --config-file "$repo/scripts/schemathesis.toml" run "$base/v1/openapi.json" \
    --url "$base" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection \
    --mode all \
    --max-examples "${EXAMPLES:-40}" \
    --seed 1 \
    --workers 1 \
    --request-timeout 10 \
    --generation-database none \
    --no-color \
    --report junit --report-dir "$work/report") || status=$?

if grep -n "panicked" "$work/server.log"; then
    echo "chat-server panicked during the contract test" >&2
    status=1
fi
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=""

# One test case per operation in the JUnit report.
python3 - "$work/report" "$status" <<'EOF'
import pathlib, sys, xml.etree.ElementTree as ET
cases = [c for f in pathlib.Path(sys.argv[1]).glob("*.xml") for c in ET.parse(f).iter("testcase")]
failed = sum(1 for c in cases if c.find("failure") is not None or c.find("error") is not None)
passed = len(cases) - failed
if not cases or (int(sys.argv[2]) != 0 and failed == 0):
    failed += 1
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
EOF
