//! The client state machine: connection lifecycle, resume, outbox flow, typing and
//! receipts. [`Core::handle`] takes one input at a given time and returns the actions.

use std::collections::{BTreeMap, HashMap};

use chat_protocol::v1::{ClientFrame, ErrorCode, LeaveReason, ReceiptKind, ServerFrame};

use super::io::{Action, ConnectionState, DisconnectReason, Event, Input};
use super::outbox::{Change, Outbox, Queued, Refusal, Target};
use super::renewal::Renewal;
use super::{Backoff, BackoffPolicy, Millis, Rng, TypingPolicy, TypingThrottle};

/// Timing and limits of the core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreConfig {
    /// Reconnect schedule.
    pub backoff: BackoffPolicy,
    /// Typing indicator timing.
    pub typing: TypingPolicy,
    /// Send `ping` when nothing was sent for this long.
    pub ping_every_ms: u64,
    /// Count the connection as dead when nothing was heard for this long.
    pub dead_after_ms: u64,
    /// Opening the socket plus authenticating may take this long.
    pub connect_timeout_ms: u64,
    /// Delivered receipts are gathered for this long, then sent as one per room.
    pub delivered_receipt_delay_ms: u64,
    /// Messages fetched when a room is joined with an empty cache.
    pub initial_history: u32,
}

impl Default for CoreConfig {
    fn default() -> Self {
        Self {
            backoff: BackoffPolicy::default(),
            typing: TypingPolicy::default(),
            ping_every_ms: 15_000,
            dead_after_ms: 40_000,
            connect_timeout_ms: 10_000,
            delivered_receipt_delay_ms: 250,
            initial_history: 50,
        }
    }
}

/// Where the socket is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Phase {
    /// No socket, no timer.
    Idle,
    /// Waiting to open the next socket at this time.
    Waiting { until: Millis },
    /// Socket requested or open, `authenticate` not yet answered.
    Connecting { since: Millis },
    /// Authenticated.
    Live {
        last_heard: Millis,
        last_sent: Millis,
    },
}

/// One room this client follows.
#[derive(Debug, Clone, Default)]
pub(super) struct RoomSync {
    /// Highest seq held; the next join resumes after it.
    pub(super) cursor: Option<u64>,
    /// Highest seq of someone else's message not yet receipted as delivered.
    pub(super) delivered_due: Option<u64>,
    /// Read position the server has not been told yet.
    pub(super) read_due: Option<u64>,
    /// Joined with an empty cache: fetch the newest page of history once joined.
    pub(super) fetch_latest: bool,
}

/// The client core. Drivers feed it [`Input`]s and carry out its [`Action`]s.
#[derive(Debug)]
pub struct Core {
    pub(super) config: CoreConfig,
    pub(super) state: ConnectionState,
    pub(super) phase: Phase,
    /// Whether the app wants a connection (reconnects only then).
    pub(super) wanted: bool,
    pub(super) token: Option<String>,
    pub(super) user_id: Option<String>,
    pub(super) backoff: Backoff,
    pub(super) rng: Rng,
    pub(super) rooms: BTreeMap<String, RoomSync>,
    /// Read positions the app set while offline for rooms this client does not follow
    /// (read from the room list): sent once live, so that the server, and the user's
    /// other devices, hear of them. Kept in memory only.
    pub(super) list_reads: BTreeMap<String, u64>,
    pub(super) outbox: Outbox,
    pub(super) typing: HashMap<String, TypingThrottle>,
    /// Set by `server_shutdown`: the wait before the next attempt.
    pub(super) server_asked_delay: Option<u64>,
    /// When delivered receipts are next due.
    pub(super) receipts_at: Option<Millis>,
    /// Rooms whose `join_room` is not answered yet on this connection: an `error` about
    /// one of them answers the join.
    pub(super) joining: std::collections::HashSet<String>,
    /// After a refused token: no new attempt before this time, even with a fresh token.
    pub(super) token_retry_at: Millis,
    /// Renewal of the token on the live connection.
    pub(super) renewal: Renewal,
    /// `ping`s sent and `pong`s received on this connection: a change is done once the
    /// pong of the ping sent behind it is back.
    pub(super) pings_sent: u64,
    pub(super) pongs_seen: u64,
}

