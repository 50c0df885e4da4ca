//! Value types that appear inside frames and REST bodies.

use serde::{Deserialize, Serialize};

use super::ids::{MessageId, RoomId, UserId};

/// Who may join a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum RoomVisibility {
    /// Any authenticated user may join.
    Public,
    /// Only members may join; members add others.
    Private,
    /// A one-to-one conversation between exactly two users; nobody else may join.
    Direct,
}

impl RoomVisibility {
    /// The snake_case name used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Private => "private",
            Self::Direct => "direct",
        }
    }

    /// Parses the wire/storage name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "public" => Some(Self::Public),
            "private" => Some(Self::Private),
            "direct" => Some(Self::Direct),
            _ => None,
        }
    }
}

/// What a room is to the room list: a group conversation, or one between two users.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum RoomKind {
    /// A public or private room; servers before the room list leave `kind` out, and
    /// it reads as this.
    #[default]
    Group,
    /// A direct room: its name is the other member's display name.
    Direct,
}

/// Where the caller keeps a room in their own list (`PUT /v1/rooms/{room_id}/placement`),
/// on every device of theirs. A room with no placement is in the main list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum RoomPlacement {
    /// Listed before every other room (most recent activity first among favorites).
    Favorite,
    /// Set aside: `GET /v1/rooms?archived=false` leaves it out, and it stays archived
    /// when new messages come (archiving does not mute).
    Archived,
}

impl RoomPlacement {
    /// The snake_case name used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Favorite => "favorite",
            Self::Archived => "archived",
        }
    }

    /// Parses the wire/storage name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "favorite" => Some(Self::Favorite),
            "archived" => Some(Self::Archived),
            _ => None,
        }
    }
}

impl From<RoomVisibility> for RoomKind {
    fn from(visibility: RoomVisibility) -> Self {
        match visibility {
            RoomVisibility::Direct => Self::Direct,
            RoomVisibility::Public | RoomVisibility::Private => Self::Group,
        }
    }
}

/// A room's latest message that is not deleted, as the room list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LastMessage {
    /// The message's id.
    pub message_id: MessageId,
    /// Its seq in the room.
    pub seq: u64,
    /// Who sent it.
    pub sender_id: UserId,
    /// Its current text (edits applied), cut to at most
    /// [`LAST_MESSAGE_PREVIEW_CHARS`](super::LAST_MESSAGE_PREVIEW_CHARS) characters.
    pub content: String,
    /// Commit time, milliseconds since the Unix epoch.
    pub created_at: i64,
}

/// How far a user has got with a room's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum ReceiptKind {
    /// The user's device has received everything up to the seq.
    Delivered,
    /// The user has read everything up to the seq (implies delivered).
    Read,
}

impl ReceiptKind {
    /// The snake_case name used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Read => "read",
        }
    }
}

/// Whether a user has at least one authenticated connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum PresenceStatus {
    /// At least one connection is authenticated.
    Online,
    /// No connection; `last_seen` says since when.
    Offline,
}

/// A chat message as stored: the live `message` frame, history pages and REST
/// message pages all carry this shape.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    /// The room the message belongs to.
    pub room_id: RoomId,
    /// Position in the room's event log; gap-free and strictly increasing per room.
    pub seq: u64,
    /// Server-assigned id, used to edit or delete the message.
    pub message_id: MessageId,
    /// The sender's idempotency key; lets the sender reconcile its local echo.
    pub client_msg_id: String,
    /// The user who sent it; only they may edit or delete it.
    pub sender_id: UserId,
    /// Text as the sender wrote it (empty once deleted). Never HTML-escaped by the server.
    pub content: String,
    /// Commit time, milliseconds since the Unix epoch (UTC).
    pub created_at: i64,
    /// Time of the latest edit, if any; history pages show the edited content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub edited_at: Option<i64>,
    /// Set once the sender deleted the message; the content is then empty.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
    /// The message of the same room this one replies to (its thread). The parent may
    /// have been deleted since; the reply stays readable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub reply_to: Option<MessageId>,
    /// The members the message mentions, as the sender listed them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<UserId>,
    /// Reactions, one entry per emoji in the order each was first used. History pages
    /// and REST carry them; a live or replayed `message` has none yet (the `reaction`
    /// events that follow it in the log say which).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<super::rich::ReactionCount>,
    /// Files sent with the message, in the order the sender gave them (none once
    /// deleted: a delete removes them from storage too).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<super::attachments::Attachment>,
}

/// One member's receipt positions in a room, sent with `room_joined` so that a
/// resuming client learns receipts it missed while offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberReceipts {
    /// The member.
    pub user_id: UserId,
    /// Highest seq the member's devices acknowledged as delivered (0: none).
    pub delivered_seq: u64,
    /// Highest seq the member has read (0: none).
    pub read_seq: u64,
}
