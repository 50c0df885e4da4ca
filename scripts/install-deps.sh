#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine with rustup, skipping
# whatever is already there, so it is safe to run again and again.
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1; }

# Rust components and targets (rustup skips installed ones).
rustup component add rustfmt clippy >/dev/null
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
fi

# The test runner.
if ! have cargo-nextest; then
    cargo install cargo-nextest --locked
fi

# Fuzzing (scripts/fuzz.sh): libFuzzer through cargo-fuzz needs a nightly compiler.
if ! rustup toolchain list | grep -q '^nightly'; then
    rustup toolchain install nightly --profile minimal
fi
if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz 0.13.2" ]; then
    cargo install cargo-fuzz --version 0.13.2 --locked
fi

# wasm-bindgen's CLI (and its test runner) must match the wasm-bindgen crate in
# Cargo.lock exactly. Its own lock file does not build here: no --locked.
wasm_bindgen_version=0.2.130
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wasm_bindgen_version" ]; then
    cargo install wasm-bindgen-cli --version "$wasm_bindgen_version" --force
fi

# Debian packages the tests use: openssl makes throwaway JWT signing keys; JNA and a
# Java runtime run the Kotlin bindings (kotlinc needs only a JRE); clang-19 checks the
# generated C header (and compiles SQLite for wasm); Chromium and its driver run the
# browser tests; PostgreSQL (pg_virtualenv) and Redis run the scale-out tests; make,
# pkg-config and zlib build librdkafka (Kafka client, built from source by rdkafka-sys);
# gnuplot draws the benchmark plots (bench/run.sh, also in its smoke mode); strace shows
# which sync call the bundled SQLite makes (a server test).
# Node/npm, curl and python3 come with the build machine.
apt_packages=(openssl libjna-java openjdk-17-jre-headless curl clang-19 chromium chromium-driver
    postgresql redis-server make pkg-config zlib1g-dev gnuplot-nox strace)
missing=()
for pkg in "${apt_packages[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# The Kotlin compiler (full kotlinc, with the coroutines jar) from the npm registry.
kotlin_dir="$HOME/.cache/chat-kotlin"
if [ ! -x "$kotlin_dir/node_modules/kotlin-compiler/bin/kotlinc" ]; then
    mkdir -p "$kotlin_dir"
    npm install --prefix "$kotlin_dir" kotlin-compiler@2.4.20
fi

# playwright-core drives Debian's chromium in the end-to-end test of the web page (it
# downloads no browser of its own).
playwright_dir="$HOME/.cache/chat-playwright"
if [ ! -f "$playwright_dir/node_modules/playwright-core/package.json" ]; then
    mkdir -p "$playwright_dir"
    npm install --prefix "$playwright_dir" --no-audit --no-fund playwright-core@1.65.1
fi

# schemathesis, which checks the REST API against its OpenAPI document
# (scripts/api-contract-test.sh).
schemathesis_venv="$HOME/.cache/chat-schemathesis-venv"
if ! "$schemathesis_venv/bin/st" --version 2>/dev/null | grep -q "4.32.5"; then
    python3 -m venv "$schemathesis_venv"
    "$schemathesis_venv/bin/pip" install -q "schemathesis==4.32.5"
fi

# An S3-compatible server for the cluster tests of attachments on object storage
# (server/tests/cluster/attachments.rs): moto's server mode, in memory. A pip install
# of a few seconds, where Garage (the other candidate, on crates.io) would be built
# from source for minutes on every fresh machine.
moto_venv="$HOME/.cache/chat-moto-venv"
if ! "$moto_venv/bin/python" -c 'import moto, sys; sys.exit(moto.__version__ != "5.2.5")' 2>/dev/null; then
    python3 -m venv "$moto_venv"
    "$moto_venv/bin/pip" install -q "moto[server]==5.2.5"
fi

# tree-sitter with the Swift and Kotlin grammars, for the syntax checks of the iOS and
# Android samples (no Swift compiler or Android SDK can run here).
venv="$HOME/.cache/chat-tree-sitter-venv"
if ! "$venv/bin/python" -c 'import tree_sitter_swift, tree_sitter_kotlin' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "tree-sitter==0.26.*" "tree-sitter-swift==0.7.*" "tree-sitter-kotlin==1.1.*"
fi
