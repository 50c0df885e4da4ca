//! `chat-server`: WebSocket + REST chat with durable, ordered, exactly-once delivery.
//!
//! The binary only parses configuration and sets up logging; everything else is here,
//! behind [`run`], so that tests drive the same code on a port of their own.
//!
//! # Layout
//!
//! From the edge inwards: a module uses modules of its own row or of the rows below.
//!
//! | layer | modules | what it owns |
//! |---|---|---|
//! | entry | `app` | assembling the services; background tasks; startup and shutdown |
//! | edges | `http`, `ws` | REST handlers and WebSocket connections: parsing, replies, closes |
//! | use cases | `messaging`, `moderation`, `accounts`, `avatars`, `room_feed`, `access`, `validate`, `store_replies` | sends, edits, deletes; membership and room settings; deactivating and deleting accounts; which upload may be a picture; the live room list; who may do what; input rules; what a client is told of a store failure |
//! | shared state | `state` | the services a handler needs, cheap to clone |
//! | side effects | `notify`, `events` (relay), `limits`, `client_addr` | offline notifications; the Kafka relay; abuse limits, and the client address they count (behind trusted proxies too) |
//! | real time | `presence`, `typing`, `roster`, `bus`, `hub` | presence; typing; connections across a cluster (Redis); fan-out; this process's connections |
//! | identity | `auth` | tokens, passwords, the refresh-token purge |
//! | files | `attachments` | uploads, their checks and thumbnails, the file storage, signed links, the janitor |
//! | storage | `store`, `events::schema` | SQLite or PostgreSQL behind one trait; the event-stream rows written with each commit |
//! | basics | `config`, `error`, `clock`, `telemetry` | flags; error codes; time; metrics |

pub(crate) mod access;
pub(crate) mod accounts;
mod app;
pub mod attachments;
pub mod auth;
pub(crate) mod avatars;
pub(crate) mod bus;
pub(crate) mod client_addr;
pub(crate) mod clock;
pub mod config;
pub(crate) mod error;
pub(crate) mod events;
pub(crate) mod http;
pub(crate) mod hub;
pub(crate) mod limits;
pub(crate) mod messaging;
pub(crate) mod moderation;
pub(crate) mod notify;
pub(crate) mod presence;
pub(crate) mod room_feed;
pub(crate) mod roster;
pub(crate) mod state;
pub(crate) mod store;
mod store_replies;
pub(crate) mod telemetry;
#[doc(hidden)]
pub mod testing;
pub(crate) mod typing;
pub(crate) mod validate;
mod ws;

use std::future::Future;

use tokio::net::TcpListener;

pub use app::App;
pub use config::Config;

/// Serves chat on `listener` until `shutdown` completes, then shuts down gracefully:
/// stops accepting, tells every client `server_shutdown`, closes them with 1012,
/// and lets in-flight commits finish.
///
/// # Errors
///
/// When the store or the token configuration cannot be set up.
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = App::start(config).await?;
    tracing::info!(address = %listener.local_addr()?, "chat-server listening");
    // Not spawned: the listener lives in this future, so a caller that drops `run`
    // (aborting its task) stops the server accepting at once.
    let mut serving = std::pin::pin!(app.serve(listener));
    tokio::select! {
        () = &mut serving => {}
        () = shutdown => {}
    }
    app.stop(serving).await;
    Ok(())
}
