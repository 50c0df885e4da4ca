//! `chat-server`: WebSocket + REST chat with durable, ordered, exactly-once delivery.
//!
//! The binary only parses configuration and sets up logging; everything else is here,
//! behind [`run`], so that tests drive the same code on a port of their own.

pub mod access;
mod app;
pub mod auth;
pub mod bus;
pub mod clock;
pub mod config;
pub mod error;
pub mod events;
pub mod http;
pub mod hub;
pub mod messaging;
pub mod notify;
pub mod presence;
pub mod roster;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod typing;
pub mod validate;
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
