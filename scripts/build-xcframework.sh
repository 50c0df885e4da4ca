#!/usr/bin/env bash
# macOS only (needs Xcode): builds the FFI library for iOS devices, the iOS simulator
# and macOS, and packages it as ios-sample/build/ChatFFI.xcframework for ChatKit.
# It cannot run on the Linux build machine; run it on a Mac with rustup.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(uname -s)" = Darwin ] || { echo "build-xcframework.sh needs macOS and Xcode"; exit 1; }

target_dir="${CARGO_TARGET_DIR:-target}"
targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin)
rustup target add "${targets[@]}"
# The size-tuned profile (Cargo.toml, `mobile-release`): the library ships in every app.
profile=mobile-release
for t in "${targets[@]}"; do
    cargo build --locked --profile "$profile" -p chat-ffi --target "$t"
done

scripts/generate-bindings.sh
# One C header and module map per Rust crate whose types the bindings expose
# (chat_ffi, chat_sdk, chat_protocol); the XCFramework carries all the headers and one
# module.modulemap that declares each crate's module, as each generated .swift file
# imports its own (`chat_sdkFFI`, ...).
generated=ios-sample/ChatKit/Sources/ChatKit/Generated
headers="$(mktemp -d)"
cp "$generated"/*FFI.h "$headers/"
cat "$generated"/*FFI.modulemap >"$headers/module.modulemap"

# The simulator slice joins the two simulator architectures into one library.
mkdir -p "$target_dir/ios-sim"
lipo -create "$target_dir/aarch64-apple-ios-sim/$profile/libchat_ffi.a" \
    "$target_dir/x86_64-apple-ios/$profile/libchat_ffi.a" -output "$target_dir/ios-sim/libchat_ffi.a"

rm -rf ios-sample/build/ChatFFI.xcframework
xcodebuild -create-xcframework \
    -library "$target_dir/aarch64-apple-ios/$profile/libchat_ffi.a" -headers "$headers" \
    -library "$target_dir/ios-sim/libchat_ffi.a" -headers "$headers" \
    -library "$target_dir/aarch64-apple-darwin/$profile/libchat_ffi.a" -headers "$headers" \
    -output ios-sample/build/ChatFFI.xcframework
echo "ios-sample/build/ChatFFI.xcframework"
