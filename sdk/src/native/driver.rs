//! The driver task: runs the core against a real WebSocket, a tokio clock and the
//! SQLite cache, and turns the core's events into cache writes and app events.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use chat_protocol::v1::{ErrorCode, ServerFrame};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use tokio::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::client::TokenProvider;
use super::events::ClientEvent;
use crate::cache::{Cache, CursorUpdate, MessageStatus};
use crate::core::{Action, ConnectionState, Core, Event, Input, Millis};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long opening a socket may take before it counts as failed.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one frame may take to go out before the connection counts as dead.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// What the API hands the driver.
#[derive(Debug)]
pub(super) enum Command {
    /// Feed the core.
    Input(Input),
    /// The app scrolled below what the cache holds: fetch the page under the floor
    /// (unless a history request for the room is already out).
    FillGap {
        /// The room.
        room_id: String,
        /// Page size.
        limit: u32,
    },
    /// Stop the driver (the socket is closed).
    Shutdown,
}

/// State the API and the driver share.
pub(super) struct Shared {
    pub(super) cache: Mutex<Cache>,
    pub(super) me: Mutex<Option<String>>,
    /// The current access token, for REST calls.
    pub(super) token: Mutex<Option<String>>,
    pub(super) state: Mutex<ConnectionState>,
    pub(super) events: broadcast::Sender<ClientEvent>,
    pub(super) token_provider: Mutex<Option<Arc<dyn TokenProvider>>>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").finish_non_exhaustive()
    }
}

impl Shared {
    pub(super) fn me(&self) -> Option<String> {
        self.me.lock().expect("me lock").clone()
    }

    fn emit(&self, event: ClientEvent) {
        // No subscriber is fine: the cache already holds the change.
        let _ = self.events.send(event);
    }
}

/// Where the WebSocket connects, and the TLS configuration for `wss://`.
pub(super) struct Endpoint {
    /// The WebSocket URL (`ws://` or `wss://`).
    pub url: String,
    /// Shared with the REST client.
    pub tls: Arc<rustls::ClientConfig>,
}

/// The driver's own state besides the core.
struct Driver {
    core: Core,
    shared: Arc<Shared>,
    endpoint: Endpoint,
    socket: Option<Socket>,
    opening: Option<JoinHandle<Result<Socket, String>>>,
    wake: Option<Millis>,
    start: Instant,
    pending: VecDeque<Input>,
    tokens: mpsc::UnboundedSender<String>,
    /// `before_seq` of each history request on the current connection, per room, in
    /// the order sent (answers come in the same order).
    history_requests: std::collections::HashMap<String, VecDeque<Option<u64>>>,
}

