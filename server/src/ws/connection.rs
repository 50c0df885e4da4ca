//! One authenticated connection: a reader loop (this task) and a writer task fed by a
//! bounded queue. The loop handles client frames, hub deliveries, heartbeats, token
//! expiry and shutdown.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{Utf8Bytes, WebSocket};
use chat_protocol::v1::{ErrorCode, ServerFrame, close};
use futures_util::stream::SplitStream;
use futures_util::{FutureExt, StreamExt};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;

use super::cursor::RoomCursor;
use super::handshake::{self, Unauthenticated};
use super::hub_entry::HubEntry;
use super::writer::{Outgoing, Writer};
use crate::clock::now_ms;
use crate::error::Error;
use crate::hub::{ConnectionId, Delivery};
use crate::state::AppState;

/// Deliveries handled in a row before the socket gets a look-in.
const DELIVERIES_BEFORE_READING: u32 = 64;

/// Typing and receipt frames a connection may send per second (they fan out to the
/// whole room, so they get a budget of their own below the general frame limit).
const EPHEMERAL_PER_SECOND: u32 = 5;
/// Burst allowed above that.
const EPHEMERAL_BURST: u32 = 20;

/// Why the connection loop ended.
#[derive(Debug)]
pub(super) enum End {
    /// Close with this code and reason.
    Close(u16, &'static str),
    /// The peer is gone or the writer failed; nothing left to say.
    Gone,
}

/// State of one authenticated connection, owned by its reader task.
pub(super) struct Connection {
    pub(super) state: AppState,
    pub(super) connection_id: ConnectionId,
    pub(super) user_id: String,
    out: mpsc::Sender<Outgoing>,
    /// Bytes of text the writer queue may hold (`--outbound-queue-bytes`).
    out_bytes: Arc<Semaphore>,
    /// Cancelled by the hub when this connection's delivery queue overflows.
    slow: CancellationToken,
    /// Cancelled by the writer when the socket fails.
    writer_done: CancellationToken,
    /// What the hub queued for this connection.
    pub(super) deliveries: mpsc::Receiver<Delivery>,
    /// Per joined room: how far this connection has got.
    pub(super) cursors: HashMap<String, RoomCursor>,
    pub(super) frame_limiter: DefaultDirectRateLimiter,
    pub(super) ephemeral_limiter: DefaultDirectRateLimiter,
    /// Consecutive rate-limited messages; too many close the connection.
    pub(super) strikes: u32,
    /// When the connection's token expires, seconds since the epoch (`exp`); moved on
    /// by `authenticate` with a fresh token.
    pub(super) token_expires_at: u64,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("connection_id", &self.connection_id)
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

fn limiter(per_second: u32, burst: u32) -> DefaultDirectRateLimiter {
    let rate = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
    RateLimiter::direct(Quota::per_second(rate).allow_burst(NonZeroU32::new(burst).unwrap_or(rate)))
}

/// Encodes an `error` frame.
pub(super) fn error_frame(e: &Error, reference: Option<&str>) -> Utf8Bytes {
    Utf8Bytes::from(
        ServerFrame::error(e.code, e.message.clone(), reference.map(str::to_owned)).encode(),
    )
}

/// Runs a connection from upgrade to close.
pub(super) async fn run(socket: WebSocket, state: AppState) {
    let (sink, mut stream) = socket.split();
    let capacity = state.config().outbound_queue.max(1);
    let writer = Writer::spawn(sink, capacity, state.config().outbound_queue_bytes);
    let out = writer.queue();

    let caller = match handshake::authenticate(&mut stream, &state).await {
        Ok(caller) => caller,
        Err(Unauthenticated::Gone) => return writer.finish(None, &mut stream).await,
        Err(Unauthenticated::Close {
            error,
            code,
            reason,
        }) => {
            if let Some(e) = error {
                let _ = out.try_send(Outgoing::Text(error_frame(&e, None), None));
            }
            return writer.finish(Some((code, reason)), &mut stream).await;
        }
    };

    let (delivery_tx, delivery_rx) = mpsc::channel(capacity);
    let slow = CancellationToken::new();
    let (hub_entry, presence) =
        match HubEntry::enter(&state, &caller.user_id, delivery_tx, slow.clone()).await {
            Ok(entered) => entered,
            Err(_) => {
                let e = Error::new(
                    ErrorCode::Forbidden,
                    format!(
                        "this user already has {} connections; close one first",
                        state.config().max_connections_per_user
                    ),
                );
                let _ = out.try_send(Outgoing::Text(error_frame(&e, None), None));
                let end = (close::TOO_MANY_CONNECTIONS, "too many connections");
                return writer.finish(Some(end), &mut stream).await;
            }
        };
    let connection_id = hub_entry.connection_id();
    tracing::debug!(conn = connection_id, user = %caller.user_id, "authenticated");

    let config = state.config();
    let mut connection = Connection {
        state: state.clone(),
        connection_id,
        user_id: caller.user_id.clone(),
        out,
        out_bytes: writer.byte_budget(),
        slow,
        writer_done: writer.done(),
        deliveries: delivery_rx,
        cursors: HashMap::new(),
        frame_limiter: limiter(config.frames_per_second, config.frame_burst),
        ephemeral_limiter: limiter(EPHEMERAL_PER_SECOND, EPHEMERAL_BURST),
        strikes: 0,
        token_expires_at: caller.expires_at,
    };
    let end = connection.serve(&mut stream, presence).await;
    drop(connection);
    hub_entry.leave().await;
    tracing::debug!(conn = connection_id, user = %caller.user_id, ?end, "connection closed");
    let close_with = match end {
        End::Close(code, reason) => Some((code, reason)),
        End::Gone => None,
    };
    writer.finish(close_with, &mut stream).await;
}

/// When a token that expires at `expires_at` (seconds since the epoch) runs out, as an
/// instant of the tokio clock.
fn token_deadline(expires_at: u64) -> tokio::time::Instant {
    let remaining_ms = i64::try_from(expires_at)
        .unwrap_or(i64::MAX / 1000)
        .saturating_mul(1000)
        .saturating_sub(now_ms());
    let remaining = Duration::from_millis(u64::try_from(remaining_ms).unwrap_or(0));
    // Far-future expiries are capped so the addition cannot overflow.
    tokio::time::Instant::now() + remaining.min(Duration::from_secs(10 * 365 * 24 * 3600))
}

impl Connection {
    async fn serve(
        &mut self,
        stream: &mut SplitStream<WebSocket>,
        presence: Vec<ServerFrame>,
    ) -> End {
        let config = self.state.config();
        if let Err(end) = self.send(&self.authenticated()).await {
            return end;
        }
        for frame in &presence {
            if let Err(end) = self.send(frame).await {
                return end;
            }
        }

        let heartbeat = config.heartbeat_interval;
        let idle_timeout = config.idle_timeout;
        let mut ticker =
            tokio::time::interval_at(tokio::time::Instant::now() + heartbeat, heartbeat);
        let mut armed_expiry = self.token_expires_at;
        let token_expiry = tokio::time::sleep_until(token_deadline(armed_expiry));
        tokio::pin!(token_expiry);
        let mut last_heard = Instant::now();
        let shutdown = self.state.shutdown().clone();
        let slow = self.slow.clone();
        let writer_done = self.writer_done.clone();
        let mut deliveries_in_a_row = 0u32;
        loop {
            // A long run of deliveries (a very busy room) must not starve the client's
            // own frames: every so often, look at the socket first.
            if deliveries_in_a_row >= DELIVERIES_BEFORE_READING {
                deliveries_in_a_row = 0;
                if let Some(frame) = stream.next().now_or_never() {
                    last_heard = Instant::now();
                    if let Err(end) = self.on_socket(frame).await {
                        return end;
                    }
                }
            }
            // A fresh token (`authenticate` on this connection, read in either place)
            // moves the deadline before the next wait.
            if self.token_expires_at != armed_expiry {
                armed_expiry = self.token_expires_at;
                token_expiry.as_mut().reset(token_deadline(armed_expiry));
            }
            // Teardown first; then the heartbeat; then events already committed, before
            // the client's next request, so replies never overtake them.
            let step = tokio::select! {
                biased;
                () = shutdown.cancelled() => Err(self.shutting_down()),
                () = slow.cancelled() => Err(slow_consumer()),
                () = writer_done.cancelled() => Err(End::Gone),
                () = &mut token_expiry => {
                    let e = Error::unauthorized("token expired; reconnect with a fresh token");
                    let _ = self.out.try_send(Outgoing::Text(error_frame(&e, None), None));
                    Err(End::Close(close::UNAUTHORIZED, "token expired"))
                }
                _ = ticker.tick() => {
                    if last_heard.elapsed() >= idle_timeout {
                        Err(End::Close(close::POLICY_LIMIT, "idle timeout"))
                    } else {
                        self.push(Outgoing::Ping).await
                    }
                }
                delivery = self.deliveries.recv() => {
                    deliveries_in_a_row += 1;
                    match delivery {
                        Some(delivery) => self.deliver(delivery).await,
                        None => Err(End::Gone),
                    }
                }
                frame = stream.next() => {
                    deliveries_in_a_row = 0;
                    last_heard = Instant::now();
                    self.on_socket(frame).await
                }
            };
            if let Err(end) = step {
                return end;
            }
        }
    }

