//! One authenticated connection: one task that handles client frames, hub deliveries,
//! heartbeats, token expiry and shutdown, and writes to the socket itself.

use foldhash::{HashMap, HashMapExt as _};
use std::time::{Duration, Instant};

use tungstenite::Utf8Bytes;

use super::WebSocket;
use chat_protocol::v1::{ErrorCode, ServerFrame, close};
use governor::DefaultDirectRateLimiter;
use tokio::sync::OwnedSemaphorePermit;

use super::cursor::RoomCursor;
use super::handshake::{self, Unauthenticated};
use super::hub_entry::HubEntry;
use super::pipeline::InFlight;
use super::socket::{Interrupts, Socket, Stopped};
use crate::clock::now_ms;
use crate::error::Error;
use crate::hub::{self, ConnectionId, Deliveries, Delivery};
use crate::state::AppState;

/// Deliveries handled in a row before the socket gets a look-in.
const DELIVERIES_BEFORE_READING: u32 = 64;
/// Deliveries taken from the queue in one turn of the loop, written with one flush.
const DELIVERIES_PER_TURN: usize = 32;

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
    /// The peer is gone or a write failed; nothing left to say.
    Gone,
}

/// State of one authenticated connection, owned by its task.
pub(super) struct Connection {
    pub(super) state: AppState,
    pub(super) connection_id: ConnectionId,
    pub(super) user_id: String,
    socket: Socket,
    /// What may cut short a write that waits for the peer.
    interrupts: Interrupts,
    /// What the hub queued for this connection.
    pub(super) deliveries: Deliveries,
    /// Per joined room: how far this connection has got.
    pub(super) cursors: HashMap<String, RoomCursor>,
    /// Sends waiting for their commit.
    pub(super) in_flight: InFlight,
    pub(super) frame_limiter: DefaultDirectRateLimiter,
    pub(super) ephemeral_limiter: DefaultDirectRateLimiter,
    /// Consecutive rate-limited messages; too many close the connection.
    pub(super) strikes: u32,
    /// When the connection's token expires, seconds since the epoch (`exp`); moved on
    /// by `authenticate` with a fresh token.
    pub(super) token_expires_at: u64,
    /// When the connection's newest token was issued (`iat`), seconds since the epoch:
    /// a password change signs out connections on tokens issued before it.
    pub(super) token_issued_at: u64,
    /// The tag of the token the connection authenticated with
    /// ([`crate::access::token_tag`]).
    pub(super) token_tag: u64,
    /// The sign-in of that token (none for an external auth service's): ending it
    /// closes the connection.
    pub(super) sign_in: Option<uuid::Uuid>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("connection_id", &self.connection_id)
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

/// Encodes an `error` frame.
pub(super) fn error_frame(e: &Error, reference: Option<&str>) -> Utf8Bytes {
    Utf8Bytes::from(
        ServerFrame::error(e.code, e.message.clone(), reference.map(str::to_owned)).encode(),
    )
}

/// Runs a connection from upgrade to close.
///
/// The task lives as long as the connection and is as large as the largest state of
/// this future, idle or not. So the handshake (which owns the socket before the
/// connection does) and the close run in boxed futures of their own, freed once done,
/// and what stays is the connection and its loop (docs/benchmarks.md, idle memory).
///
/// `slot` is the connection's place under `--max-connections`, held until the future
/// ends or is dropped.
pub(super) fn run(
    ws: WebSocket,
    state: AppState,
    slot: OwnedSemaphorePermit,
) -> impl Future<Output = ()> + Send + 'static {
    let open_connection = OpenConnection::counted(slot);
    let opening = Box::pin(open(ws, state));
    async move {
        let _open_connection = open_connection;
        let Some((mut connection, hub_entry, presence)) = opening.await else {
            return;
        };
        let end = connection.serve(presence).await;
        await_boxed!(close(connection, hub_entry, end));
    }
}

/// An upgraded connection, counted in the connections gauge and holding its slot from
/// the upgrade until its task ends.
struct OpenConnection {
    _slot: OwnedSemaphorePermit,
}

impl OpenConnection {
    fn counted(slot: OwnedSemaphorePermit) -> Self {
        crate::telemetry::connection(true);
        Self { _slot: slot }
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        crate::telemetry::connection(false);
    }
}

