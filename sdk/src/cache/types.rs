//! What the cache hands to the app.

use chat_protocol::v1::ErrorCode;

/// Where one of the user's own messages stands: a clock, one tick, two ticks, two
/// ticks in colour, or "not sent".
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(
    feature = "tsify",
    derive(serde::Serialize, tsify::Tsify),
    serde(tag = "state", rename_all = "camelCase")
)]
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
        /// Why the server refused it.
        code: ErrorCode,
        /// The server's explanation.
        message: String,
    },
}

/// A message as the app shows it: stored by the server, or a local echo from the outbox.
/// Render `content` as text, never as markup.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(
    feature = "tsify",
    derive(serde::Serialize, tsify::Tsify),
    serde(rename_all = "camelCase")
)]
pub struct LocalMessage {
    /// The room the message belongs to.
    pub room_id: String,
    /// The message's position in the room, once the server has stored it.
    pub seq: Option<u64>,
    /// The server's id for it (what edits and deletes name), once stored.
    pub message_id: Option<String>,
    /// The id the sender's client generated: stable from the pending echo on.
    pub client_msg_id: String,
    /// The author's user id.
    pub sender_id: String,
    /// The text (empty when deleted).
    pub content: String,
    /// Commit time (or, for a pending echo, the local time it was written), ms since epoch.
    pub created_at: i64,
    /// Time of the latest edit, ms since the epoch.
    pub edited_at: Option<i64>,
    /// Deleted by its sender.
    pub deleted: bool,
    /// For the user's own messages: pending → sent → delivered → read, or failed.
    /// Other people's messages are `Sent`.
    pub status: MessageStatus,
}
