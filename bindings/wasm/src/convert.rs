//! The two protocol records JavaScript sees in another shape than the wire's.
//!
//! Every other value the browser gets is declared once, in the SDK or the protocol
//! crate, with tsify behind their `tsify` features. `RoomSummary` and `UserProfile`
//! cannot be: they are REST bodies, and tsify takes a JavaScript object's shape from
//! the type's serde derive, which for these two *is* the wire format (`room_id`,
//! `user_id`). Renaming their fields to camelCase there would change what the server
//! and the SDK exchange; keeping snake_case would make them the only snake_case objects
//! of this API. So the browser gets these camelCase copies, and Kotlin and Swift use
//! the protocol's own types (UniFFI renames fields per language by itself).

use chat_protocol::v1::RoomVisibility;
use serde::Serialize;
use tsify::Tsify;

/// A room in a list: the rooms the user is in, or the public ones to join.
#[derive(Debug, Clone, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct RoomSummary {
    /// The room's id, which every other call about the room takes.
    pub room_id: String,
    /// The room's display name (for a direct room, show the other member's name).
    pub name: String,
    /// Who may join it.
    pub visibility: RoomVisibility,
    /// The room's highest seq: how many messages it has had.
    pub last_seq: u64,
    /// When the room was created, ms since the epoch.
    pub created_at: i64,
}

impl From<chat_protocol::v1::RoomSummary> for RoomSummary {
    fn from(r: chat_protocol::v1::RoomSummary) -> Self {
        Self {
            room_id: r.room_id.into_string(),
            name: r.name,
            visibility: r.visibility,
            last_seq: r.last_seq,
            created_at: r.created_at,
        }
    }
}

/// A user as others see them: the id messages carry and the name to show for it.
#[derive(Debug, Clone, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct UserProfile {
    /// The user's id, as in `LocalMessage.senderId`.
    pub user_id: String,
    /// The user's name (`external:<id>` for users of an external token issuer).
    pub username: String,
}

impl From<chat_protocol::v1::UserProfile> for UserProfile {
    fn from(u: chat_protocol::v1::UserProfile) -> Self {
        Self {
            user_id: u.user_id.into_string(),
            username: u.username,
        }
    }
}
