//! Frames the server sends to a client.

use serde::{Deserialize, Serialize};

use super::codes::ErrorCode;
use super::ids::{AttachmentId, MessageId, RoomId, UserId};
use super::moderation::{LeaveReason, MemberChanged, RoomChanged};
use super::rest::RoomSummary;
use super::rich::{MessagePinned, Reaction};
use super::types::{MemberReceipts, Message, PresenceStatus, ReceiptKind, RoomVisibility};

/// A server → client frame: one JSON object per WebSocket text frame, tagged by `type`.
///
/// Clients must ignore frames they do not know: they decode as [`ServerFrame::Unknown`],
/// so that an old client survives a newer server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ServerFrame {
    /// The `authenticate` frame was accepted.
    Authenticated {
        /// The user the token names.
        user_id: UserId,
        /// This connection's id (appears in server logs; useful in bug reports).
        session_id: String,
        /// Server clock, milliseconds since the Unix epoch.
        server_time: i64,
        /// Interval of the server's WebSocket pings; a connection silent for several
        /// intervals is closed, so clients that cannot answer pings send `ping` this often.
        heartbeat_interval_ms: u64,
        /// When the token this connection runs on expires, milliseconds since the Unix
        /// epoch: the server closes the connection with 4001 then, unless the client
        /// sends `authenticate` with a fresh token first. Older servers leave it out.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires_at: Option<i64>,
    },
    /// The room is subscribed; the replay (events after `since_seq`) follows, then live events.
    RoomJoined {
        /// The room now followed on this connection.
        room_id: RoomId,
        /// Room name.
        name: String,
        /// Public, private or direct.
        visibility: RoomVisibility,
        /// Highest seq in the room when the join was handled.
        last_seq: u64,
        /// Every member's receipt positions, so that receipts missed offline converge.
        receipts: Vec<MemberReceipts>,
    },
    /// The room's live events are no longer sent to this connection: it sent
    /// `leave_room` (no `reason`), or the user's membership ended (`reason`; sent to
    /// every connection of the user, joined or not, and after the `member_changed`
    /// event that ended it).
    RoomLeft {
        /// The room no longer followed on this connection.
        room_id: RoomId,
        /// Why the membership ended; absent when only this connection stopped
        /// following the room.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<LeaveReason>,
    },
    /// A membership changed (joined, left, kicked, banned, unbanned, role). A room
    /// event with its own seq.
    MemberChanged(MemberChanged),
    /// The room's name, topic or `who_can_add` changed. A room event with its own seq.
    RoomChanged(RoomChanged),
    /// A message committed in a joined room.
    Message(Message),
    /// The sender's own connection learns its message was committed.
    MessageAck {
        /// The room the message was committed to.
        room_id: RoomId,
        /// The id the client chose.
        client_msg_id: String,
        /// The id the server assigned.
        message_id: MessageId,
        /// The room seq assigned at commit.
        seq: u64,
        /// Commit time, milliseconds since the Unix epoch.
        created_at: i64,
    },
    /// A member's typing state changed (or expired).
    Typing {
        /// The room the member is typing in.
        room_id: RoomId,
        /// Who is typing.
        user_id: UserId,
        /// Whether they are typing now.
        is_typing: bool,
    },
    /// A member's delivered or read position advanced.
    Receipt {
        /// The room whose messages the receipt covers.
        room_id: RoomId,
        /// Whose receipt.
        user_id: UserId,
        /// Highest seq covered.
        seq: u64,
        /// Delivered or read.
        kind: ReceiptKind,
    },
    /// A user who shares a room with you came online or went offline.
    Presence {
        /// The user whose presence changed.
        user_id: UserId,
        /// Online or offline.
        status: PresenceStatus,
        /// When the user's last connection closed (milliseconds since the epoch).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_seen: Option<i64>,
    },
    /// A room of the user's list changed: a message was committed in it (sent to the
    /// user's connections that have not joined the room), their read position or mute
    /// moved (from any of their devices; sent to all of their connections), or they
    /// were added to it. `unread_count` is exact as of `last_seq`.
    RoomUpdated(RoomSummary),
    /// A user who shares a room with you (or you, on your other devices) changed
    /// their profile.
    UserUpdated {
        /// Whose profile.
        user_id: UserId,
        /// Their username (unchanged).
        username: String,
        /// The name to show from now on.
        display_name: String,
        /// Their picture from now on (absent: none).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        avatar_id: Option<AttachmentId>,
    },
    /// The user blocked or unblocked someone, on this device or another: sent to every
    /// connection of the user, so that each device hides (or shows again) the other's
    /// messages at once. Room summaries recounted with the new block list follow as
    /// `room_updated`.
    BlockChanged {
        /// The user blocked or unblocked.
        user_id: UserId,
        /// Whether they are blocked now.
        blocked: bool,
    },
    /// The user saved a message or took it out of their saved messages, on this device
    /// or another: sent to every connection of the user (`PUT`/`DELETE
    /// /v1/rooms/{room_id}/messages/{message_id}/saved`). Not a room event.
    SavedChanged {
        /// The message's room.
        room_id: RoomId,
        /// The message.
        message_id: MessageId,
        /// Whether it is saved now.
        saved: bool,
    },
    /// A message's content was replaced. A room event with its own seq.
    MessageEdited {
        /// The room whose log holds the edit.
        room_id: RoomId,
        /// This event's seq.
        seq: u64,
        /// The edited message.
        message_id: MessageId,
        /// Who edited it (always its sender).
        sender_id: UserId,
        /// The new content (empty if the message was deleted later).
        content: String,
        /// Edit time, milliseconds since the epoch.
        edited_at: i64,
    },
    /// A message was deleted. A room event with its own seq.
    MessageDeleted {
        /// The room whose log holds the delete.
        room_id: RoomId,
        /// This event's seq.
        seq: u64,
        /// The deleted message.
        message_id: MessageId,
        /// The message's sender.
        sender_id: UserId,
        /// Deletion time, milliseconds since the epoch.
        deleted_at: i64,
        /// Who deleted it: the sender, or an owner or admin of the room. Servers
        /// before moderation leave it out (the sender deleted it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deleted_by: Option<UserId>,
    },
    /// A reaction was set or removed. A room event with its own seq.
    Reaction(Reaction),
    /// A message was pinned or unpinned. A room event with its own seq.
    MessagePinned(MessagePinned),
    /// A page of history, oldest first.
    History {
        /// The room the page comes from.
        room_id: RoomId,
        /// Messages in ascending seq order, with edits applied and deletions marked.
        messages: Vec<Message>,
        /// Whether older messages exist before the first one in this page.
        has_more: bool,
    },
    /// Answer to `ping`.
    Pong {
        /// Server clock, milliseconds since the Unix epoch.
        server_time: i64,
    },
    /// A request failed. Nothing else changed.
    Error {
        /// Machine-readable code.
        code: ErrorCode,
        /// Human-readable explanation: what went wrong and what to do.
        message: String,
        /// The `client_msg_id`, `message_id` or `room_id` of the failed request, if any.
        #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
    },
    /// The server is going away; reconnect after the delay and resume.
    ServerShutdown {
        /// Suggested wait before reconnecting.
        reconnect_after_ms: u64,
    },
    /// A frame type this version of the protocol crate does not know.
    #[serde(other)]
    Unknown,
}