impl Core {
    /// A core with an access token (if the app has one) and a jitter seed.
    pub fn new(config: CoreConfig, token: Option<String>, seed: u64) -> Self {
        Self {
            backoff: Backoff::new(config.backoff.clone()),
            config,
            state: ConnectionState::Disconnected,
            phase: Phase::Idle,
            wanted: false,
            token,
            user_id: None,
            rng: Rng::new(seed),
            rooms: BTreeMap::new(),
            list_reads: BTreeMap::new(),
            outbox: Outbox::default(),
            typing: HashMap::new(),
            server_asked_delay: None,
            receipts_at: None,
            joining: std::collections::HashSet::new(),
            token_retry_at: 0,
            renewal: Renewal::default(),
            pings_sent: 0,
            pongs_seen: 0,
        }
    }

    /// The connection state the app sees.
    pub fn state(&self) -> &ConnectionState {
        &self.state
    }

    /// The authenticated user, once known.
    pub fn user_id(&self) -> Option<&str> {
        self.user_id.as_deref()
    }

    /// Messages not yet stored by the server (including failed ones).
    pub fn outbox_len(&self) -> usize {
        self.outbox.len()
    }

    /// The highest seq held for a followed room.
    pub fn cursor(&self, room_id: &str) -> Option<u64> {
        self.rooms.get(room_id).and_then(|r| r.cursor)
    }

