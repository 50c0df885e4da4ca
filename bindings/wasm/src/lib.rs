//! The chat SDK for the browser: a `ChatClient` class with Promise-returning methods and
//! an event subscription, and TypeScript types for everything it takes and returns.
//! Each method converts and delegates to `chat_sdk::ChatClient`; nothing else lives here.

#![cfg(target_arch = "wasm32")]

mod client;
mod convert;
mod error;
mod subscription;
mod token_provider;

pub use client::ChatClient;
pub use subscription::Subscription;
