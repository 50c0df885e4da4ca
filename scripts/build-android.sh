#!/usr/bin/env bash
# Builds the FFI library for the Android ABIs into the chatkit module
# (android-sample/chatkit/src/main/jniLibs/<abi>/libchat_ffi.so) and generates the
# Kotlin bindings (android-sample/chatkit/src/main/uniffi). Then build the app with
# Gradle (see android-sample/README.md).
#
# Needs the Android NDK (ANDROID_NDK_HOME) and cargo-ndk, which it installs. It runs on
# a developer's machine or Android CI, not on this project's Linux test machine.
set -euo pipefail
cd "$(dirname "$0")/.."

# Android ABI names (the jniLibs folder names) and the Rust targets behind them.
abis=(arm64-v8a armeabi-v7a x86_64)
rust_targets=(aarch64-linux-android armv7-linux-androideabi x86_64-linux-android)
jni_libs=android-sample/chatkit/src/main/jniLibs
min_sdk=26 # keep equal to minSdk in android-sample/*/build.gradle.kts

: "${ANDROID_NDK_HOME:?set ANDROID_NDK_HOME to the NDK (Android Studio: SDK Manager > SDK Tools > NDK)}"
rustup target add "${rust_targets[@]}"
command -v cargo-ndk >/dev/null 2>&1 || cargo install cargo-ndk --locked

target_flags=()
for abi in "${abis[@]}"; do target_flags+=(-t "$abi"); done
# The size-tuned profile (Cargo.toml, `mobile-release`): the library ships in every APK.
cargo ndk --platform "$min_sdk" "${target_flags[@]}" -o "$jni_libs" \
    build --profile mobile-release --locked -p chat-ffi

# The Kotlin sources come from a host build of the same crate: the interface is
# identical on every target.
scripts/generate-bindings.sh
ls -l "$jni_libs"/*/libchat_ffi.so
