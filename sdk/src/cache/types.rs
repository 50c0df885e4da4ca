//! What the cache hands to the app.

use chat_protocol::v1::{
    Attachment, ErrorCode, MemberRole, MembershipChange, Message, MessageId, ServerFrame, UserId,
    WhoCanAdd,
};

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
    /// The user blocked the sender: hide or collapse the message.
    pub sender_blocked: bool,
    /// The message of the room this one replies to: show it quoted above the text.
    pub reply_to: Option<String>,
    /// The user ids it mentions.
    pub mentions: Vec<String>,
    /// Reactions, one per emoji in the order each was first used (the user's own
    /// changes not yet confirmed by the server included).
    pub reactions: Vec<MessageReaction>,
    /// Pinned in the room.
    pub pinned: bool,
    /// Files it carries, in the sender's order (a pending message's too, before they
    /// are uploaded).
    pub attachments: Vec<MessageAttachment>,
}

/// A file a message carries. Show images by their thumbnail (`ChatClient::thumbnail`)
/// in a box of `thumbnail_width` × `thumbnail_height`; show `name` as text, never as
/// markup.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(
    feature = "tsify",
    derive(serde::Serialize, tsify::Tsify),
    serde(rename_all = "camelCase")
)]
pub struct MessageAttachment {
    /// The server's id, once uploaded; `None` while the file waits in the outbox.
    pub attachment_id: Option<String>,
    /// Its position in the message (what `ChatClient::pending_file` takes while it
    /// waits to be uploaded).
    pub position: u32,
    /// The file name.
    pub name: String,
    /// `image/jpeg`, `image/png`, `image/webp`, `image/gif`, or
    /// `application/octet-stream` for any other file (before the upload: what the app
    /// declared).
    pub mime: String,
    /// Bytes.
    pub size: u64,
    /// An image's width and height as displayed, once the server has read them.
    pub width: Option<u32>,
    /// See `width`.
    pub height: Option<u32>,
    /// The small thumbnail's size, for an image the server has thumbnailed.
    pub thumbnail_width: Option<u32>,
    /// See `thumbnail_width`.
    pub thumbnail_height: Option<u32>,
}

impl MessageAttachment {
    /// What the app shows of an Attachment object the server sent.
    #[must_use]
    pub fn from_server(position: usize, attachment: &Attachment) -> Self {
        Self {
            attachment_id: Some(attachment.attachment_id.to_string()),
            position: u32::try_from(position).unwrap_or(u32::MAX),
            name: attachment.name.clone(),
            mime: attachment.mime.clone(),
            size: attachment.size,
            width: attachment.width,
            height: attachment.height,
            thumbnail_width: attachment.thumbnail.map(|t| t.width),
            thumbnail_height: attachment.thumbnail.map(|t| t.height),
        }
    }

    /// Whether the server recognised it as an image (it has thumbnails).
    #[must_use]
    pub fn is_image(&self) -> bool {
        self.thumbnail_width.is_some()
    }
}

impl LocalMessage {
    /// A message as the server sent it outside the timeline (search results, threads,
    /// pins), for `me`.
    #[must_use]
    pub fn from_server(message: Message, me: &str) -> Self {
        let reactions = message
            .reactions
            .into_iter()
            .map(|r| MessageReaction {
                mine: r.user_ids.iter().any(|u| u.as_str() == me),
                emoji: r.emoji,
                count: r.count,
                user_ids: r.user_ids.into_iter().map(UserId::into_string).collect(),
            })
            .collect();
        Self {
            room_id: message.room_id.into_string(),
            seq: Some(message.seq),
            message_id: Some(message.message_id.into_string()),
            client_msg_id: message.client_msg_id,
            sender_id: message.sender_id.into_string(),
            content: message.content,
            created_at: message.created_at,
            edited_at: message.edited_at,
            deleted: message.deleted,
            status: MessageStatus::Sent,
            sender_blocked: false,
            reply_to: message.reply_to.map(MessageId::into_string),
            mentions: message
                .mentions
                .into_iter()
                .map(UserId::into_string)
                .collect(),
            reactions,
            pinned: false,
            attachments: message
                .attachments
                .iter()
                .enumerate()
                .map(|(i, a)| MessageAttachment::from_server(i, a))
                .collect(),
        }
    }
}

/// One emoji's reactions to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(
    feature = "tsify",
    derive(serde::Serialize, tsify::Tsify),
    serde(rename_all = "camelCase")
)]
pub struct MessageReaction {
    /// The emoji or `:shortcode:`.
    pub emoji: String,
    /// How many users reacted with it.
    pub count: u64,
    /// Whether the signed-in user is one of them.
    pub mine: bool,
    /// Users known to have reacted with it, in the order they did (at most the first
    /// 20 of a large count).
    pub user_ids: Vec<String>,
}

/// A change to a room's members or settings, shown in the timeline between the
/// messages ("Bob left", "Ann renamed the room"): a room event with its own seq, kept in
/// the cache like messages.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(
    feature = "tsify",
    derive(serde::Serialize, tsify::Tsify),
    serde(rename_all = "camelCase")
)]
pub struct RoomNotice {
    /// The room.
    pub room_id: String,
    /// Its place among the room's messages.
    pub seq: u64,
    /// Who made the change.
    pub by: String,
    /// When, ms since the epoch.
    pub created_at: i64,
    /// What changed.
    pub change: NoticeChange,
}

/// What a [`RoomNotice`] says changed.
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
pub enum NoticeChange {
    /// Someone joined, left, was kicked, banned or unbanned, or got a role.
    Member {
        /// Whose membership changed.
        user_id: String,
        /// What happened to it.
        change: MembershipChange,
        /// Their role from now on (role changes and joins).
        role: Option<MemberRole>,
    },
    /// The room's settings changed; only what changed is set.
    Settings {
        /// The new name.
        name: Option<String>,
        /// The new topic (empty: removed).
        topic: Option<String>,
        /// Who may add members from now on.
        who_can_add: Option<WhoCanAdd>,
        /// The room's new picture (empty: removed).
        avatar_id: Option<String>,
    },
}

impl RoomNotice {
    /// The notice a `member_changed` or `room_changed` frame stands for.
    #[must_use]
    pub fn from_frame(frame: &ServerFrame) -> Option<Self> {
        match frame {
            ServerFrame::MemberChanged(m) => Some(Self {
                room_id: m.room_id.to_string(),
                seq: m.seq,
                by: m.by.to_string(),
                created_at: m.created_at,
                change: NoticeChange::Member {
                    user_id: m.user_id.to_string(),
                    change: m.change,
                    role: m.role,
                },
            }),
            ServerFrame::RoomChanged(r) => Some(Self {
                room_id: r.room_id.to_string(),
                seq: r.seq,
                by: r.by.to_string(),
                created_at: r.created_at,
                change: NoticeChange::Settings {
                    name: r.name.clone(),
                    topic: r.topic.clone(),
                    who_can_add: r.who_can_add,
                    avatar_id: r.avatar_id.clone(),
                },
            }),
            _ => None,
        }
    }
}
