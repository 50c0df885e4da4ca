//! UniFFI bindings for Kotlin and Swift: the SDK's `ChatClient` behind a thin layer that
//! converts types and errors. No chat logic lives here.

mod client;
mod convert;
mod error;
mod listener;
mod runtime;
mod token_provider;

pub use client::ChatClient;
pub use convert::{
    ConnectionState, Event, Message, MessageStatus, RoomSummary, RoomVisibility, Session,
};
pub use error::ChatError;
pub use listener::{ChatListener, ListenerHandle};
pub use token_provider::TokenProvider;

uniffi::setup_scaffolding!();
