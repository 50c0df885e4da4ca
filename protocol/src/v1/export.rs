//! A user's data export (`GET /v1/users/me/export`): what the server holds about the
//! caller, in one JSON document they can keep or take elsewhere.

use serde::{Deserialize, Serialize};

use super::ids::{MessageId, RoomId};
use super::moderation::MemberRole;
use super::push::Device;
use super::rest::UserProfile;
use super::safety::{BlockedUser, Report};
use super::sign_ins::SignIn;
use super::types::{Message, RoomPlacement, RoomVisibility};

/// Answer to `GET /v1/users/me/export`. `reports`, `reactions`, `saved` and `messages`
/// come last: the server streams them a page at a time, so an export of any size costs
/// it one page of memory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DataExport {
    /// When the export was made (milliseconds since the epoch).
    pub exported_at: i64,
    /// The caller's profile.
    pub profile: UserProfile,
    /// The rooms the caller is a member of, in the order they joined them.
    pub rooms: Vec<ExportedRoom>,
    /// The users the caller blocked.
    pub blocks: Vec<BlockedUser>,
    /// The caller's push devices.
    pub devices: Vec<Device>,
    /// Where the caller is signed in (empty where an external auth service keeps the
    /// sign-ins).
    pub sign_ins: Vec<SignIn>,
    /// The reports the caller filed, oldest first (each with the content of the message
    /// reported, as it was then). Absent from servers before this field.
    #[serde(default)]
    pub reports: Vec<Report>,
    /// The caller's reactions, on messages in every room (those of rooms they left
    /// too), in the order of the messages (then of the emoji). Absent from servers
    /// before this field.
    #[serde(default)]
    pub reactions: Vec<ExportedReaction>,
    /// The messages the caller saved (§8.8c), oldest save first: which ones and when,
    /// not their content (most are other users' messages). Absent from servers before
    /// this field.
    #[serde(default)]
    pub saved: Vec<ExportedSave>,
    /// Every message the caller sent that is not deleted, in every room (those of
    /// rooms they left too), oldest first, with its current text and attachments.
    pub messages: Vec<Message>,
}

/// One of the caller's reactions, as the export lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportedReaction {
    /// The room of the message.
    pub room_id: RoomId,
    /// The message reacted to.
    pub message_id: MessageId,
    /// The reaction.
    pub emoji: String,
    /// When the caller reacted (milliseconds since the epoch).
    pub created_at: i64,
}

/// A message the caller saved, as the export lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportedSave {
    /// The room of the message.
    pub room_id: RoomId,
    /// The message saved.
    pub message_id: MessageId,
    /// When the caller saved it (milliseconds since the epoch).
    pub saved_at: i64,
}

/// One of the caller's memberships, as the export lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportedRoom {
    /// The room.
    pub room_id: RoomId,
    /// Its name (a direct room's as stored, not the other member's).
    pub name: String,
    /// Public, private or direct.
    pub visibility: RoomVisibility,
    /// The caller's role in it.
    pub role: MemberRole,
    /// When the caller became a member (milliseconds since the epoch).
    pub joined_at: i64,
    /// Where the caller keeps it in their list; absent for the main list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub placement: Option<RoomPlacement>,
    /// Until when the caller muted it; absent when never muted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub muted_until: Option<i64>,
}
