//! Invite links: a code that lets whoever holds it join a group room, private ones
//! included, until it expires or is used up (`/v1/rooms/{room_id}/invites` and
//! `/v1/invites/{code}`).

use serde::{Deserialize, Serialize};

use super::ids::{AttachmentId, RoomId, UserId};
use super::types::RoomVisibility;

/// Body of `POST /v1/rooms/{room_id}/invites`; both may be left out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateInviteRequest {
    /// How long the invite works, in seconds: 60 to 2,592,000 (30 days); 7 days when
    /// left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 60, maximum = 2_592_000))]
    pub expires_in_secs: Option<u64>,
    /// How many users may join with it: 1 to 1,000; any number when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1000))]
    pub max_uses: Option<u32>,
}

/// An invite of a room, as its creator and the room's admins see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RoomInvite {
    /// Its id, for `DELETE /v1/rooms/{room_id}/invites/{invite_id}`.
    pub invite_id: String,
    /// The code to share (`/v1/invites/{code}`): only in the answer that created the
    /// invite. The server keeps a hash of it, and cannot show it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub code: Option<String>,
    /// The room it lets one join.
    pub room_id: RoomId,
    /// Who made it.
    pub created_by: UserId,
    /// When, milliseconds since the epoch.
    pub created_at: i64,
    /// Until when it works, milliseconds since the epoch.
    pub expires_at: i64,
    /// How many may join with it (absent: any number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub max_uses: Option<u32>,
    /// How many joined with it so far.
    pub uses: u32,
}

/// Answer to `GET /v1/rooms/{room_id}/invites`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteList {
    /// The room's invites that still work, newest first.
    pub invites: Vec<RoomInvite>,
}

/// Answer to `GET /v1/invites/{code}`: what the invite leads to, to show before joining.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct InvitePreview {
    /// The room.
    pub room_id: RoomId,
    /// Its name.
    pub name: String,
    /// Its topic (empty: none).
    pub topic: String,
    /// Public or private.
    pub visibility: RoomVisibility,
    /// How many members it has.
    pub member_count: u64,
    /// Its picture (absent: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub avatar_id: Option<AttachmentId>,
    /// Until when the invite works, milliseconds since the epoch.
    pub expires_at: i64,
    /// Whether the caller is a member already (joining changes nothing then).
    pub member: bool,
}

/// Answer to `POST /v1/invites/{code}/join`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JoinedRoom {
    /// The room the caller is a member of now.
    pub room_id: RoomId,
}
