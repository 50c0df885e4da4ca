//! The WebSocket endpoint `/v1/ws`: upgrade, authenticate, then run the connection.

/// Awaits a future from the heap. A connection's task is as large as the largest future
/// it may await inline, and holds that much for as long as it lives, idle or not; the
/// deep futures that run now and then (a join, a history page, a gap repair, a turn of
/// the loop) are boxed so that an idle connection stays small (docs/benchmarks.md, idle
/// memory). The box is made in a statement of its own: a temporary of the awaiting
/// expression would still take room in the caller's state.
macro_rules! await_boxed {
    ($future:expr) => {{
        let future = Box::pin($future);
        future.await
    }};
}

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

/// The read buffer every connection holds for as long as it lives. Its 128 KiB default
/// would cost ~137 KB per idle connection; at 512 bytes a read still takes two or three
/// typical client frames (a `send_message` is about 200 bytes), a larger frame grows
/// the buffer as it needs, and an idle connection costs 3.5 KiB less than at 4 KiB
/// (docs/benchmarks.md, idle memory).
const READ_BUFFER_BYTES: usize = 512;
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
            // The connection gets a task of its own, and the one axum spawned for the
            // upgrade ends here: awaiting the connection there would keep the upgrade's
            // own state (its configuration, the socket it moved out) beside it for as
            // long as the connection lives, about 0.8 KiB per idle connection
            // (docs/benchmarks.md, idle memory).
            let tasks = state.connection_tasks().clone();
            tasks.spawn(connection::run(socket, state, slot));
            std::future::ready(())
        })
}
