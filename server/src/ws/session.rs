//! One authenticated connection: a reader loop (this task) and a writer task fed by a
//! bounded queue. The loop handles client frames, hub deliveries, heartbeats and shutdown.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::time::Instant;

use axum::extract::ws::{Message, Utf8Bytes, WebSocket};
use chat_protocol::v1::{ClientFrame, ErrorCode, ServerFrame, close};
use futures_util::StreamExt;
use futures_util::stream::SplitStream;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::handshake::{self, Refusal};
use super::read_error::close_code_for;
use super::writer::{self, Outgoing};
use crate::clock::now_ms;
use crate::error::Error;
use crate::hub::{ConnId, Delivery};
use crate::state::AppState;
use crate::{presence, typing};

/// How long closing may take: the writer's last frames, then the client's close reply.
const CLOSE_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// Why the session loop ended.
#[derive(Debug)]
pub(super) enum End {
    /// Close with this code and reason.
    Close(u16, &'static str),
    /// The peer is gone or the writer failed; nothing left to say.
    Gone,
}

/// State of one authenticated connection, owned by its reader task.
pub(super) struct Session {
    pub(super) state: AppState,
    pub(super) conn_id: ConnId,
    pub(super) user_id: String,
    out: mpsc::Sender<Outgoing>,
    /// Cancelled by the hub when this connection's delivery queue overflows.
    slow: CancellationToken,
    /// Cancelled by the writer when the socket fails.
    writer_done: CancellationToken,
    /// Per joined room: the highest seq delivered on this connection.
    pub(super) cursors: HashMap<String, super::cursor::RoomCursor>,
    frame_limiter: DefaultDirectRateLimiter,
    /// Consecutive rate-limited messages; too many close the connection.
    pub(super) strikes: u32,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("conn_id", &self.conn_id)
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

/// Runs a connection from upgrade to close.
pub(super) async fn run(socket: WebSocket, state: AppState) {
    let (sink, mut stream) = socket.split();
    let capacity = state.config().outbound_queue.max(1);
    let (out, out_rx) = mpsc::channel(capacity);
    let (close_tx, close_rx) = oneshot::channel();
    let writer_done = CancellationToken::new();
    let writer = tokio::spawn(writer::run(sink, out_rx, close_rx, writer_done.clone()));

    let user_id = match handshake::authenticate(&mut stream, &state).await {
        Ok(user_id) => user_id,
        Err(Refusal::Gone) => return finish(close_tx, out, writer, End::Gone, &mut stream).await,
        Err(Refusal::Close {
            error,
            code,
            reason,
        }) => {
            if let Some(e) = error {
                let _ = out.try_send(Outgoing::Text(error_frame(&e, None)));
            }
            return finish(close_tx, out, writer, End::Close(code, reason), &mut stream).await;
        }
    };

    let (delivery_tx, delivery_rx) = mpsc::channel(capacity);
    let slow = CancellationToken::new();
    let registered = state.hub().register(
        &user_id,
        delivery_tx,
        slow.clone(),
        state.config().max_connections_per_user,
    );
    let (conn_id, first_connection) = match registered {
        Ok(registered) => registered,
        Err(_) => {
            let e = Error::new(
                ErrorCode::Forbidden,
                format!(
                    "this user already has {} connections; close one first",
                    state.config().max_connections_per_user
                ),
            );
            let _ = out.try_send(Outgoing::Text(error_frame(&e, None)));
            let end = End::Close(close::TOO_MANY_CONNECTIONS, "too many connections");
            return finish(close_tx, out, writer, end, &mut stream).await;
        }
    };
    tracing::debug!(conn = conn_id, user = %user_id, "authenticated");

    let per_second = NonZeroU32::new(state.config().frames_per_second).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(state.config().frame_burst).unwrap_or(per_second);
    let mut session = Session {
        state: state.clone(),
        conn_id,
        user_id: user_id.clone(),
        out,
        slow,
        writer_done,
        cursors: HashMap::new(),
        frame_limiter: RateLimiter::direct(Quota::per_second(per_second).allow_burst(burst)),
        strikes: 0,
    };
    let end = session
        .serve(&mut stream, delivery_rx, first_connection)
        .await;

    let Session { out, .. } = session;
    if let Some(departure) = state.hub().unregister(conn_id) {
        for room_id in &departure.stopped_typing {
            typing::announce(&state, room_id, &user_id, false);
        }
        if departure.went_offline {
            presence::went_offline(&state, &user_id).await;
        }
    }
    tracing::debug!(conn = conn_id, user = %user_id, ?end, "connection closed");
    finish(close_tx, out, writer, end, &mut stream).await;
}

/// Asks the writer to close (or just to stop), then waits for it briefly.
async fn finish(
    close_tx: oneshot::Sender<(u16, &'static str)>,
    out: mpsc::Sender<Outgoing>,
    writer: tokio::task::JoinHandle<()>,
    end: End,
    stream: &mut SplitStream<WebSocket>,
) {
    let End::Close(code, reason) = end else {
        // Nothing to say: dropping the close channel stops the writer at once.
        drop(close_tx);
        writer.abort();
        return;
    };
    // An orderly close goes behind the frames already queued (an error or
    // server_shutdown explaining it); if the queue is full (a slow consumer), the
    // close jumps the queue.
    let urgent =
        code == close::SLOW_CONSUMER || out.try_send(Outgoing::Close(code, reason)).is_err();
    let close_tx = if urgent {
        let _ = close_tx.send((code, reason));
        None
    } else {
        Some(close_tx)
    };
    drop(out);
    // The writer bounds each frame by its own timeout; this bounds the rest.
    if tokio::time::timeout(CLOSE_GRACE, writer).await.is_err() {
        tracing::debug!("writer did not finish in time");
    }
    drop(close_tx);
    // Complete the closing handshake: read until the client's close (or give up), so
    // the client sees our close frame instead of a reset connection.
    let _ = tokio::time::timeout(CLOSE_GRACE, async {
        while let Some(Ok(message)) = stream.next().await {
            if matches!(message, Message::Close(_)) {
                break;
            }
        }
    })
    .await;
}

/// Encodes an `error` frame.
pub(super) fn error_frame(e: &Error, reference: Option<&str>) -> Utf8Bytes {
    Utf8Bytes::from(
        ServerFrame::error(e.code, e.message.clone(), reference.map(str::to_owned)).encode(),
    )
}

impl Session {
    async fn serve(
        &mut self,
        stream: &mut SplitStream<WebSocket>,
        mut deliveries: mpsc::Receiver<Delivery>,
        first_connection: bool,
    ) -> End {
        let hello = ServerFrame::Authenticated {
            user_id: self.user_id.clone(),
            session_id: self.conn_id.to_string(),
            server_time: now_ms(),
            heartbeat_interval_ms: u64::try_from(
                self.state.config().heartbeat_interval.as_millis(),
            )
            .unwrap_or(u64::MAX),
        };
        if let Err(end) = self.send(&hello).await {
            return end;
        }
        for frame in presence::came_online(&self.state, &self.user_id, first_connection).await {
            if let Err(end) = self.send(&frame).await {
                return end;
            }
        }

        let heartbeat = self.state.config().heartbeat_interval;
        let idle_timeout = self.state.config().idle_timeout;
        let mut ticker =
            tokio::time::interval_at(tokio::time::Instant::now() + heartbeat, heartbeat);
        let mut last_heard = Instant::now();
        let shutdown = self.state.shutdown().clone();
        let slow = self.slow.clone();
        let writer_done = self.writer_done.clone();
        loop {
            let step = tokio::select! {
                biased;
                () = shutdown.cancelled() => {
                    let bye = ServerFrame::ServerShutdown {
                        reconnect_after_ms: u64::try_from(self.state.config().reconnect_after.as_millis()).unwrap_or(1000),
                    };
                    let _ = self.out.try_send(Outgoing::Text(Utf8Bytes::from(bye.encode())));
                    Err(End::Close(close::RESTARTING, "server is restarting"))
                }
                () = slow.cancelled() => Err(End::Close(close::SLOW_CONSUMER, "slow consumer: reconnect and resume")),
                () = writer_done.cancelled() => Err(End::Gone),
                delivery = deliveries.recv() => match delivery {
                    Some(delivery) => self.deliver(delivery).await,
                    None => Err(End::Gone),
                },
                frame = stream.next() => {
                    last_heard = Instant::now();
                    self.on_socket(frame).await
                }
                _ = ticker.tick() => {
                    if last_heard.elapsed() >= idle_timeout {
                        Err(End::Close(close::POLICY_LIMIT, "idle timeout"))
                    } else {
                        self.push(Outgoing::Ping).await
                    }
                }
            };
            if let Err(end) = step {
                return end;
            }
        }
    }

    async fn on_socket(&mut self, frame: Option<Result<Message, axum::Error>>) -> Result<(), End> {
        match frame {
            None | Some(Ok(Message::Close(_))) => Err(End::Gone),
            Some(Err(e)) => Err(match close_code_for(e) {
                Some((code, reason)) => End::Close(code, reason),
                None => End::Gone,
            }),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => Ok(()),
            Some(Ok(message)) => {
                if self.frame_limiter.check().is_err() {
                    return Err(End::Close(close::POLICY_LIMIT, "frame rate limit exceeded"));
                }
                match message {
                    Message::Text(text) => self.on_text(text.as_str()).await,
                    _ => {
                        let e = Error::invalid(
                            "binary frames are not supported; send JSON text frames",
                        );
                        self.push(Outgoing::Text(error_frame(&e, None))).await
                    }
                }
            }
        }
    }

    async fn on_text(&mut self, text: &str) -> Result<(), End> {
        let frame = match ClientFrame::decode(text) {
            Ok(frame) => frame,
            Err(e) => {
                let code = match e {
                    chat_protocol::v1::DecodeError::UnknownType(_) => ErrorCode::UnknownType,
                    _ => ErrorCode::InvalidRequest,
                };
                return self
                    .push(Outgoing::Text(error_frame(
                        &Error::new(code, e.to_string()),
                        None,
                    )))
                    .await;
            }
        };
        let reference = frame.reference().map(str::to_owned);
        match self.handle(frame).await {
            Ok(()) => Ok(()),
            Err(super::commands::Failure::Reply(e)) => {
                self.push(Outgoing::Text(error_frame(&e, reference.as_deref())))
                    .await
            }
            Err(super::commands::Failure::End(end)) => Err(end),
            Err(super::commands::Failure::ReplyThenEnd(e, end)) => {
                self.push(Outgoing::Text(error_frame(&e, reference.as_deref())))
                    .await?;
                Err(end)
            }
        }
    }

    /// Queues a frame for the writer, waiting for room (backpressure) unless the
    /// connection is being torn down.
    pub(super) async fn push(&self, outgoing: Outgoing) -> Result<(), End> {
        tokio::select! {
            biased;
            () = self.slow.cancelled() => Err(End::Close(close::SLOW_CONSUMER, "slow consumer: reconnect and resume")),
            () = self.writer_done.cancelled() => Err(End::Gone),
            sent = self.out.send(outgoing) => sent.map_err(|_| End::Gone),
        }
    }

    /// Encodes and queues a frame.
    pub(super) async fn send(&self, frame: &ServerFrame) -> Result<(), End> {
        self.push(Outgoing::Text(Utf8Bytes::from(frame.encode())))
            .await
    }
}