    /// Handles one input at time `now`; returns what the driver must do, in order. The
    /// last action is always the next [`Action::WakeAt`], if any timer is pending.
    pub fn handle(&mut self, now: Millis, input: Input) -> Vec<Action> {
        let mut out = Vec::new();
        match input {
            Input::Connect => self.connect(now, &mut out),
            Input::Disconnect => self.disconnect(&mut out),
            Input::NetworkAvailable => {
                if matches!(self.phase, Phase::Waiting { .. }) {
                    self.backoff.reset();
                    self.open(now, &mut out);
                }
            }
            Input::Token(token) => {
                self.token = Some(token.clone());
                if self.is_live() {
                    self.renew_with(now, token, &mut out);
                } else if self.wanted && matches!(self.state, ConnectionState::NeedsToken { .. }) {
                    if now >= self.token_retry_at {
                        self.open(now, &mut out);
                    } else {
                        self.phase = Phase::Waiting {
                            until: self.token_retry_at,
                        };
                    }
                }
            }
            Input::SocketOpened => {
                if let (Phase::Connecting { .. }, Some(token)) = (&self.phase, &self.token) {
                    out.push(Action::Send(ClientFrame::Authenticate {
                        token: token.clone(),
                    }));
                }
            }
            Input::SocketClosed { code, reason } => {
                let reason = DisconnectReason::Closed { code, reason };
                self.connection_lost(now, reason, &mut out);
            }
            Input::SocketFailed(why) => {
                self.connection_lost(now, DisconnectReason::Failed { detail: why }, &mut out);
            }
            Input::Frame(frame) => self.on_frame(now, frame, &mut out),
            Input::Tick => self.on_tick(now, &mut out),
            Input::JoinRoom { room_id, since_seq } => {
                let room = self.rooms.entry(room_id.clone()).or_default();
                room.cursor = since_seq;
                room.fetch_latest = since_seq.is_none();
                if self.is_live() {
                    self.send_join(now, room_id, since_seq, &mut out);
                }
            }
            Input::LeaveRoom(room_id) => {
                self.typing.remove(&room_id);
                if self.rooms.remove(&room_id).is_some() && self.is_live() {
                    self.send(
                        now,
                        ClientFrame::LeaveRoom {
                            room_id: room_id.into(),
                        },
                        &mut out,
                    );
                }
            }
            Input::Enqueue(entry) => {
                let amendment = match &entry.change {
                    Change::Edit {
                        target: Target::Pending(id),
                        content,
                    } => Some((id.clone(), content.clone())),
                    _ => None,
                };
                let pending_target = match entry.change.target() {
                    Some(Target::Pending(id)) => Some(id.clone()),
                    _ => None,
                };
                let change_id = entry.client_msg_id.clone();
                match self.outbox.enqueue(entry) {
                    Queued::Queued => {}
                    Queued::Amended => {
                        if let Some((client_msg_id, content)) = amendment {
                            out.push(Action::Emit(Event::Amended {
                                client_msg_id,
                                edit_id: change_id,
                                content,
                            }));
                        }
                    }
                    Queued::Withdrawn => {
                        // The send first: until the delete leaves too, it hides the
                        // message, so the app never sees it come back in between.
                        if let Some(id) = pending_target {
                            out.push(Action::Emit(Event::Cancelled(id)));
                        }
                        out.push(Action::Emit(Event::Cancelled(change_id)));
                    }
                }
                self.flush_outbox(now, &mut out);
            }
            Input::Restore(entry) => {
                self.outbox.restore(entry);
                self.flush_outbox(now, &mut out);
            }
            Input::EnqueueFailed(message) => self.outbox.enqueue_failed(message),
            Input::Uploaded {
                client_msg_id,
                attachment_ids,
            } => {
                if self.outbox.uploaded(&client_msg_id, attachment_ids) {
                    self.flush_outbox(now, &mut out);
                }
            }
            Input::UploadRefused {
                client_msg_id,
                code,
                message,
            } => {
                if self.outbox.upload_refused(&client_msg_id) {
                    out.push(Action::Emit(Event::SendFailed {
                        client_msg_id,
                        code,
                        message,
                    }));
                    self.flush_outbox(now, &mut out);
                }
            }
            Input::Cancel(client_msg_id) => {
                if self.outbox.cancel(&client_msg_id) {
                    out.push(Action::Emit(Event::Cancelled(client_msg_id)));
                }
            }
            Input::Retry(client_msg_id) => {
                if self.outbox.retry(&client_msg_id) {
                    self.flush_outbox(now, &mut out);
                }
            }
            Input::Keystroke(room_id) => {
                if self.is_live() && self.rooms.contains_key(&room_id) {
                    let policy = self.config.typing.clone();
                    let throttle = self
                        .typing
                        .entry(room_id.clone())
                        .or_insert_with(|| TypingThrottle::new(policy));
                    if let Some(is_typing) = throttle.keystroke(now) {
                        self.send_typing(now, room_id, is_typing, &mut out);
                    }
                }
            }
            Input::StopTyping(room_id) => {
                if let Some(is_typing) =
                    self.typing.get_mut(&room_id).and_then(TypingThrottle::stop)
                    && self.is_live()
                {
                    self.send_typing(now, room_id, is_typing, &mut out);
                }
            }
            Input::Request(frame) => {
                if self.is_live() {
                    self.send(now, frame, &mut out);
                } else {
                    out.push(Action::Emit(Event::NotSent(frame)));
                }
            }
            Input::MarkRead { room_id, seq } => {
                if let Some(room) = self.rooms.get_mut(&room_id) {
                    room.read_due = Some(room.read_due.map_or(seq, |r| r.max(seq)));
                    self.flush_receipts(now, true, &mut out);
                } else {
                    // A room read from the list, not followed here: told at once, or
                    // once live.
                    let read = self.list_reads.entry(room_id).or_insert(seq);
                    *read = (*read).max(seq);
                    self.flush_receipts(now, false, &mut out);
                }
            }
        }
        if let Some(at) = self.next_deadline() {
            out.push(Action::WakeAt(at));
        }
        out
    }

