//! Wire types of the chat protocol, shared by `chat-server` and every client.
//!
//! This crate is the single source of the wire format: the server and the SDK
//! both serialise through these types, so the two can never drift. By default it
//! depends only on serde so that it builds for every target, `wasm32-unknown-unknown`
//! included. The format itself is documented in `docs/protocol.md`.
//!
//! The types the app bindings expose (error codes, receipt kinds, presence, rooms,
//! users) are declared here once: the optional `uniffi` and `tsify` features add the
//! Kotlin/Swift and TypeScript derives, and change nothing on the wire.
//!
//! Versions are visible in paths: everything of protocol v1 lives in [`v1`].

pub mod v1;

// The UniFFI component of this crate: the bindings library (chat-ffi) links it, and
// uniffi-bindgen generates `uniffi.chat_protocol` (Kotlin) and `chat_protocol.swift`.
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();
