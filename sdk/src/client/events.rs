//! What a [`super::ChatClient`] tells the app.

use chat_protocol::v1::{ErrorCode, PresenceStatus, ReceiptKind};

use super::rest::Session;
use crate::cache::{LocalMessage, MessageStatus};
use crate::core::ConnectionState;

/// One thing that changed. Messages are already in the cache when the event arrives,
/// so the app may also just re-read `messages()`.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientEvent {
    /// The connection state changed.
    Connection(ConnectionState),
    /// A message arrived, or one already shown changed (edited, deleted).
    Message(LocalMessage),
    /// One of the user's own messages moved on (sent, failed, cancelled = removed).
    Status {
        /// The room.
        room_id: String,
        /// The message's client id.
        client_msg_id: String,
        /// Its new status; `None` when it was cancelled.
        status: Option<MessageStatus>,
    },
    /// Someone started or stopped typing.
    Typing {
        /// The room.
        room_id: String,
        /// Who.
        user_id: String,
        /// Typing or not.
        is_typing: bool,
    },
    /// A member's delivered or read position advanced (own messages' statuses may change).
    Receipt {
        /// The room.
        room_id: String,
        /// Whose receipt.
        user_id: String,
        /// Up to which seq.
        seq: u64,
        /// Delivered or read.
        kind: ReceiptKind,
    },
    /// A room-mate came online or went offline.
    Presence {
        /// Who.
        user_id: String,
        /// Online or offline.
        status: PresenceStatus,
        /// When they were last online (offline only), ms since the epoch.
        last_seen: Option<i64>,
    },
    /// A room is followed on this connection (replay, if any, follows).
    RoomJoined {
        /// The room.
        room_id: String,
        /// The room's last seq at the time.
        last_seq: u64,
    },
    /// Older messages were fetched into the cache (`load_older`).
    HistoryLoaded {
        /// The room.
        room_id: String,
        /// How many messages came.
        count: usize,
        /// Whether even older ones exist.
        has_more: bool,
    },
    /// The client renewed the session with its refresh token (built-in accounts):
    /// store this session in place of the old one, whose refresh token is used up.
    SessionRenewed(Session),
    /// The server refused a request that was not a send (join, edit, history...).
    Error {
        /// The code.
        code: ErrorCode,
        /// The explanation.
        message: String,
        /// The room or message it concerns.
        reference: Option<String>,
    },
}
