//! The half of a driver that is the same on every platform: it feeds the core, carries
//! out its actions through the platform's [`Io`], writes what the core reports to the
//! cache, and turns it into app events. The native (tokio) and browser drivers only
//! own the socket, the clock and the event loop.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex};

use chat_protocol::v1::{ClientFrame, ErrorCode, MessagePinned, Reaction, ServerFrame};
use tokio::sync::broadcast;

use super::TokenProvider;
use super::events::ClientEvent;
use super::room_list::RoomListSync;
use crate::cache::{Cache, CursorUpdate, MessageStatus, RoomNotice};
use crate::core::{Action, ConnectionState, Core, Event, Input, Millis};

/// What the API hands the driver.
#[derive(Debug)]
pub(crate) enum Command {
    /// Feed the core (boxed: an input can be much larger than the other commands).
    Input(Box<Input>),
    /// The app scrolled below what the cache holds: fetch the page under the floor
    /// (unless a history request for the room is already out).
    FillGap {
        /// The room whose older messages the app scrolled to.
        room_id: String,
        /// Page size.
        limit: u32,
    },
    /// Stop the driver (the socket is closed).
    Shutdown,
}

/// State the API and the driver share.
pub(crate) struct Shared {
    pub(crate) cache: Mutex<Cache>,
    pub(crate) me: Mutex<Option<String>>,
    /// The current access token, for REST calls.
    pub(crate) token: Mutex<Option<String>>,
    pub(crate) state: Mutex<ConnectionState>,
    pub(crate) events: broadcast::Sender<ClientEvent>,
    /// The app's provider of fresh tokens (an external auth service).
    pub(crate) token_provider: Mutex<Option<Arc<dyn TokenProvider>>>,
    /// The built-in accounts' refresh token of the current session, if any.
    pub(crate) refresh_token: Mutex<Option<String>>,
    /// Uses `refresh_token` when the app set no provider.
    pub(crate) refresher: std::sync::OnceLock<Arc<dyn TokenProvider>>,
    /// The newest whole session: the app's, or the refresher's after a renewal. What
    /// the app should have stored, readable at any time (the renewal event can be
    /// missed by a subscriber that lags).
    pub(crate) session: Mutex<Option<super::Session>>,
    /// Reads the room list after each connection goes live.
    pub(crate) room_list_sync: std::sync::OnceLock<Arc<RoomListSync>>,
    /// Uploads the files of pending messages.
    pub(crate) uploader: std::sync::OnceLock<Arc<super::uploads::Uploader>>,
    /// What register and login call this device in the user's list of sign-ins.
    pub(crate) device_name: Mutex<Option<String>>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").finish_non_exhaustive()
    }
}

impl Shared {
    pub(crate) fn me(&self) -> Option<String> {
        self.me.lock().expect("me lock").clone()
    }

    /// Who supplies fresh tokens: the app's provider, else the built-in refresh of a
    /// session that has a refresh token.
    fn token_source(&self) -> Option<Arc<dyn TokenProvider>> {
        let app = self.token_provider.lock().expect("provider lock").clone();
        app.or_else(|| {
            self.refresh_token
                .lock()
                .expect("refresh lock")
                .is_some()
                .then(|| self.refresher.get().cloned())
                .flatten()
        })
    }

    pub(crate) fn emit(&self, event: ClientEvent) {
        // No subscriber is fine: the cache already holds the change.
        let _ = self.events.send(event);
    }
}

/// What a platform gives the bridge: its socket and its way to run a token request.
pub(crate) trait Io {
    /// Starts opening a socket (dropping any current one); the platform's loop feeds
    /// `SocketOpened` or `SocketFailed` when it is done.
    fn open_socket(&mut self);
    /// Closes the socket (and stops an opening one).
    fn close_socket(&mut self);
    /// Whether a socket is open.
    fn has_socket(&self) -> bool;
    /// Sends one text frame; an error means the connection is gone.
    fn send(&mut self, text: String) -> impl Future<Output = Result<(), String>>;
    /// Asks `provider` for a fresh token off the loop; the loop feeds `Token` with it.
    fn refresh_token(&mut self, provider: Arc<dyn TokenProvider>);
    /// Runs `sync` off the loop (it writes the cache and tells the app itself);
    /// `recounted`: after a block, the summaries read replace those held.
    fn sync_room_list(&mut self, sync: Arc<RoomListSync>, recounted: bool);
}

