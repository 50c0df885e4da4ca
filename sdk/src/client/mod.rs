//! The client API and the half of the driver that every platform shares: `ChatClient`,
//! its events and errors, REST calls, and the bridge between the core, the cache and
//! the app. A platform module (`native`, `web`) opens it with its own socket, clock and
//! storage.

mod account;
mod api;
mod attachments;
mod bridge;
mod error;
mod events;
mod export;
mod invites;
mod moderation;
mod mute;
mod password;
mod placement;
mod profiles;
mod push;
mod refresher;
mod rest;
mod rich;
mod room_list;
mod safety;
mod saved;
mod session;
mod sign_ins;
mod token_provider;
mod unread_mark;
mod uploads;

pub use api::{ChatClient, ClientConfig};
pub use attachments::{MAX_FILE_BYTES, THUMBNAIL_CACHE_BYTES, ThumbnailVariant};
pub(crate) use bridge::{Bridge, Command, Io};
pub use error::ClientError;
pub use events::ClientEvent;
pub use rich::{SearchPage, ThreadPage};
pub(crate) use room_list::RoomListSync;
pub use saved::{SavedItem, SavedPage};
pub use session::Session;
pub use token_provider::{SendSyncOutsideWasm, TokenFuture, TokenProvider};
