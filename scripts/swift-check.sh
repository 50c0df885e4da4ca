#!/usr/bin/env bash
# Swift, as far as this Linux machine can check it (scripts/swift_syntax_check.py): the
# generated C headers (one per Rust crate) pass clang's -fsyntax-only together, the
# generated bindings and every sample .swift file pass a tree-sitter syntax check, and
# the samples call only what the bindings declare. No Swift compiler runs here: this is
# NOT a compile.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
venv="$HOME/.cache/chat-tree-sitter-venv" # made by scripts/install-deps.sh
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo build --locked -q -p chat-ffi -p uniffi-bindgen
"$target/debug/uniffi-bindgen" generate "$target/debug/libchat_ffi.so" \
    --language swift --no-format --out-dir "$work"
mapfile -t sources < <(find ios-sample -name '*.swift' -not -path '*/Generated/*' | sort)
"$venv/bin/python" scripts/swift_syntax_check.py "$work" "${sources[@]}"