/// The core, the cache writes and the app events of one client.
pub(crate) struct Bridge {
    core: Core,
    shared: Arc<Shared>,
    pending: VecDeque<Input>,
    wake: Option<Millis>,
    /// `before_seq` of each history request on the current connection, per room, in
    /// the order sent (answers come in the same order).
    history_requests: HashMap<String, VecDeque<Option<u64>>>,
}

impl Bridge {
    pub(crate) fn new(core: Core, shared: Arc<Shared>) -> Self {
        Self {
            core,
            shared,
            pending: VecDeque::new(),
            wake: None,
            history_requests: HashMap::new(),
        }
    }

    /// When the core next wants a `Tick`, if it does.
    pub(crate) fn wake(&self) -> Option<Millis> {
        self.wake
    }

    /// The input a command from the API stands for; `None` when there is nothing to do,
    /// or for `Shutdown` (the caller checks that first).
    pub(crate) fn command(&mut self, command: Command) -> Option<Input> {
        match command {
            Command::Input(input) => Some(*input),
            Command::FillGap { room_id, limit } => self.gap_request(room_id, limit),
            Command::Shutdown => None,
        }
    }

    /// Feeds one input to the core and carries out everything that follows, at the
    /// times `now` reads.
    pub(crate) async fn handle(
        &mut self,
        input: Input,
        io: &mut impl Io,
        now: impl Fn() -> Millis,
    ) {
        if matches!(input, Input::Tick) {
            self.wake = None;
        }
        // REST calls use the newest token too, whichever way it came (the app's
        // `set_session`, or its provider after a refusal or for a renewal).
        if let Input::Token(token) = &input {
            *self.shared.token.lock().expect("token lock") = Some(token.clone());
        }
        let left_room = match &input {
            Input::LeaveRoom(room_id) => Some(room_id.clone()),
            _ => None,
        };
        self.pending.push_back(input);
        while let Some(input) = self.pending.pop_front() {
            for action in self.core.handle(now(), input) {
                self.execute(action, io).await;
            }
        }
        // Forgotten once the core has stopped following the room, so that no event
        // still in flight can bring it back.
        if let Some(room_id) = left_room
            && let Err(e) = self
                .shared
                .cache
                .lock()
                .expect("cache lock")
                .forget_room(&room_id)
        {
            tracing::error!(error = %e, "could not forget a left room");
        }
    }

    async fn execute(&mut self, action: Action, io: &mut impl Io) {
        match action {
            Action::OpenSocket => {
                self.history_requests.clear();
                io.open_socket();
            }
            Action::CloseSocket => io.close_socket(),
            Action::Send(frame) => {
                if !io.has_socket() {
                    return;
                }
                if let ClientFrame::History {
                    room_id,
                    before_seq,
                    ..
                } = &frame
                {
                    self.history_requests
                        .entry(room_id.to_string())
                        .or_default()
                        .push_back(*before_seq);
                }
                if let Err(why) = io.send(frame.encode()).await {
                    self.pending.push_back(Input::SocketFailed(why));
                }
            }
            Action::WakeAt(at) => self.wake = Some(at),
            // Both ask the token source; with none, a refused token waits for
            // `set_session`, and an expiring one is refused at expiry like any other.
            Action::Emit(Event::TokenNeeded | Event::TokenRenewalDue) => {
                if let Some(provider) = self.shared.token_source() {
                    io.refresh_token(provider);
                }
            }
            Action::Emit(event) => {
                // Once live, the list is read again: whatever changed while away; and
                // uploads that failed for want of a network go again at once.
                let connected = matches!(&event, Event::State(ConnectionState::Connected));
                if connected && let Some(uploader) = self.shared.uploader.get() {
                    uploader.kick();
                }
                let blocks_changed = self.on_event(event);
                if (connected || blocks_changed)
                    && let Some(sync) = self.shared.room_list_sync.get()
                {
                    // After a block made on another device, the counts held were made
                    // with the old block list: the list read replaces them.
                    io.sync_room_list(Arc::clone(sync), blocks_changed);
                }
            }
        }
    }

