// swift-tools-version:5.9
// ChatKit: the generated Swift bindings plus Swift conveniences, over the Rust library
// packaged as an XCFramework by scripts/build-xcframework.sh (run on macOS).

import PackageDescription

let package = Package(
    name: "ChatKit",
    platforms: [.iOS(.v16), .macOS(.v13)],
    products: [
        .library(name: "ChatKit", targets: ["ChatKit"]),
    ],
    targets: [
        .binaryTarget(name: "chat_ffiFFI", path: "../build/ChatFFI.xcframework"),
        .target(
            name: "ChatKit",
            dependencies: ["chat_ffiFFI"],
            path: "Sources/ChatKit",
            // The headers and module maps are inside the XCFramework; these copies are
            // what the generator writes next to the Swift files (one set per Rust crate
            // whose types the bindings expose).
            exclude: [
                "Generated/chat_ffiFFI.h", "Generated/chat_ffiFFI.modulemap",
                "Generated/chat_sdkFFI.h", "Generated/chat_sdkFFI.modulemap",
                "Generated/chat_protocolFFI.h", "Generated/chat_protocolFFI.modulemap",
            ],
            // The Rust library uses the system's random source and clock.
            linkerSettings: [.linkedFramework("Security")]
        ),
    ]
)
