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

# Debian packages the tests use (openssl makes throwaway JWT signing keys).
apt_packages=(openssl)
missing=()
for pkg in "${apt_packages[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
