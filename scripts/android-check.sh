#!/usr/bin/env bash
# The Android sample, as far as this machine can check it without the Android SDK:
# Kotlin syntax and the Gradle project's consistency (scripts/android_project_check.py).
# The Kotlin code the app shares with the console test is compiled and run on the JVM
# by kotlin-jvm-test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
venv="$HOME/.cache/chat-tree-sitter-venv" # made by scripts/install-deps.sh
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo build --locked -q -p chat-ffi -p uniffi-bindgen
"$target/debug/uniffi-bindgen" generate "$target/debug/libchat_ffi.so" \
    --language kotlin --no-format --out-dir "$work"
"$venv/bin/python" scripts/android_project_check.py android-sample "$work"