    pub(super) fn is_live(&self) -> bool {
        matches!(self.phase, Phase::Live { .. })
    }

    /// Queues a frame and notes the time (for the heartbeat).
    /// Tells the server the user started or stopped typing in `room_id`.
    fn send_typing(
        &mut self,
        now: Millis,
        room_id: String,
        is_typing: bool,
        out: &mut Vec<Action>,
    ) {
        let room_id = room_id.into();
        self.send(now, ClientFrame::Typing { room_id, is_typing }, out);
    }

    pub(super) fn send(&mut self, now: Millis, frame: ClientFrame, out: &mut Vec<Action>) {
        if let Phase::Live { last_sent, .. } = &mut self.phase {
            *last_sent = now;
        }
        if frame == ClientFrame::Ping {
            self.pings_sent += 1;
        }
        out.push(Action::Send(frame));
    }

    pub(super) fn set_state(&mut self, state: ConnectionState, out: &mut Vec<Action>) {
        if self.state != state {
            self.state = state.clone();
            out.push(Action::Emit(Event::State(state)));
        }
    }

    /// Sends `join_room` and remembers that it awaits an answer.
    pub(super) fn send_join(
        &mut self,
        now: Millis,
        room_id: String,
        since_seq: Option<u64>,
        out: &mut Vec<Action>,
    ) {
        self.joining.insert(room_id.clone());
        self.send(
            now,
            ClientFrame::JoinRoom {
                room_id: room_id.into(),
                since_seq,
            },
            out,
        );
    }

    /// Sends what the outbox has ready.
    pub(super) fn flush_outbox(&mut self, now: Millis, out: &mut Vec<Action>) {
        if !self.is_live() {
            return;
        }
        let (ready, orphans) = self.outbox.take_ready(now);
        for id in orphans {
            // Its message left the outbox unsent (cancelled or failed).
            out.push(Action::Emit(Event::Cancelled(id)));
        }
        for entry in ready {
            let Some(frame) = entry.frame() else {
                continue;
            };
            self.send(now, frame, out);
            if !matches!(entry.change, Change::Send { .. }) {
                self.send(now, ClientFrame::Ping, out);
                self.outbox
                    .await_pong(&entry.client_msg_id, self.pings_sent);
            }
        }
    }

    /// Sends due receipts: read ones at once, delivered ones once their delay is over
    /// (`force` sends everything due).
    pub(super) fn flush_receipts(&mut self, now: Millis, force: bool, out: &mut Vec<Action>) {
        if !self.is_live() {
            return;
        }
        let delivered_now = force || self.receipts_at.is_some_and(|at| at <= now);
        let mut frames = Vec::new();
        for (room_id, seq) in std::mem::take(&mut self.list_reads) {
            frames.push(ClientFrame::Receipt {
                room_id: room_id.into(),
                seq,
                kind: ReceiptKind::Read,
            });
        }
        for (room_id, room) in &mut self.rooms {
            if let Some(seq) = room.read_due.take() {
                frames.push(ClientFrame::Receipt {
                    room_id: room_id.clone().into(),
                    seq,
                    kind: ReceiptKind::Read,
                });
                // Read implies delivered.
                if room.delivered_due.is_some_and(|d| d <= seq) {
                    room.delivered_due = None;
                }
            }
            if delivered_now && let Some(seq) = room.delivered_due.take() {
                frames.push(ClientFrame::Receipt {
                    room_id: room_id.clone().into(),
                    seq,
                    kind: ReceiptKind::Delivered,
                });
            }
        }
        if delivered_now {
            self.receipts_at = None;
        }
        for frame in frames {
            self.send(now, frame, out);
        }
    }

