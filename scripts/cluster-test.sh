#!/usr/bin/env bash
# Several chat-server processes on one PostgreSQL (a throwaway pg_virtualenv cluster)
# and one Redis, and an S3-compatible server for attachments (moto, from
# scripts/install-deps.sh; both started by the tests themselves, stopped by PID): the
# cluster tests, which the plain run ignores. Prints "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
cargo build --locked -q -p chat-server
pg_virtualenv -v 15 env CHAT_TEST_STORE=postgres \
    CHAT_TEST_S3_SERVER="$HOME/.cache/chat-moto-venv/bin/moto_server" \
    cargo nextest run --locked -p chat-server --test cluster --run-ignored all --no-fail-fast \
    2>&1 | tee "$log" || status=$?
summary="$(grep -E 'tests run:' "$log" | tail -n1 || true)"
passed="$(grep -oE '[0-9]+ passed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)"
failed="$(grep -oE '[0-9]+ failed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
