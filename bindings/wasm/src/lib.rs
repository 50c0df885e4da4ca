//! The chat SDK for the browser: a `ChatClient` class with Promise-returning methods and
//! an event subscription, and TypeScript types for everything it takes and returns.
//! Each method delegates to `chat_sdk::ChatClient`; nothing else lives here.
//!
//! The values (`ClientEvent`, `LocalMessage`, `MessageStatus`, `ConnectionState`,
//! `DisconnectReason`, `Session`, `RoomVisibility`, `ErrorCode`, ...) are the SDK's and
//! the protocol's own types, which derive tsify behind their `tsify` features; only
//! `RoomSummary` and `UserProfile` are copied here (`convert`, which says why).

#![cfg(target_arch = "wasm32")]

mod account;
mod attachments;
mod client;
mod convert;
mod error;
mod invites;
mod moderation;
mod profiles;
mod push;
mod rich;
mod safety;
mod sign_ins;
mod subscription;
mod token_provider;

pub use client::ChatClient;
pub use subscription::Subscription;