    /// Writes what the core reports to the cache, then tells the app. Returns whether
    /// the user's block list changed (the room list is to be recounted).
    fn on_event(&mut self, event: Event) -> bool {
        let me = self.shared.me().unwrap_or_default();
        let shared = Arc::clone(&self.shared);
        let mut cache = shared.cache.lock().expect("cache lock");
        let mut list_changed = None;
        let mut blocks_changed = false;
        let stored = match event {
            // A block made on any device of the user, this one included (whichever of the
            // REST answer and this frame comes first changes the cache; the other is a
            // no-op).
            Event::Received(ServerFrame::BlockChanged { user_id, blocked }) => {
                cache.set_blocked(&user_id, blocked).map(|changed| {
                    blocks_changed = changed;
                    changed.then_some(ClientEvent::BlocksChanged)
                })
            }
            Event::State(state) => {
                *self.shared.state.lock().expect("state lock") = state.clone();
                Ok(Some(ClientEvent::Connection { state }))
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
                    .and_then(|()| room_list_seen(&mut cache, &frame, &me))
                {
                    Ok(changed) => {
                        list_changed = changed;
                        app_event(&cache, &me, frame)
                    }
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
            Event::ChangeDone {
                client_msg_id,
                room_id: _,
            } => cache
                .finish_change(&client_msg_id)
                .and_then(|target| message_event(&cache, &me, target)),
            Event::ChangeFailed {
                client_msg_id,
                room_id,
                code,
                message,
            } => cache.finish_change(&client_msg_id).map(|message_id| {
                Some(ClientEvent::ChangeFailed {
                    room_id,
                    change_id: client_msg_id,
                    message_id,
                    code,
                    message,
                })
            }),
            Event::Amended {
                client_msg_id,
                edit_id,
                content,
            } => {
                let room_id = cache.outbox_room(&client_msg_id);
                cache
                    .amended(&client_msg_id, &edit_id, &content)
                    .and(room_id)
                    .map(|room_id| {
                        Some(ClientEvent::Status {
                            room_id: room_id.unwrap_or_default(),
                            client_msg_id,
                            status: Some(MessageStatus::Pending),
                        })
                    })
            }
            Event::MembershipEnded { room_id, reason } => {
                cache.membership_ended(&room_id).map(|()| {
                    list_changed = Some(room_id.clone());
                    Some(ClientEvent::MembershipEnded { room_id, reason })
                })
            }
            Event::NotSent(frame) => Ok(Some(ClientEvent::Error {
                code: ErrorCode::Unavailable,
                message: "not connected; the request was not sent".into(),
                reference: frame.reference().map(str::to_owned),
            })),
            // Handled in `execute`: it needs the platform.
            Event::TokenNeeded | Event::TokenRenewalDue => Ok(None),
        };
        drop(cache);
        match stored {
            Ok(Some(event)) => self.shared.emit(event),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "local cache write failed"),
        }
        if let Some(room_id) = list_changed {
            self.shared.emit(ClientEvent::RoomListChanged {
                room_id: Some(room_id),
            });
        }
        blocks_changed
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
                    .get_mut(room_id.as_str())
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
            Input::Request(ClientFrame::History {
                room_id: room_id.into(),
                before_seq: Some(floor + 1),
                limit,
            })
        })
    }
}

