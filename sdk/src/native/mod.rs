//! The native driver: the core on tokio, tokio-tungstenite and the SQLite cache, behind
//! the [`ChatClient`] API that apps (and the UniFFI bindings) use.

mod client;
mod driver;
mod error;
mod events;
mod rest;
mod tls;

pub use client::{ChatClient, ClientConfig, TokenProvider};
pub use error::ClientError;
pub use events::ClientEvent;
pub use rest::Session;
