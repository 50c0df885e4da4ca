//! What the cache hands to the app.

use chat_protocol::v1::ErrorCode;

/// Where one of the user's own messages stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageStatus {
    /// In the outbox, not yet stored by the server.
    Pending,
    /// Stored by the server.
    Sent,
    /// Another member's device has received it.
    Delivered,
    /// Another member has read it.
    Read,
    /// Refused by the server for good; retry or cancel.
    Failed {
        /// The server's code.
        code: ErrorCode,
        /// The server's explanation.
        message: String,
    },
}

/// A message as the app shows it: stored by the server, or a local echo from the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalMessage {
    /// The room.
    pub room_id: String,
    /// The room seq, once stored.
    pub seq: Option<u64>,
    /// The server's id, once stored.
    pub message_id: Option<String>,
    /// The id the sender's client generated.
    pub client_msg_id: String,
    /// The author.
    pub sender_id: String,
    /// The text (empty when deleted).
    pub content: String,
    /// Commit time (or, for a pending echo, the local time it was written), ms since epoch.
    pub created_at: i64,
    /// Time of the latest edit.
    pub edited_at: Option<i64>,
    /// Deleted by its sender.
    pub deleted: bool,
    /// For the user's own messages: pending → sent → delivered → read, or failed.
    /// Other people's messages are `Sent`.
    pub status: MessageStatus,
}