/// Authenticates the peer and enters the hub. `None` when the connection ended there
/// (its socket is closed then).
///
/// The connection is boxed: it moves from here through the loop to the close, and
/// the task would otherwise keep room for it at every step.
async fn open(
    ws: WebSocket,
    state: AppState,
) -> Option<(Box<Connection>, HubEntry, Vec<ServerFrame>)> {
    let mut socket = Socket::new(ws);
    let authenticated = match handshake::authenticate(&mut socket, &state).await {
        Ok(authenticated) => authenticated,
        Err(Unauthenticated::Gone) => {
            socket.finish(None).await;
            return None;
        }
        Err(Unauthenticated::Close {
            error,
            code,
            reason,
        }) => {
            if let Some(e) = error {
                socket.feed_text_now(error_frame(&e, None));
            }
            socket.finish(Some((code, reason))).await;
            return None;
        }
    };

    let handshake::Authenticated {
        caller,
        circle,
        token_tag,
        closures_seen,
        token,
    } = authenticated;
    let capacity = state.config().outbound_queue.max(1);
    let (delivery_tx, delivery_rx) = hub::delivery_queue(capacity);
    let interrupts = Interrupts::new(state.shutdown());
    let (hub_entry, presence) = match HubEntry::enter(
        &state,
        &caller.user_id,
        circle,
        delivery_tx,
        interrupts.stop.clone(),
    )
    .await
    {
        Ok(entered) => entered,
        Err(_) => {
            let e = Error::new(
                ErrorCode::Forbidden,
                format!(
                    "this user already has {} connections; close one first",
                    state.config().max_connections_per_user
                ),
            );
            socket.feed_text_now(error_frame(&e, None));
            let end = (close::TOO_MANY_CONNECTIONS, "too many connections");
            socket.finish(Some(end)).await;
            return None;
        }
    };
    let connection_id = hub_entry.connection_id();
    tracing::debug!(conn = connection_id, user = %caller.user_id, "authenticated");

    let config = state.config();
    let sign_in = caller.sign_in_id();
    let mut connection = Box::new(Connection {
        state: state.clone(),
        connection_id,
        user_id: caller.user_id,
        socket,
        interrupts,
        deliveries: delivery_rx,
        cursors: HashMap::new(),
        in_flight: InFlight::default(),
        frame_limiter: state
            .limits()
            .per_connection(config.frames_per_second, config.frame_burst),
        ephemeral_limiter: state
            .limits()
            .per_connection(EPHEMERAL_PER_SECOND, EPHEMERAL_BURST),
        strikes: 0,
        token_expires_at: caller.expires_at,
        token_issued_at: caller.issued_at,
        token_tag,
        sign_in,
    });
    // A closure for this user (a password change, a sign-in ended, the account closed)
    // may have come in between the token check and the registration, when the hub did
    // not know this connection yet: the token is checked again then (rarely: closures
    // are rare, and any user's counts).
    if state.hub().closures() != closures_seen
        && let Err(e) = crate::access::authenticated_user(&state, &token).await
        && e.code == ErrorCode::Unauthorized
    {
        tracing::debug!(conn = connection_id, error = %e.message, "signed out while connecting");
        connection.socket.feed_text_now(error_frame(&e, None));
        let end = End::Close(close::UNAUTHORIZED, "signed out while connecting");
        await_boxed!(close(connection, hub_entry, end));
        return None;
    }
    Some((connection, hub_entry, presence))
}

