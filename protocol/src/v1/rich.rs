//! Rich messages: reactions and pins (room events of their own), the reactions a
//! message object carries, and the REST bodies of threads, pins and search.

use serde::{Deserialize, Serialize};

use super::ids::{MessageId, RoomId, UserId};
use super::types::Message;

/// One emoji's reactions to a message, as message objects carry them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReactionCount {
    /// The emoji grapheme or `:shortcode:`.
    pub emoji: String,
    /// How many users reacted with it (exact).
    pub count: u64,
    /// The first users who reacted with it, in the order they did, at most
    /// [`MAX_REACTION_USER_IDS`](super::MAX_REACTION_USER_IDS).
    pub user_ids: Vec<UserId>,
}

/// A reaction was set (`on`) or removed. A room event with its own seq, sent to the
/// whole room (the reacting connection included) and replayed on resume; never unread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reaction {
    /// The room whose log holds the event.
    pub room_id: RoomId,
    /// This event's seq.
    pub seq: u64,
    /// The message reacted to.
    pub message_id: MessageId,
    /// Who reacted.
    pub user_id: UserId,
    /// The emoji grapheme or `:shortcode:`.
    pub emoji: String,
    /// Set (`true`) or removed (`false`).
    pub on: bool,
    /// When, milliseconds since the epoch.
    pub created_at: i64,
}

/// A message was pinned or unpinned. A room event with its own seq, sent to the whole
/// room and replayed on resume; never unread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagePinned {
    /// The room whose log holds the event.
    pub room_id: RoomId,
    /// This event's seq.
    pub seq: u64,
    /// The message.
    pub message_id: MessageId,
    /// Pinned (`true`) or unpinned (`false`).
    pub pinned: bool,
    /// Who pinned or unpinned it.
    pub by: UserId,
    /// When, milliseconds since the epoch.
    pub created_at: i64,
}

/// A pinned message with who pinned it and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PinnedMessage {
    /// The message in its current state (edits applied, reactions counted).
    pub message: Message,
    /// Who pinned it.
    pub pinned_by: UserId,
    /// When, milliseconds since the epoch.
    pub pinned_at: i64,
}

/// Answer to `GET /v1/rooms/{room_id}/pins`: the room's pinned messages that are not
/// deleted, most recently pinned first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PinList {
    /// The pins.
    pub pins: Vec<PinnedMessage>,
}

/// Answer to `GET /v1/search/messages`: matching messages, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResults {
    /// The matches, newest first; each names its room and seq.
    pub messages: Vec<Message>,
    /// The `before` that fetches the next page (the last match's id); absent on the
    /// last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub next_before: Option<MessageId>,
}
