//! Wire types of the chat protocol, shared by `chat-server` and every client.
//!
//! This crate is the single source of the wire format: the server and the SDK
//! both serialise through these types, so the two can never drift. It depends
//! only on serde so that it builds for every target, `wasm32-unknown-unknown`
//! included. The format itself is documented in `docs/protocol.md`.
//!
//! Versions are visible in paths: everything of protocol v1 lives in [`v1`].

pub mod v1;
