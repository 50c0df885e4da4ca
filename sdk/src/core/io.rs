//! What goes into the core and what comes out of it.

use chat_protocol::v1::{ClientFrame, ErrorCode, LeaveReason, ServerFrame};

use super::Millis;
use super::outbox::OutboxEntry;

/// Why the connection is not up.
// Variants carry named fields, so that every binding reads `reason.detail`, and
// JavaScript gets one object tagged by `kind` (`{kind: "failed", detail}`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(
    feature = "tsify",
    derive(serde::Serialize, tsify::Tsify),
    serde(
        tag = "kind",
        rename_all = "camelCase",
        rename_all_fields = "camelCase"
    )
)]
pub enum DisconnectReason {
    /// The app asked for it.
    Requested,
    /// The server closed the WebSocket with this code.
    Closed {
        /// The close code (see `chat_protocol::v1::close`); `None` when the connection
        /// simply ended without one.
        code: Option<u16>,
        /// The server's reason text.
        reason: String,
    },
    /// The socket failed (network down, connection refused, reset).
    Failed {
        /// What failed, as the platform's socket reported it.
        detail: String,
    },
    /// Nothing was heard from the server for too long.
    HeartbeatTimeout,
    /// The server did not accept `authenticate` in time.
    AuthTimeout,
    /// The server is restarting and asked clients to come back later.
    ServerShutdown,
    /// The token was refused: a fresh one is needed before reconnecting.
    Unauthorized {
        /// Why it was refused (the server's close reason, or "no access token").
        detail: String,
    },
}

/// A short sentence for the app to show or log ("network: connection refused").
impl std::fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Requested => f.write_str("requested"),
            Self::Closed { code, reason } => write!(f, "closed ({}): {reason}", code.unwrap_or(0)),
            Self::Failed { detail } => write!(f, "network: {detail}"),
            Self::HeartbeatTimeout => f.write_str("no answer from the server"),
            Self::AuthTimeout => f.write_str("connecting timed out"),
            Self::ServerShutdown => f.write_str("server restarting"),
            Self::Unauthorized { detail } => write!(f, "unauthorized: {detail}"),
        }
    }
}

/// The connection as the app sees it (an offline banner, a spinner).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(
    feature = "tsify",
    derive(serde::Serialize, tsify::Tsify),
    serde(
        tag = "state",
        rename_all = "camelCase",
        rename_all_fields = "camelCase"
    )
)]
pub enum ConnectionState {
    /// Not connected and not trying (never connected, or the app disconnected).
    Disconnected,
    /// Opening the socket or authenticating.
    Connecting {
        /// Attempts since the last stable connection (0 for the first).
        attempt: u32,
    },
    /// Authenticated; rooms resumed; the outbox is flowing.
    Connected,
    /// Waiting before the next attempt.
    Reconnecting {
        /// The attempt that will follow.
        attempt: u32,
        /// How long the wait is, in ms.
        delay_ms: u64,
        /// Why the previous connection ended.
        reason: DisconnectReason,
    },
    /// Waiting for a fresh token (the last one was refused, or there is none): the
    /// client asks the app's token provider, or the app signs in again or sets a fresh
    /// session.
    NeedsToken {
        /// Why the token is needed.
        reason: DisconnectReason,
    },
}

