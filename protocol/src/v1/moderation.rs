//! Membership and moderation: roles, the room events that record who joined, left,
//! was removed or banned and how a room's settings changed, and the REST bodies that
//! make those changes.

use serde::{Deserialize, Serialize};

use super::ids::{AttachmentId, RoomId, UserId};
use super::types::RoomVisibility;

/// What a member may do in a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    /// Created the room (or took it over when its owner left): everything an admin
    /// may, and removing or demoting admins. Nobody can remove the owner or change
    /// their role.
    Owner,
    /// Removes and bans members, changes the room's settings, deletes any message.
    Admin,
    /// Sends, reads and (unless the room says otherwise) adds members.
    Member,
}

impl MemberRole {
    /// The snake_case name used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Member => "member",
        }
    }

    /// Parses the wire/storage name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "owner" => Some(Self::Owner),
            "admin" => Some(Self::Admin),
            "member" => Some(Self::Member),
            _ => None,
        }
    }

    /// Owner or admin: may remove members, change settings and delete any message.
    pub fn moderates(self) -> bool {
        matches!(self, Self::Owner | Self::Admin)
    }
}

/// Who may add members to a private or public room.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum WhoCanAdd {
    /// Any member (the default).
    #[default]
    Members,
    /// Only the owner and admins.
    Admins,
}

impl WhoCanAdd {
    /// The snake_case name used on the wire and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Members => "members",
            Self::Admins => "admins",
        }
    }

    /// Parses the wire/storage name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "members" => Some(Self::Members),
            "admins" => Some(Self::Admins),
            _ => None,
        }
    }
}

/// What happened to a membership, in a `member_changed` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum MembershipChange {
    /// The user became a member: joined a public room, or was added by `by`.
    Joined,
    /// The user left.
    Left,
    /// The user was removed by `by`.
    Kicked,
    /// The user was banned by `by` (and removed, if they were a member).
    Banned,
    /// The user's ban was lifted by `by`; they are not a member until added again.
    Unbanned,
    /// The user's role changed to `role` (also when ownership passes on because the
    /// owner left: `by` is then the owner who left).
    Role,
}

impl MembershipChange {
    /// Whether the user is no longer a member after this change.
    pub fn ends_membership(self) -> bool {
        matches!(self, Self::Left | Self::Kicked | Self::Banned)
    }
}

/// Why a connection stopped receiving a room's events, in `room_left`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum LeaveReason {
    /// The user left the room (on any of their devices).
    Left,
    /// An owner or admin removed the user.
    Kicked,
    /// An owner or admin banned the user.
    Banned,
    /// A server admin deleted the room.
    RoomDeleted,
}

impl LeaveReason {
    /// The reason a membership-ending change gives; `None` for the others.
    pub fn of(change: MembershipChange) -> Option<Self> {
        match change {
            MembershipChange::Left => Some(Self::Left),
            MembershipChange::Kicked => Some(Self::Kicked),
            MembershipChange::Banned => Some(Self::Banned),
            MembershipChange::Joined | MembershipChange::Unbanned | MembershipChange::Role => None,
        }
    }
}

/// A membership changed: a room event with its own seq, sent to the room's
/// connections and replayed on resume like edits. Never counts as unread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberChanged {
    /// The room whose log holds the event.
    pub room_id: RoomId,
    /// This event's seq.
    pub seq: u64,
    /// Whose membership changed.
    pub user_id: UserId,
    /// What happened.
    pub change: MembershipChange,
    /// The user's role from now on: set for `joined` and `role`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub role: Option<MemberRole>,
    /// Who made the change (the user themself for `joined` into a public room and
    /// for `left`).
    pub by: UserId,
    /// Milliseconds since the epoch.
    pub created_at: i64,
}

/// A room's settings changed: a room event with its own seq, like
/// [`MemberChanged`]. Only the settings that changed are present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoomChanged {
    /// The room whose log holds the event.
    pub room_id: RoomId,
    /// This event's seq.
    pub seq: u64,
    /// The new name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub name: Option<String>,
    /// The new topic (empty: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub topic: Option<String>,
    /// Who may add members from now on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub who_can_add: Option<WhoCanAdd>,
    /// The room's new picture, an attachment id (empty: removed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub avatar_id: Option<String>,
    /// Who changed them (an owner or admin).
    pub by: UserId,
    /// Milliseconds since the epoch.
    pub created_at: i64,
}

/// Body of `PUT /v1/rooms/{room_id}/members/{user_id}/role`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetRoleRequest {
    /// `admin` or `member` (ownership is not given away; it passes on when the owner
    /// leaves).
    pub role: MemberRole,
}

/// Body of `PATCH /v1/rooms/{room_id}`: the settings to change; at least one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateRoomRequest {
    /// 1–100 characters with at least one that is not white space, no NUL (absent or
    /// `null`: unchanged, as for the others).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub name: Option<String>,
    /// At most 500 characters, no NUL; empty removes the topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub topic: Option<String>,
    /// Who may add members.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub who_can_add: Option<WhoCanAdd>,
    /// The room's picture: an image the caller uploaded and has not sent; empty
    /// removes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 128))]
    pub avatar_id: Option<String>,
}

/// Answer to `GET /v1/rooms/{room_id}` and `PATCH /v1/rooms/{room_id}`: the room's
/// settings and the caller's role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RoomDetails {
    /// The room.
    pub room_id: RoomId,
    /// Display name (empty for a direct room).
    pub name: String,
    /// The topic (empty: none).
    pub topic: String,
    /// Public, private or direct.
    pub visibility: RoomVisibility,
    /// Who may add members.
    pub who_can_add: WhoCanAdd,
    /// How many members it has.
    pub member_count: u64,
    /// Highest seq in the room.
    pub last_seq: u64,
    /// Creation time, milliseconds since the epoch.
    pub created_at: i64,
    /// The caller's role.
    pub role: MemberRole,
    /// The room's picture (absent: none; servers before avatars leave it out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub avatar_id: Option<AttachmentId>,
}

/// Body of `POST /v1/rooms/{room_id}/bans`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BanRequest {
    /// The user to ban (a member or not).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 128))]
    pub user_id: UserId,
    /// Why, for the room's admins (at most 500 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub reason: Option<String>,
}

/// One ban of a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RoomBan {
    /// The banned user.
    pub user_id: UserId,
    /// Who banned them.
    pub banned_by: UserId,
    /// The reason given, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub reason: Option<String>,
    /// Milliseconds since the epoch.
    pub created_at: i64,
}

/// Answer to `GET /v1/rooms/{room_id}/bans`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BanList {
    /// The room's bans, newest first.
    pub bans: Vec<RoomBan>,
}
