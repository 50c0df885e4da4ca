//! UniFFI bindings for Kotlin and Swift: the SDK's `ChatClient` behind a thin layer that
//! hands calls to the SDK's runtime and flattens its errors. No chat logic lives here.
//!
//! The records and enums the app sees (`ClientEvent`, `LocalMessage`, `MessageStatus`,
//! `ConnectionState`, `DisconnectReason`, `Session`, `RoomSummary`, `UserProfile`,
//! `RoomVisibility`, `ErrorCode`, ...) are the SDK's and the protocol's own types, which
//! derive UniFFI behind their `uniffi` features: one declaration each. UniFFI's library
//! mode generates them per crate (Kotlin packages `uniffi.chat_sdk` and
//! `uniffi.chat_protocol`, Swift files `chat_sdk.swift` and `chat_protocol.swift`).

mod account;
mod attachments;
mod client;
mod error;
mod invites;
mod listener;
mod moderation;
mod profiles;
mod push;
mod rich;
mod runtime;
mod safety;
mod sign_ins;
mod token_provider;

pub use client::ChatClient;
pub use error::ChatError;
pub use listener::{ChatListener, ListenerHandle};
pub use token_provider::TokenProvider;

uniffi::setup_scaffolding!();