    /// Applies a frame from the server.
    fn on_frame(&mut self, now: Millis, frame: ServerFrame, out: &mut Vec<Action>) {
        match &mut self.phase {
            Phase::Live { last_heard, .. } => *last_heard = now,
            Phase::Connecting { .. } => {}
            Phase::Idle | Phase::Waiting { .. } => return,
        }
        match frame {
            ServerFrame::Authenticated {
                ref user_id,
                server_time,
                expires_at,
                ..
            } => {
                // Once live, `authenticated` answers a renewal: nothing to resume.
                if !self.is_live() {
                    self.user_id = Some(user_id.to_string());
                    self.went_live(now, out);
                }
                self.schedule_renewal(now, server_time, expires_at);
            }
            // A renewal's token refused (such errors name no room or message).
            ServerFrame::Error {
                code: ErrorCode::Unauthorized | ErrorCode::Forbidden,
                reference: None,
                ..
            } if self.renewing() => {
                self.renewal_refused(now);
                out.push(Action::Emit(Event::Received(frame)));
            }
            ServerFrame::MessageAck {
                ref client_msg_id,
                ref room_id,
                ref message_id,
                seq,
                created_at,
            } => {
                if let Some(room) = self.rooms.get_mut(room_id.as_str()) {
                    room.cursor = Some(room.cursor.map_or(seq, |c| c.max(seq)));
                }
                if self.outbox.acked(client_msg_id, message_id).is_some() {
                    out.push(Action::Emit(Event::Sent {
                        client_msg_id: client_msg_id.clone(),
                        room_id: room_id.to_string(),
                        message_id: message_id.to_string(),
                        seq,
                        created_at,
                    }));
                }
                self.flush_outbox(now, out);
            }
            ServerFrame::Error {
                code: ErrorCode::Forbidden,
                reference: Some(ref room_id),
                ..
            } if self.joining.remove(room_id.as_str()) => {
                // No longer a member (kicked, banned or left on another device while
                // this one was away): stop following the room instead of retrying.
                let room_id = room_id.clone();
                out.push(Action::Emit(Event::Received(frame)));
                self.membership_ended(room_id, None, out);
            }
            ServerFrame::RoomLeft {
                ref room_id,
                reason: Some(reason),
            } => {
                self.joining.remove(room_id.as_str());
                let room_id = room_id.to_string();
                self.membership_ended(room_id, Some(reason), out);
            }
            ServerFrame::Error {
                code,
                reference: Some(ref room_id),
                ..
            } if self.joining.remove(room_id.as_str()) => {
                // The server has fewer events than our cursor (its database was
                // replaced): drop the cursor and join afresh, as the protocol says.
                if code == ErrorCode::InvalidRequest
                    && let Some(room) = self.rooms.get_mut(room_id.as_str())
                    && room.cursor.is_some()
                {
                    room.cursor = None;
                    room.fetch_latest = true;
                    let room_id = room_id.clone();
                    self.send_join(now, room_id, None, out);
                }
                out.push(Action::Emit(Event::Received(frame)));
            }
            ServerFrame::Error {
                code,
                ref message,
                reference: Some(ref reference),
            } if self.outbox.is_in_flight(reference) => {
                let room_id = self.outbox.room_of(reference);
                match self.outbox.refused(reference, code, now) {
                    Refusal::Failed => out.push(Action::Emit(Event::SendFailed {
                        client_msg_id: reference.clone(),
                        code,
                        message: message.clone(),
                    })),
                    Refusal::Dropped(client_msg_id) => {
                        out.push(Action::Emit(Event::ChangeFailed {
                            client_msg_id,
                            room_id: room_id.unwrap_or_default(),
                            code,
                            message: message.clone(),
                        }));
                    }
                    Refusal::Done(client_msg_id) => out.push(Action::Emit(Event::ChangeDone {
                        client_msg_id,
                        room_id: room_id.unwrap_or_default(),
                    })),
                    Refusal::WillRetry | Refusal::Unknown => {}
                }
                self.flush_outbox(now, out);
            }
            ServerFrame::ServerShutdown { reconnect_after_ms } => {
                self.server_asked_delay = Some(reconnect_after_ms);
            }
            ServerFrame::RoomJoined {
                ref room_id,
                last_seq,
                ..
            } => {
                self.joining.remove(room_id.as_str());
                // Joined without a cursor: the server delivers everything after
                // last_seq from now on, so that is where a later resume starts.
                let mut fetch = None;
                if let Some(room) = self.rooms.get_mut(room_id.as_str()) {
                    if room.cursor.is_none() {
                        room.cursor = Some(last_seq);
                    }
                    if std::mem::take(&mut room.fetch_latest) && last_seq > 0 {
                        fetch = Some(ClientFrame::History {
                            room_id: room_id.clone(),
                            before_seq: None,
                            limit: self.config.initial_history,
                        });
                    }
                }
                out.push(Action::Emit(Event::Received(frame)));
                if let Some(history) = fetch {
                    self.send(now, history, out);
                }
            }
            ServerFrame::Pong { .. } => {
                self.pongs_seen += 1;
                let done = self.outbox.pongs_seen(self.pongs_seen);
                if !done.is_empty() {
                    for entry in done {
                        out.push(Action::Emit(Event::ChangeDone {
                            client_msg_id: entry.client_msg_id,
                            room_id: entry.room_id,
                        }));
                    }
                    self.flush_outbox(now, out);
                }
            }
            ServerFrame::Unknown => {}
            other => {
                self.note_room_event(now, &other);
                out.push(Action::Emit(Event::Received(other)));
            }
        }
    }

