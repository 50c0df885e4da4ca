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
mod turn_writer;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tungstenite::handshake::derive_accept_key;
use tungstenite::protocol::{Role, WebSocketConfig};

use std::sync::Arc;

use crate::error::Error;
use crate::state::AppState;
use turn_writer::TurnWriter;

/// A connection's WebSocket: tungstenite over the upgraded HTTP connection, its writes
/// gathered per turn by [`TurnWriter`].
type WebSocket = WebSocketStream<TurnWriter<TokioIo<hyper::upgrade::Upgraded>>>;

/// The read buffer every connection holds for as long as it lives. Its 128 KiB default
/// would cost ~137 KB per idle connection; at 512 bytes a read still takes two or three
/// typical client frames (a `send_message` is about 200 bytes), a larger frame grows
/// the buffer as it needs, and an idle connection costs 3.5 KiB less than at 4 KiB
/// (docs/benchmarks.md, idle memory).
const READ_BUFFER_BYTES: usize = 512;

/// `GET /v1/ws`: upgrades to a WebSocket with explicit buffer and size limits. A
/// request that is not a WebSocket upgrade gets a JSON error.
pub async fn upgrade(State(state): State<AppState>, mut request: Request) -> Response {
    if state.shutdown().is_cancelled() {
        return (StatusCode::SERVICE_UNAVAILABLE, "server is shutting down").into_response();
    }
    let accept = match accept_key(request.headers()) {
        Ok(accept) => accept,
        Err(why) => return Error::invalid(why).into_response(),
    };
    let Some(upgrading) = request
        .extensions_mut()
        .remove::<hyper::upgrade::OnUpgrade>()
    else {
        return Error::invalid("this connection cannot be upgraded to a WebSocket").into_response();
    };
    let Ok(slot) = Arc::clone(state.limits().connection_slots()).try_acquire_owned() else {
        return Error::new(
            chat_protocol::v1::ErrorCode::Unavailable,
            "the server is at its connection limit; retry later",
        )
        .into_response();
    };
    let max = state.config().max_frame_bytes;
    // tungstenite writes each frame through at once; `TurnWriter` gathers them until
    // the connection loop flushes, then lets its buffer go.
    let config = WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(0)
        .max_message_size(Some(max))
        .max_frame_size(Some(max));
    let tasks = state.connection_tasks().clone();
    tasks.spawn(async move {
        let upgraded = match upgrading.await {
            Ok(upgraded) => upgraded,
            Err(e) => {
                tracing::debug!(error = %e, "websocket upgrade failed");
                return;
            }
        };
        let io = TurnWriter::new(TokioIo::new(upgraded));
        let socket = WebSocketStream::from_raw_socket(io, Role::Server, Some(config)).await;
        // The connection gets a task of its own, and this one ends here: awaiting the
        // connection here would keep the upgrade's own state beside it for as long as
        // the connection lives, about 0.8 KiB per idle connection (docs/benchmarks.md,
        // idle memory).
        let tasks = state.connection_tasks().clone();
        tasks.spawn(connection::run(socket, state, slot));
    });
    let mut response = StatusCode::SWITCHING_PROTOCOLS.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
    response
}

/// The `Sec-WebSocket-Accept` answering a WebSocket upgrade request (RFC 6455,
/// section 4.2.1), or what is wrong with the request.
fn accept_key(headers: &HeaderMap) -> Result<HeaderValue, &'static str> {
    let has_token = |name: header::HeaderName, token: &str| {
        headers.get_all(name).iter().any(|value| {
            value.to_str().is_ok_and(|value| {
                value
                    .split(',')
                    .any(|part| part.trim().eq_ignore_ascii_case(token))
            })
        })
    };
    if !has_token(header::CONNECTION, "upgrade") {
        return Err("a WebSocket upgrade needs `Connection: upgrade`");
    }
    if !has_token(header::UPGRADE, "websocket") {
        return Err("a WebSocket upgrade needs `Upgrade: websocket`");
    }
    if headers
        .get(header::SEC_WEBSOCKET_VERSION)
        .map(HeaderValue::as_bytes)
        != Some(b"13")
    {
        return Err("a WebSocket upgrade needs `Sec-WebSocket-Version: 13`");
    }
    let key = headers
        .get(header::SEC_WEBSOCKET_KEY)
        .ok_or("a WebSocket upgrade needs `Sec-WebSocket-Key`")?;
    HeaderValue::from_str(&derive_accept_key(key.as_bytes()))
        .map_err(|_| "a WebSocket upgrade needs a valid `Sec-WebSocket-Key`")
}
