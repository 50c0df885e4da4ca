//! The chat client SDK: one core for Android, iOS, the browser and the CLI.
//!
//! [`core`] is the protocol state machine, free of I/O and clocks: it takes inputs
//! (user calls, socket events, frames, timer ticks) and returns actions (open the
//! socket, send a frame, arm a timer, tell the app). Drivers own the socket, the clock
//! and storage, so the same logic runs natively and on wasm32, and tests drive it with
//! simulated time and scripted faults.

#[cfg(feature = "cache")]
pub mod cache;
#[cfg(feature = "client")]
mod client;
pub mod core;
#[cfg(all(feature = "native", not(target_arch = "wasm32")))]
mod native;
#[cfg(all(feature = "web", target_arch = "wasm32"))]
mod web;

// The UniFFI component of this crate (feature `uniffi`): the bindings library
// (chat-ffi) links it, and uniffi-bindgen generates `uniffi.chat_sdk` (Kotlin) and
// `chat_sdk.swift` from it.
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

#[cfg(feature = "client")]
pub use client::{
    ChatClient, ClientConfig, ClientError, ClientEvent, MAX_FILE_BYTES, SavedItem, SavedPage,
    SearchPage, SendSyncOutsideWasm, Session, THUMBNAIL_CACHE_BYTES, ThreadPage, ThumbnailVariant,
    TokenFuture, TokenProvider,
};