    /// Stops following a room whose membership ended, and says so.
    fn membership_ended(
        &mut self,
        room_id: String,
        reason: Option<LeaveReason>,
        out: &mut Vec<Action>,
    ) {
        self.typing.remove(&room_id);
        self.rooms.remove(&room_id);
        out.push(Action::Emit(Event::MembershipEnded { room_id, reason }));
    }

    /// Advances the room cursor for room events and schedules a delivered receipt for
    /// other people's messages.
    fn note_room_event(&mut self, now: Millis, frame: &ServerFrame) {
        if let ServerFrame::History {
            room_id, messages, ..
        } = frame
        {
            // A history page does not move the cursor, but its messages have now
            // reached this device: receipt the newest one from someone else.
            let me = self.user_id.as_deref();
            if let Some(seq) = messages
                .iter()
                .filter(|m| Some(m.sender_id.as_str()) != me)
                .map(|m| m.seq)
                .max()
            {
                self.delivered(now, room_id, seq);
            }
            return;
        }
        let (room_id, seq, from_other) = match frame {
            ServerFrame::Message(m) => (
                &m.room_id,
                m.seq,
                self.user_id.as_deref() != Some(m.sender_id.as_str()),
            ),
            ServerFrame::MessageEdited { room_id, seq, .. }
            | ServerFrame::MessageDeleted { room_id, seq, .. } => (room_id, *seq, false),
            ServerFrame::MemberChanged(m) => (&m.room_id, m.seq, false),
            ServerFrame::RoomChanged(r) => (&r.room_id, r.seq, false),
            _ => return,
        };
        let Some(room) = self.rooms.get_mut(room_id.as_str()) else {
            return;
        };
        room.cursor = Some(room.cursor.map_or(seq, |c| c.max(seq)));
        if from_other {
            self.delivered(now, room_id, seq);
        }
    }

    /// Schedules a delivered receipt for a followed room (coalesced with others).
    fn delivered(&mut self, now: Millis, room_id: &str, seq: u64) {
        let Some(room) = self.rooms.get_mut(room_id) else {
            return;
        };
        room.delivered_due = Some(room.delivered_due.map_or(seq, |d| d.max(seq)));
        if self.receipts_at.is_none() {
            self.receipts_at = Some(now + self.config.delivered_receipt_delay_ms);
        }
    }
}
