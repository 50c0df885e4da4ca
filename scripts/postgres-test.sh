#!/usr/bin/env bash
# The server's whole integration suite and the store's own test suite against
# PostgreSQL: a throwaway cluster from pg_virtualenv (it runs as root too, and drops the
# cluster afterwards), one database per test. Prints "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
pg_virtualenv -v 15 env CHAT_TEST_STORE=postgres \
    cargo nextest run --locked -p chat-server --lib --test integration --no-fail-fast \
        -E 'kind(test) | test(/^store::(tests|postgres)::/)' 2>&1 | tee "$log" || status=$?
summary="$(grep -E 'tests run:' "$log" | tail -n1 || true)"
passed="$(grep -oE '[0-9]+ passed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)"
failed="$(grep -oE '[0-9]+ failed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