/// Something that happened, for the core to act on.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The app wants to be connected (and stay so).
    Connect,
    /// The app wants to disconnect and stop reconnecting.
    Disconnect,
    /// The app learned the network is back: skip any remaining backoff.
    NetworkAvailable,
    /// A fresh access token (after [`Event::TokenNeeded`], or a routine refresh).
    Token(String),
    /// The socket the core asked for is open.
    SocketOpened,
    /// The socket closed.
    SocketClosed {
        /// Close code, if the peer sent one.
        code: Option<u16>,
        /// Close reason.
        reason: String,
    },
    /// The socket failed or could not be opened.
    SocketFailed(String),
    /// A frame arrived.
    Frame(ServerFrame),
    /// A timer the core asked for fired (or any time passed: deadlines are rechecked).
    Tick,
    /// Follow a room, resuming after `since_seq` (the highest seq the cache holds).
    JoinRoom {
        /// The room to follow on every connection from now on.
        room_id: String,
        /// Highest seq held locally; `None` with an empty cache.
        since_seq: Option<u64>,
    },
    /// Stop following a room.
    LeaveRoom(String),
    /// An entry (a message or a change) the driver has just persisted in its outbox, to
    /// be sent in order.
    Enqueue(OutboxEntry),
    /// An entry read back from the driver's store on start: it may have been sent in
    /// the earlier run.
    Restore(OutboxEntry),
    /// A message from the driver's store that the server refused for good in an earlier
    /// run (kept so that it can be retried or cancelled).
    EnqueueFailed(OutboxEntry),
    /// Every file of a queued message reached the server (the driver's uploader): it is
    /// sent now, carrying them.
    Uploaded {
        /// The message.
        client_msg_id: String,
        /// Its files' server ids, in order.
        attachment_ids: Vec<String>,
    },
    /// The server refused a file of a queued message for good (too large, a type it
    /// does not take): the message fails, as if the server had refused it.
    UploadRefused {
        /// The message.
        client_msg_id: String,
        /// Why.
        code: ErrorCode,
        /// The server's explanation.
        message: String,
    },
    /// Give up on a queued or failed message.
    Cancel(String),
    /// Try a failed message again (same `client_msg_id`).
    Retry(String),
    /// The user typed in a room.
    Keystroke(String),
    /// The user stopped typing in a room (sent, cleared the field).
    StopTyping(String),
    /// Send a request that only makes sense online (history); dropped
    /// with [`Event::NotSent`] when not connected.
    Request(ClientFrame),
    /// The user has read a room up to `seq`.
    MarkRead {
        /// The room the user has read.
        room_id: String,
        /// Highest seq read.
        seq: u64,
    },
}

/// Something the driver must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Open the WebSocket (then report [`Input::SocketOpened`] or [`Input::SocketFailed`]).
    OpenSocket,
    /// Close the WebSocket (no further input is expected from it).
    CloseSocket,
    /// Send a frame on the open socket.
    Send(ClientFrame),
    /// Feed [`Input::Tick`] at this time (replaces any earlier request).
    WakeAt(Millis),
    /// Tell the app (and update local storage).
    Emit(Event),
}

/// What the app and the driver's storage hear about.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The connection state changed.
    State(ConnectionState),
    /// A frame from the server for the cache and the app: messages, edits, deletes,
    /// receipts, typing, presence, history, room_joined.
    Received(ServerFrame),
    /// A message left the outbox: the server stored it.
    Sent {
        /// The client's id for it.
        client_msg_id: String,
        /// The room the message was stored in.
        room_id: String,
        /// The server's id.
        message_id: String,
        /// Its seq.
        seq: u64,
        /// Commit time.
        created_at: i64,
    },
    /// The server refused a message for good; it stays in the outbox as failed.
    SendFailed {
        /// The client's id for it.
        client_msg_id: String,
        /// Why.
        code: ErrorCode,
        /// The server's explanation.
        message: String,
    },
    /// An entry was removed from the outbox unsent: by [`Input::Cancel`], as a change
    /// to a message that was never sent, or with the message a delete withdrew.
    Cancelled(String),
    /// A change reached the server and left the outbox (applied, or already as asked).
    ChangeDone {
        /// The change's id.
        client_msg_id: String,
        /// Its room.
        room_id: String,
    },
    /// The server refused a change for good; it left the outbox.
    ChangeFailed {
        /// The change's id.
        client_msg_id: String,
        /// Its room.
        room_id: String,
        /// Why.
        code: ErrorCode,
        /// The server's explanation.
        message: String,
    },
    /// An edit of a message that was never sent replaced the message's text instead:
    /// the edit left the outbox.
    Amended {
        /// The message's `client_msg_id`.
        client_msg_id: String,
        /// The edit's id.
        edit_id: String,
        /// The message's text from now on.
        content: String,
    },
    /// The user is no longer a member of a followed room (`room_left` with a reason,
    /// or a resume refused as `forbidden`): the core stopped following it.
    MembershipEnded {
        /// The room.
        room_id: String,
        /// Left, kicked or banned; `None` when only the refused resume told.
        reason: Option<LeaveReason>,
    },
    /// An [`Input::Request`] could not be sent: not connected.
    NotSent(ClientFrame),
    /// The server refused the token: call the app's token refresh, then send
    /// [`Input::Token`].
    TokenNeeded,
    /// The connection's token expires soon: call the app's token refresh, then send
    /// [`Input::Token`]; the core renews the live connection with it (no reconnect).
    TokenRenewalDue,
}