impl ServerFrame {
    /// Encodes the frame as the JSON text sent on the wire.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("server frames always serialise")
    }

    /// Decodes one text frame; unknown types become [`ServerFrame::Unknown`].
    ///
    /// # Errors
    ///
    /// When the text is not JSON or a known type has wrong fields.
    pub fn decode(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Shorthand for an [`ServerFrame::Error`] frame.
    pub fn error(code: ErrorCode, message: impl Into<String>, reference: Option<String>) -> Self {
        Self::Error {
            code,
            message: message.into(),
            reference,
        }
    }

    /// The frame's `type` name, for logs and metrics.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Authenticated { .. } => "authenticated",
            Self::RoomJoined { .. } => "room_joined",
            Self::RoomLeft { .. } => "room_left",
            Self::MemberChanged(_) => "member_changed",
            Self::RoomChanged(_) => "room_changed",
            Self::Message(_) => "message",
            Self::MessageAck { .. } => "message_ack",
            Self::Typing { .. } => "typing",
            Self::Receipt { .. } => "receipt",
            Self::Presence { .. } => "presence",
            Self::RoomUpdated(_) => "room_updated",
            Self::UserUpdated { .. } => "user_updated",
            Self::BlockChanged { .. } => "block_changed",
            Self::SavedChanged { .. } => "saved_changed",
            Self::MessageEdited { .. } => "message_edited",
            Self::MessageDeleted { .. } => "message_deleted",
            Self::Reaction(_) => "reaction",
            Self::MessagePinned(_) => "message_pinned",
            Self::History { .. } => "history",
            Self::Pong { .. } => "pong",
            Self::Error { .. } => "error",
            Self::ServerShutdown { .. } => "server_shutdown",
            Self::Unknown => "unknown",
        }
    }
}
