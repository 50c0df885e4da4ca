//! The WebSocket endpoint `/v1/ws`: upgrade, authenticate, then run the connection.

mod commands;
mod connection;
mod cursor;
mod handshake;
mod hub_entry;
mod inbound;
mod pipeline;
mod read_error;
mod renewal;
mod socket;
mod sync;

use axum::extract::{State, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use std::sync::Arc;

use crate::error::Error;
use crate::state::AppState;

/// Smallest read buffer tungstenite works well with; its 128 KiB default would cost
/// ~137 KB per idle connection (measured with 10,000 idle connections; 9.5 KB with
/// this size).
const READ_BUFFER_BYTES: usize = 4096;
/// Frames are flushed at the end of each turn of the connection loop, so a small write
/// buffer is enough; a larger frame (a history page) passes straight through.
const WRITE_BUFFER_BYTES: usize = 4096;

/// `GET /v1/ws`: upgrades to a WebSocket with explicit buffer and size limits.
pub async fn upgrade(ws: WebSocketUpgrade, State(state): State<AppState>) -> Response {
    if state.shutdown().is_cancelled() {
        return (StatusCode::SERVICE_UNAVAILABLE, "server is shutting down").into_response();
    }
    let Ok(slot) = Arc::clone(state.limits().connection_slots()).try_acquire_owned() else {
        return Error::new(
            chat_protocol::v1::ErrorCode::Unavailable,
            "the server is at its connection limit; retry later",
        )
        .into_response();
    };
    let max = state.config().max_frame_bytes;
    ws.read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .max_message_size(max)
        .max_frame_size(max)
        .on_failed_upgrade(|e| tracing::debug!(error = %e, "websocket upgrade failed"))
        .on_upgrade(move |socket| {
            let tasks = state.connection_tasks().clone();
            tasks.track_future(async move {
                crate::telemetry::connection(true);
                connection::run(socket, state).await;
                crate::telemetry::connection(false);
                drop(slot);
            })
        })
}