    /// The `authenticated` frame: sent once the handshake succeeds, and again for each
    /// fresh token.
    pub(super) fn authenticated(&self) -> ServerFrame {
        ServerFrame::Authenticated {
            user_id: self.user_id.clone().into(),
            session_id: self.connection_id.to_string(),
            server_time: now_ms(),
            heartbeat_interval_ms: u64::try_from(
                self.state.config().heartbeat_interval.as_millis(),
            )
            .unwrap_or(u64::MAX),
            expires_at: Some(
                i64::try_from(self.token_expires_at)
                    .unwrap_or(i64::MAX / 1000)
                    .saturating_mul(1000),
            ),
        }
    }

    /// Queues `server_shutdown` (if there is room) and ends with 1012.
    pub(super) fn shutting_down(&self) -> End {
        let bye = ServerFrame::ServerShutdown {
            reconnect_after_ms: u64::try_from(self.state.config().reconnect_after.as_millis())
                .unwrap_or(1000),
        };
        let _ = self
            .out
            .try_send(Outgoing::Text(Utf8Bytes::from(bye.encode()), None));
        End::Close(close::RESTARTING, "server is restarting")
    }

    /// Queues a frame for the writer, waiting for room (backpressure: a frame slot and,
    /// for text, its bytes in the connection's budget) unless the connection is being
    /// torn down.
    pub(super) async fn push(&self, outgoing: Outgoing) -> Result<(), End> {
        let enqueue = async {
            let outgoing = match outgoing {
                Outgoing::Text(text, None) => {
                    let budget =
                        u32::try_from(self.state.config().outbound_queue_bytes).unwrap_or(u32::MAX);
                    let wanted = u32::try_from(text.len())
                        .unwrap_or(u32::MAX)
                        .clamp(1, budget);
                    let reserved = Arc::clone(&self.out_bytes)
                        .acquire_many_owned(wanted)
                        .await
                        .map_err(|_| End::Gone)?;
                    Outgoing::Text(text, Some(reserved))
                }
                other => other,
            };
            self.out.send(outgoing).await.map_err(|_| End::Gone)
        };
        tokio::select! {
            biased;
            () = self.slow.cancelled() => Err(slow_consumer()),
            () = self.writer_done.cancelled() => Err(End::Gone),
            () = self.state.shutdown().cancelled() => Err(self.shutting_down()),
            sent = enqueue => sent,
        }
    }

    /// Encodes and queues a frame.
    pub(super) async fn send(&self, frame: &ServerFrame) -> Result<(), End> {
        self.push(Outgoing::Text(Utf8Bytes::from(frame.encode()), None))
            .await
    }
}

fn slow_consumer() -> End {
    End::Close(close::SLOW_CONSUMER, "slow consumer: reconnect and resume")
}
