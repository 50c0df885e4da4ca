//! What a [`super::ChatClient`] tells the app.

use chat_protocol::v1::{ErrorCode, LeaveReason, PresenceStatus, ReceiptKind};

use super::session::Session;
use crate::cache::{LocalMessage, MessageStatus, RoomNotice};
use crate::core::ConnectionState;

/// One thing that changed. Messages are already in the cache when the event arrives,
/// so the app may also just re-read `messages()`.
// Every variant has named fields: Kotlin and Swift then read `event.state`, and
// JavaScript gets one flat object tagged by `type` (`{type: "connection", state}`).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "tsify", derive(serde::Serialize, tsify::Tsify))]
#[cfg_attr(
    feature = "tsify",
    serde(
        tag = "type",
        rename_all = "camelCase",
        rename_all_fields = "camelCase"
    )
)]
pub enum ClientEvent {
    /// The connection state changed: show or hide an offline banner.
    Connection {
        /// The state the connection is in now.
        state: ConnectionState,
    },
    /// A message arrived, or one already shown changed (edited, deleted).
    Message {
        /// The message as the cache now holds it, status included.
        message: LocalMessage,
    },
    /// One of the user's own messages moved on (sent, failed, cancelled = removed).
    Status {
        /// The room the message belongs to.
        room_id: String,
        /// The id the client gave the message when it was written.
        client_msg_id: String,
        /// Its new status; `None` when it was cancelled (and removed from the cache).
        status: Option<MessageStatus>,
    },
    /// Someone started or stopped typing.
    Typing {
        /// The room they are typing in.
        room_id: String,
        /// Who is typing.
        user_id: String,
        /// Whether they are typing now; an indicator nobody refreshes expires by itself.
        is_typing: bool,
    },
    /// A member's delivered or read position advanced (own messages' statuses may change).
    Receipt {
        /// The room the position is in.
        room_id: String,
        /// The member whose position advanced (also the user's own other devices).
        user_id: String,
        /// Everything up to this seq is delivered or read.
        seq: u64,
        /// Whether the position is a delivered or a read one.
        kind: ReceiptKind,
    },
    /// A room-mate came online or went offline.
    Presence {
        /// The room-mate.
        user_id: String,
        /// Online or offline now.
        status: PresenceStatus,
        /// When they were last online (offline only), ms since the epoch.
        last_seen: Option<i64>,
    },
    /// A room is followed on this connection (replay, if any, follows).
    RoomJoined {
        /// The room now live on this connection.
        room_id: String,
        /// The room's last seq at the time: the newest message the server holds.
        last_seq: u64,
    },
    /// The user's block list changed, on this device or another (live, or read at
    /// connect): messages read again show the new `sender_blocked`.
    BlocksChanged,
    /// The user saved a message, or took it out of their saved messages, on this device
    /// or another (`save_message`): show it saved or not, or read `saved_messages`
    /// again. Not replayed after a reconnect.
    SavedChanged {
        /// The message's room.
        room_id: String,
        /// The message.
        message_id: String,
        /// Whether it is saved now.
        saved: bool,
    },
    /// A room's members or settings changed ("Bob left", a new name): the notice is
    /// in the cache (`notices()`), to show among the messages at its seq.
    Notice {
        /// The change.
        notice: RoomNotice,
    },
    /// The user is no longer a member of a room: they left (on any device), or were
    /// kicked or banned. The room is gone from the list and no longer followed; its
    /// cached messages stay readable up to the change.
    MembershipEnded {
        /// The room.
        room_id: String,
        /// Left, kicked or banned; `None` when the server only refused to resume the
        /// room (the change happened while this device was away).
        reason: Option<LeaveReason>,
    },
    /// Older messages were fetched into the cache (`load_older`): read again.
    HistoryLoaded {
        /// The room whose history grew.
        room_id: String,
        /// How many messages came.
        count: u32,
        /// Whether even older ones exist on the server.
        has_more: bool,
    },
    /// A room of the list changed or came into it (`room_id`), or the whole list was
    /// read from the server again (`None`): read `room_list()` again. The list is in the
    /// cache already, so it renders offline too.
    RoomListChanged {
        /// The room whose summary changed; `None` for the whole list.
        room_id: Option<String>,
    },
    /// A user who shares a room with this one (or this user, on another device)
    /// changed their profile: show `display_name` and `avatar_id` for `user_id` from
    /// now on (the cached members show them already).
    UserUpdated {
        /// Whose profile.
        user_id: String,
        /// Their username.
        username: String,
        /// The name to show.
        display_name: String,
        /// Their picture (`None`: none); its image is `thumbnail(avatar_id, …)`.
        avatar_id: Option<String>,
    },
    /// The client renewed the session with its refresh token (built-in accounts):
    /// store this session in place of the old one, whose refresh token is used up.
    SessionRenewed {
        /// The session to store from now on.
        session: Session,
    },
    /// The server refused a change to a message for good (an edit, delete, reaction or
    /// pin made on this device, perhaps offline): it is undone in the cache; read the
    /// message again.
    ChangeFailed {
        /// The room.
        room_id: String,
        /// The change's id (what `edit_message`, `react`... returned).
        change_id: String,
        /// The message it was about, once stored.
        message_id: Option<String>,
        /// Why the server refused it.
        code: ErrorCode,
        /// The server's explanation.
        message: String,
    },
    /// A file of one of the user's pending messages is on its way to the server: show
    /// `sent_bytes` of `total_bytes` on its bubble. When the last file is through, the
    /// message is sent (its `Status` follows).
    UploadProgress {
        /// The room.
        room_id: String,
        /// The pending message.
        client_msg_id: String,
        /// The file's position in the message.
        position: u32,
        /// Bytes the server has received so far.
        sent_bytes: u64,
        /// The file's size.
        total_bytes: u64,
    },
    /// The server refused a request that was not a send (join, edit, history...).
    Error {
        /// Why the server refused it.
        code: ErrorCode,
        /// The server's explanation, for logs rather than for users.
        message: String,
        /// The room or message the refused request was about, when it was about one.
        reference: Option<String>,
    },
}