/// Runs until [`Command::Shutdown`] or until every API handle is dropped.
pub(super) async fn run(
    core: Core,
    shared: Arc<Shared>,
    endpoint: Endpoint,
    mut commands: mpsc::UnboundedReceiver<Command>,
) {
    let (tokens, mut fresh_tokens) = mpsc::unbounded_channel();
    let mut driver = Driver {
        core,
        shared,
        endpoint,
        socket: None,
        opening: None,
        wake: None,
        start: Instant::now(),
        pending: VecDeque::new(),
        tokens,
        history_requests: std::collections::HashMap::new(),
    };
    loop {
        let input = tokio::select! {
            command = commands.recv() => match command {
                Some(Command::Input(input)) => input,
                Some(Command::FillGap { room_id, limit }) => match driver.gap_request(room_id, limit) {
                    Some(input) => input,
                    None => continue,
                },
                Some(Command::Shutdown) | None => break,
            },
            opened = async { driver.opening.as_mut().expect("guarded").await }, if driver.opening.is_some() => {
                driver.opening = None;
                match opened {
                    Ok(Ok(socket)) => {
                        driver.socket = Some(socket);
                        Input::SocketOpened
                    }
                    Ok(Err(why)) => Input::SocketFailed(why),
                    Err(e) => Input::SocketFailed(e.to_string()),
                }
            },
            received = async { driver.socket.as_mut().expect("guarded").next().await }, if driver.socket.is_some() => {
                match received {
                    Some(Ok(WsMessage::Text(text))) => match ServerFrame::decode(text.as_str()) {
                        Ok(frame) => Input::Frame(frame),
                        Err(e) => {
                            tracing::warn!(error = %e, "undecodable frame ignored");
                            continue;
                        }
                    },
                    Some(Ok(WsMessage::Close(frame))) => {
                        driver.socket = None;
                        let (code, reason) = frame
                            .map(|f| (Some(u16::from(f.code)), f.reason.to_string()))
                            .unwrap_or((None, String::new()));
                        Input::SocketClosed { code, reason }
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => {
                        driver.socket = None;
                        Input::SocketFailed(e.to_string())
                    }
                    None => {
                        driver.socket = None;
                        Input::SocketClosed { code: None, reason: String::new() }
                    }
                }
            },
            () = sleep_until(driver.start, driver.wake), if driver.wake.is_some() => {
                driver.wake = None;
                Input::Tick
            },
            Some(token) = fresh_tokens.recv() => Input::Token(token),
        };
        let left_room = match &input {
            Input::LeaveRoom(room_id) => Some(room_id.clone()),
            _ => None,
        };
        driver.pending.push_back(input);
        driver.drain().await;
        if let Some(room_id) = left_room
            && let Err(e) = driver
                .shared
                .cache
                .lock()
                .expect("cache lock")
                .forget_room(&room_id)
        {
            tracing::error!(error = %e, "could not forget a left room");
        }
    }
    if let Some(mut socket) = driver.socket.take() {
        let _ = tokio::time::timeout(Duration::from_secs(1), socket.close(None)).await;
    }
    if let Some(opening) = driver.opening.take() {
        opening.abort();
    }
}

async fn sleep_until(start: Instant, at: Option<Millis>) {
    tokio::time::sleep_until(start + Duration::from_millis(at.unwrap_or(0))).await;
}

impl Driver {
    fn now(&self) -> Millis {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Feeds queued inputs to the core and carries out its actions (which may queue more).
    async fn drain(&mut self) {
        while let Some(input) = self.pending.pop_front() {
            let now = self.now();
            for action in self.core.handle(now, input) {
                self.execute(action).await;
            }
        }
    }

    async fn execute(&mut self, action: Action) {
        match action {
            Action::OpenSocket => {
                self.socket = None;
                self.history_requests.clear();
                if let Some(opening) = self.opening.take() {
                    opening.abort();
                }
                let url = self.endpoint.url.clone();
                let tls = tokio_tungstenite::Connector::Rustls(Arc::clone(&self.endpoint.tls));
                self.opening = Some(tokio::spawn(async move {
                    let connect = tokio_tungstenite::connect_async_tls_with_config(
                        url,
                        None,
                        true,
                        Some(tls),
                    );
                    match tokio::time::timeout(OPEN_TIMEOUT, connect).await {
                        Ok(Ok((socket, _))) => Ok(socket),
                        Ok(Err(e)) => Err(e.to_string()),
                        Err(_) => Err("timed out opening the connection".into()),
                    }
                }));
            }
            Action::CloseSocket => {
                if let Some(opening) = self.opening.take() {
                    opening.abort();
                }
                if let Some(mut socket) = self.socket.take() {
                    tokio::spawn(async move {
                        let _ =
                            tokio::time::timeout(Duration::from_secs(1), socket.close(None)).await;
                    });
                }
            }
            Action::Send(frame) => {
                let Some(socket) = self.socket.as_mut() else {
                    return;
                };
                if let chat_protocol::v1::ClientFrame::History {
                    room_id,
                    before_seq,
                    ..
                } = &frame
                {
                    self.history_requests
                        .entry(room_id.clone())
                        .or_default()
                        .push_back(*before_seq);
                }
                // A dead path with full buffers must not freeze the driver: bound the send.
                let sent = tokio::time::timeout(
                    SEND_TIMEOUT,
                    socket.send(WsMessage::text(frame.encode())),
                )
                .await;
                let failure = match sent {
                    Ok(Ok(())) => None,
                    Ok(Err(e)) => Some(e.to_string()),
                    Err(_) => Some("sending timed out".to_owned()),
                };
                if let Some(why) = failure {
                    self.socket = None;
                    self.pending.push_back(Input::SocketFailed(why));
                }
            }
            Action::WakeAt(at) => self.wake = Some(at),
            Action::Emit(event) => self.on_event(event),
        }
    }

    /// Writes what the core reports to the cache, then tells the app.
    fn on_event(&mut self, event: Event) {
        let me = self.shared.me().unwrap_or_default();
        let shared = Arc::clone(&self.shared);
        let mut cache = shared.cache.lock().expect("cache lock");
        let stored = match event {
            Event::State(state) => {
                *self.shared.state.lock().expect("state lock") = state.clone();
                Ok(Some(ClientEvent::Connection(state)))
            }
            Event::Received(frame) => {
                let room = frame_room(&frame).map(str::to_owned);
                let cursor = room.as_deref().and_then(|room_id| {
                    self.core
                        .cursor(room_id)
                        .map(|cursor| CursorUpdate { room_id, cursor })
                });
                match cache
                    .apply(&frame, cursor)
                    .and_then(|()| self.track_floor(&mut cache, &frame))
                {
                    Ok(()) => app_event(&cache, &me, frame),
                    Err(e) => {
                        // Nothing was stored, cursor included: resume the room from the
                        // saved cursor so that the event comes again.
                        tracing::error!(error = %e, "local cache write failed; resyncing the room");
                        if let Some(room_id) = room {
                            let since_seq = cache.cursor(&room_id).ok().flatten();
                            self.pending
                                .push_back(Input::JoinRoom { room_id, since_seq });
                        }
                        Ok(None)
                    }
                }
            }
            Event::Sent {
                client_msg_id,
                room_id,
                message_id,
                seq,
                created_at,
            } => {
                let cursor = self.core.cursor(&room_id).map(|cursor| CursorUpdate {
                    room_id: &room_id,
                    cursor,
                });
                cache
                    .sent(&client_msg_id, &me, &message_id, seq, created_at, cursor)
                    .map(|()| {
                        Some(ClientEvent::Status {
                            room_id: room_id.clone(),
                            client_msg_id,
                            status: Some(MessageStatus::Sent),
                        })
                    })
            }
            Event::SendFailed {
                client_msg_id,
                code,
                message,
            } => {
                let room_id = cache.outbox_room(&client_msg_id);
                cache
                    .failed(&client_msg_id, code, &message)
                    .and(room_id)
                    .map(|room_id| {
                        Some(ClientEvent::Status {
                            room_id: room_id.unwrap_or_default(),
                            client_msg_id,
                            status: Some(MessageStatus::Failed { code, message }),
                        })
                    })
            }
            Event::Cancelled(client_msg_id) => {
                let room_id = cache.outbox_room(&client_msg_id);
                cache.cancelled(&client_msg_id).and(room_id).map(|room_id| {
                    Some(ClientEvent::Status {
                        room_id: room_id.unwrap_or_default(),
                        client_msg_id,
                        status: None,
                    })
                })
            }
            Event::NotSent(frame) => Ok(Some(ClientEvent::Error {
                code: ErrorCode::Unavailable,
                message: "not connected; the request was not sent".into(),
                reference: frame.reference().map(str::to_owned),
            })),
            Event::TokenNeeded => {
                drop(cache);
                self.refresh_token();
                return;
            }
        };
        drop(cache);
        match stored {
            Ok(Some(event)) => self.shared.emit(event),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "local cache write failed"),
        }
    }

    /// Keeps the room's floor (see `cache::floor`) in step with joins and history pages.
    fn track_floor(&mut self, cache: &mut Cache, frame: &ServerFrame) -> crate::cache::Result<()> {
        match frame {
            ServerFrame::RoomJoined { room_id, .. } => match self.core.cursor(room_id) {
                Some(cursor) => cache.joined_at(room_id, cursor),
                None => Ok(()),
            },
            ServerFrame::History {
                room_id,
                messages,
                has_more,
            } => {
                let asked = self
                    .history_requests
                    .get_mut(room_id)
                    .and_then(VecDeque::pop_front);
                match asked {
                    Some(before_seq) => cache.history_stored(
                        room_id,
                        before_seq,
                        messages.first().map(|m| m.seq),
                        *has_more,
                    ),
                    None => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }

    /// The history request that fills the gap under a room's floor, if one is needed and
    /// none is out already.
    fn gap_request(&mut self, room_id: String, limit: u32) -> Option<Input> {
        if self
            .history_requests
            .get(&room_id)
            .is_some_and(|asked| !asked.is_empty())
        {
            return None;
        }
        let floor = self
            .shared
            .cache
            .lock()
            .expect("cache lock")
            .floor(&room_id)
            .ok()
            .flatten()?;
        (floor > 0).then(|| {
            Input::Request(chat_protocol::v1::ClientFrame::History {
                room_id,
                before_seq: Some(floor + 1),
                limit,
            })
        })
    }

    /// Asks the app's token provider for a fresh token, off the driver loop.
    fn refresh_token(&self) {
        let provider = self
            .shared
            .token_provider
            .lock()
            .expect("provider lock")
            .clone();
        let Some(provider) = provider else { return };
        let tokens = self.tokens.clone();
        tokio::spawn(async move {
            if let Some(token) = provider.fresh_token().await {
                let _ = tokens.send(token);
            }
        });
    }
}

/// The room a room event concerns.
fn frame_room(frame: &ServerFrame) -> Option<&str> {
    match frame {
        ServerFrame::Message(m) => Some(&m.room_id),
        ServerFrame::MessageEdited { room_id, .. }
        | ServerFrame::MessageDeleted { room_id, .. }
        | ServerFrame::RoomJoined { room_id, .. } => Some(room_id),
        _ => None,
    }
}

/// The app event for a frame that was just applied to the cache.
fn app_event(
    cache: &Cache,
    me: &str,
    frame: ServerFrame,
) -> crate::cache::Result<Option<ClientEvent>> {
    Ok(match frame {
        ServerFrame::Message(m) => cache
            .message_by_id(&m.message_id, me)?
            .map(ClientEvent::Message),
        ServerFrame::MessageEdited { message_id, .. }
        | ServerFrame::MessageDeleted { message_id, .. } => cache
            .message_by_id(&message_id, me)?
            .map(ClientEvent::Message),
        ServerFrame::Typing {
            room_id,
            user_id,
            is_typing,
        } => Some(ClientEvent::Typing {
            room_id,
            user_id,
            is_typing,
        }),
        ServerFrame::Receipt {
            room_id,
            user_id,
            seq,
            kind,
        } => Some(ClientEvent::Receipt {
            room_id,
            user_id,
            seq,
            kind,
        }),
        ServerFrame::Presence {
            user_id,
            status,
            last_seen,
        } => Some(ClientEvent::Presence {
            user_id,
            status,
            last_seen,
        }),
        ServerFrame::RoomJoined {
            room_id, last_seq, ..
        } => Some(ClientEvent::RoomJoined { room_id, last_seq }),
        ServerFrame::History {
            room_id,
            messages,
            has_more,
        } => Some(ClientEvent::HistoryLoaded {
            room_id,
            count: messages.len(),
            has_more,
        }),
        ServerFrame::Error {
            code,
            message,
            reference,
        } => Some(ClientEvent::Error {
            code,
            message,
            reference,
        }),
        _ => None,
    })
}
