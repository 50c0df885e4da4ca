#!/usr/bin/env bash
# Swift, as far as this Linux machine can check it: the generated bindings and every
# sample .swift file pass a tree-sitter syntax check, and the generated C header passes
# a C compiler's -fsyntax-only. No Swift compiler runs here: this is NOT a compile.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
venv="$HOME/.cache/chat-tree-sitter-venv" # made by scripts/install-deps.sh
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo build --locked -q -p chat-ffi -p uniffi-bindgen
"$target/debug/uniffi-bindgen" generate "$target/debug/libchat_ffi.so" \
    --language swift --no-format --out-dir "$work"
# Included from a C file, as an app would, and checked by clang (as Xcode's would:
# the header uses clang's nullability qualifiers). clang-19 comes from install-deps.sh.
printf '#include "chat_ffiFFI.h"\n' >"$work/check.c"
clang="$(command -v clang-19 || command -v clang)"
"$clang" -fsyntax-only -Wall -Werror -I "$work" "$work/check.c"
echo "PASS chat_ffiFFI.h (clang -fsyntax-only)"
mapfile -t sources < <(find ios-sample -name '*.swift' -not -path '*/Generated/*' | sort)
"$venv/bin/python" scripts/swift_syntax_check.py "$work/chat_ffi.swift" "${sources[@]}"