/// Writes a frame's change to the room list (a summary from the server, or a room event
/// that moves one on); returns the room whose summary changed.
fn room_list_seen(
    cache: &mut Cache,
    frame: &ServerFrame,
    me: &str,
) -> crate::cache::Result<Option<String>> {
    match frame {
        ServerFrame::RoomUpdated(summary) => {
            let room_id = summary.room_id.to_string();
            cache.put_room_summary(summary.clone(), me)?;
            Ok(Some(room_id))
        }
        _ => Ok(cache
            .room_event_seen(frame, me)?
            .map(|summary| summary.room_id.to_string())),
    }
}

/// The room a room event concerns.
fn frame_room(frame: &ServerFrame) -> Option<&str> {
    match frame {
        ServerFrame::Message(m) => Some(&m.room_id),
        ServerFrame::MessageEdited { room_id, .. }
        | ServerFrame::MessageDeleted { room_id, .. }
        | ServerFrame::RoomJoined { room_id, .. } => Some(room_id),
        ServerFrame::MemberChanged(m) => Some(&m.room_id),
        ServerFrame::RoomChanged(r) => Some(&r.room_id),
        _ => None,
    }
}

/// The app event for a frame that was just applied to the cache.
/// The app's event for a message that changed, if it is cached.
fn message_event(
    cache: &Cache,
    me: &str,
    message_id: Option<String>,
) -> crate::cache::Result<Option<ClientEvent>> {
    Ok(match message_id {
        Some(id) => cache
            .message_by_id(&id, me)?
            .map(|message| ClientEvent::Message { message }),
        None => None,
    })
}

fn app_event(
    cache: &Cache,
    me: &str,
    frame: ServerFrame,
) -> crate::cache::Result<Option<ClientEvent>> {
    Ok(match frame {
        ServerFrame::Message(m) => cache
            .message_by_id(&m.message_id, me)?
            .map(|message| ClientEvent::Message { message }),
        ServerFrame::MessageEdited { message_id, .. }
        | ServerFrame::MessageDeleted { message_id, .. }
        | ServerFrame::Reaction(Reaction { message_id, .. })
        | ServerFrame::MessagePinned(MessagePinned { message_id, .. }) => cache
            .message_by_id(&message_id, me)?
            .map(|message| ClientEvent::Message { message }),
        ServerFrame::MemberChanged(_) | ServerFrame::RoomChanged(_) => {
            RoomNotice::from_frame(&frame).map(|notice| ClientEvent::Notice { notice })
        }
        ServerFrame::Typing {
            room_id,
            user_id,
            is_typing,
        } => Some(ClientEvent::Typing {
            room_id: room_id.to_string(),
            user_id: user_id.to_string(),
            is_typing,
        }),
        ServerFrame::Receipt {
            room_id,
            user_id,
            seq,
            kind,
        } => Some(ClientEvent::Receipt {
            room_id: room_id.to_string(),
            user_id: user_id.to_string(),
            seq,
            kind,
        }),
        ServerFrame::UserUpdated {
            user_id,
            username,
            display_name,
            avatar_id,
        } => Some(ClientEvent::UserUpdated {
            user_id: user_id.to_string(),
            username,
            display_name,
            avatar_id: avatar_id.map(|id| id.into_string()),
        }),
        ServerFrame::SavedChanged {
            room_id,
            message_id,
            saved,
        } => Some(ClientEvent::SavedChanged {
            room_id: room_id.to_string(),
            message_id: message_id.to_string(),
            saved,
        }),
        ServerFrame::Presence {
            user_id,
            status,
            last_seen,
        } => Some(ClientEvent::Presence {
            user_id: user_id.to_string(),
            status,
            last_seen,
        }),
        ServerFrame::RoomJoined {
            room_id, last_seq, ..
        } => Some(ClientEvent::RoomJoined {
            room_id: room_id.to_string(),
            last_seq,
        }),
        ServerFrame::History {
            room_id,
            messages,
            has_more,
        } => Some(ClientEvent::HistoryLoaded {
            room_id: room_id.to_string(),
            // A page holds at most MAX_HISTORY_LIMIT messages.
            count: u32::try_from(messages.len()).unwrap_or(u32::MAX),
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