/// Leaves the hub, then closes the socket as `end` says.
async fn close(connection: Box<Connection>, hub_entry: HubEntry, end: End) {
    let Connection {
        connection_id,
        user_id,
        socket,
        ..
    } = *connection;
    hub_entry.leave().await;
    tracing::debug!(conn = connection_id, user = %user_id, ?end, "connection closed");
    let close_with = match end {
        End::Close(code, reason) => Some((code, reason)),
        End::Gone => None,
    };
    socket.finish(close_with).await;
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
    async fn serve(&mut self, presence: Vec<ServerFrame>) -> End {
        if let Err(end) = await_boxed!(self.greet(presence)) {
            return end;
        }
        // One timer for both the heartbeat and the token's expiry, set to whichever
        // comes first: every idle connection holds its timers for as long as it lives.
        let mut next_ping = tokio::time::Instant::now() + self.state.config().heartbeat_interval;
        let mut armed_expiry = self.token_expires_at;
        let mut expiry = token_deadline(armed_expiry);
        let alarm = tokio::time::sleep_until(next_ping.min(expiry));
        tokio::pin!(alarm);
        let mut last_heard = Instant::now();
        // Armed once for the whole connection rather than on every turn of the loop.
        let stop = self.interrupts.stop.clone();
        let stopping = stop.cancelled();
        tokio::pin!(stopping);
        let mut deliveries_in_a_row = 0u32;
        // What each branch does is awaited boxed (`await_boxed!`, one allocation per
        // turn): this loop is what every idle connection holds.
        loop {
            // A fresh token (`authenticate` on this connection, read in either place)
            // moves the deadline before the next wait.
            if self.token_expires_at != armed_expiry {
                armed_expiry = self.token_expires_at;
                expiry = token_deadline(armed_expiry);
                alarm.as_mut().reset(next_ping.min(expiry));
            }
            // A long run of deliveries (a very busy room) must not starve the client's
            // own frames: every so often, a frame the socket already holds goes first.
            let overdue = if deliveries_in_a_row >= DELIVERIES_BEFORE_READING {
                deliveries_in_a_row = 0;
                self.in_flight
                    .has_room()
                    .then(|| self.socket.next_ready())
                    .flatten()
            } else {
                None
            };
            // Otherwise teardown first; then the heartbeat; then events already
            // committed and the answers to sends, before the client's next request, so
            // replies never overtake them. While the connection has as many sends in
            // flight as it may, it reads no more. Either way the step ends with the flush
            // below: a reply left in the socket's buffer would wait for the next event.
            let step = if let Some(frame) = overdue {
                last_heard = Instant::now();
                await_boxed!(self.on_socket(frame))
            } else {
                tokio::select! {
                    biased;
                    () = &mut stopping => match self.interrupts.reason() {
                        // Sends already read are answered first, if the store still takes
                        // them: a client then resends less after reconnecting.
                        Stopped::ShuttingDown => match await_boxed!(self.settle_sends()) {
                            Ok(()) => Err(self.shutting_down()),
                            Err(end) => Err(end),
                        },
                        Stopped::Slow | Stopped::Gone => Err(slow_consumer()),
                    },
                    () = &mut alarm => {
                        let now = tokio::time::Instant::now();
                        if now >= expiry {
                            let e = Error::unauthorized("token expired; reconnect with a fresh token");
                            self.socket.feed_text_now(error_frame(&e, None));
                            Err(End::Close(close::UNAUTHORIZED, "token expired"))
                        } else if last_heard.elapsed() >= self.state.config().idle_timeout {
                            Err(End::Close(close::POLICY_LIMIT, "idle timeout"))
                        } else {
                            // The heartbeat is due (the alarm fires for nothing else).
                            next_ping = now + self.state.config().heartbeat_interval;
                            alarm.as_mut().reset(next_ping.min(expiry));
                            let fed = await_boxed!(self.socket.feed_ping(&self.interrupts));
                            fed.map_err(|stopped| self.stopped(stopped))
                        }
                    }
                    delivery = self.deliveries.recv() => match delivery {
                        Ok(delivery) => {
                            let handled = await_boxed!(self.deliver_queued(delivery));
                            deliveries_in_a_row += handled.as_ref().map_or(1, |n| *n);
                            handled.map(|_| ())
                        }
                        Err(_) => Err(End::Gone),
                    },
                    Some(outcome) = self.in_flight.next(), if !self.in_flight.is_empty() => {
                        await_boxed!(self.finish_send(outcome))
                    }
                    frame = self.socket.next(), if self.in_flight.has_room() => {
                        deliveries_in_a_row = 0;
                        last_heard = Instant::now();
                        await_boxed!(self.on_socket(frame))
                    }
                }
            };
            if let Err(end) = step {
                return end;
            }
            if let Err(end) = self.flush().await {
                return end;
            }
        }
    }

    /// Sends `authenticated` and the presence snapshot: the connection's first frames.
    async fn greet(&mut self, presence: Vec<ServerFrame>) -> Result<(), End> {
        let authenticated = self.authenticated();
        self.send(&authenticated).await?;
        for frame in &presence {
            self.send(frame).await?;
        }
        self.flush().await
    }

    /// Handles `first` and whatever else the hub has queued (up to a turn's worth), so
    /// that they leave in one write. Returns how many were handled.
    async fn deliver_queued(&mut self, first: Delivery) -> Result<u32, End> {
        self.deliver(first).await?;
        let mut handled = 1;
        while (handled as usize) < DELIVERIES_PER_TURN {
            let Ok(delivery) = self.deliveries.try_recv() else {
                break;
            };
            self.deliver(delivery).await?;
            handled += 1;
        }
        Ok(handled)
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

    /// Feeds `server_shutdown` (if the socket takes it at once) and ends with 1012.
    pub(super) fn shutting_down(&mut self) -> End {
        let bye = ServerFrame::ServerShutdown {
            reconnect_after_ms: u64::try_from(self.state.config().reconnect_after.as_millis())
                .unwrap_or(1000),
        };
        self.socket.feed_text_now(Utf8Bytes::from(bye.encode()));
        End::Close(close::RESTARTING, "server is restarting")
    }

    /// How the connection ends when a write was cut short.
    fn stopped(&mut self, stopped: Stopped) -> End {
        match stopped {
            Stopped::Slow => slow_consumer(),
            Stopped::ShuttingDown => self.shutting_down(),
            Stopped::Gone => End::Gone,
        }
    }

    /// Adds an encoded frame to the socket's buffer; it leaves at the end of this turn of
    /// the loop. Waits while the peer is not reading (backpressure), unless the
    /// connection is being torn down.
    pub(super) async fn send_text(&mut self, text: Utf8Bytes) -> Result<(), End> {
        let fed = self.socket.feed_text(text, &self.interrupts).await;
        fed.map_err(|stopped| self.stopped(stopped))
    }

    /// Encodes a frame and adds it to the socket's buffer (see [`Connection::send_text`]).
    pub(super) async fn send(&mut self, frame: &ServerFrame) -> Result<(), End> {
        self.send_text(Utf8Bytes::from(frame.encode())).await
    }

    /// Writes out what this turn of the loop fed to the socket.
    async fn flush(&mut self) -> Result<(), End> {
        let flushed = self.socket.flush(&self.interrupts).await;
        flushed.map_err(|stopped| self.stopped(stopped))
    }
}

fn slow_consumer() -> End {
    End::Close(close::SLOW_CONSUMER, "slow consumer: reconnect and resume")
}
