//! The protocol records JavaScript sees in another shape than the wire's.
//!
//! Every other value the browser gets is declared once, in the SDK or the protocol
//! crate, with tsify behind their `tsify` features. `RoomSummary` (with its
//! `LastMessage`), `UserProfile`, `RoomMember`, `RoomDetails`, `RoomBan`, `BlockedUser`,
//! `Report`, `AttachmentLinks`, `Device`, `SignIn`, `RoomInvite` and `InvitePreview` cannot be: they are REST bodies, and tsify takes a
//! JavaScript object's shape from the type's serde derive, which for these *is* the
//! wire format (`room_id`, `user_id`). Renaming their fields to camelCase there would change what the server
//! and the SDK exchange; keeping snake_case would make them the only snake_case objects
//! of this API. So the browser gets these camelCase copies, and Kotlin and Swift use
//! the protocol's own types (UniFFI renames fields per language by itself).

use chat_protocol::v1::{MemberRole, RoomKind, RoomPlacement, RoomVisibility, WhoCanAdd};
use serde::Serialize;
use tsify::Tsify;

/// A room in a list: the rooms the user is in, or the public ones to join.
#[derive(Debug, Clone, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct RoomSummary {
    /// The room's id, which every other call about the room takes.
    pub room_id: String,
    /// The name to show (for a direct room, the other member's display name).
    pub name: String,
    /// Who may join it.
    pub visibility: RoomVisibility,
    /// Group or direct.
    pub kind: RoomKind,
    /// The room's highest seq (messages, edits and deletes all take one).
    pub last_seq: u64,
    /// When the room was created, ms since the epoch.
    pub created_at: i64,
    /// The newest message that is not deleted (its text cut to 200 characters).
    pub last_message: Option<LastMessage>,
    /// What the list is sorted by: the last message's time, or when the user joined.
    pub last_activity_at: i64,
    /// Messages from others after `readSeq`, not deleted: the badge.
    pub unread_count: u64,
    /// The user's read position.
    pub read_seq: u64,
    /// Whether the user muted the room.
    pub muted: bool,
    /// Unread messages that mention the user: the "@" badge.
    pub mention_count: u64,
    /// While muted: until when, ms since the epoch (absent when not muted).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub muted_until: Option<i64>,
    /// While muted: whether a message that mentions the user still notifies them
    /// (absent when not muted).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub notify_mentions: Option<bool>,
    /// The room's picture; a direct room's is the other member's (absent: none). Its
    /// image: `thumbnail(avatarId, "small")`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub avatar_id: Option<String>,
    /// Where the user keeps the room: `"favorite"` (listed first) or `"archived"`
    /// (absent: the main list). `setRoomPlacement` changes it on every device.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub placement: Option<RoomPlacement>,
    /// The user marked the room unread and has not read it since: show it as unread
    /// (a dot where `unreadCount` is 0). `markRoomUnread` sets it on every device;
    /// `markRead` takes it away.
    pub marked_unread: bool,
}

impl From<chat_protocol::v1::RoomSummary> for RoomSummary {
    fn from(r: chat_protocol::v1::RoomSummary) -> Self {
        Self {
            room_id: r.room_id.into_string(),
            name: r.name,
            visibility: r.visibility,
            kind: r.kind,
            last_seq: r.last_seq,
            created_at: r.created_at,
            last_message: r.last_message.map(LastMessage::from),
            last_activity_at: r.last_activity_at,
            unread_count: r.unread_count,
            read_seq: r.read_seq,
            muted: r.muted,
            mention_count: r.mention_count,
            muted_until: r.muted_until,
            notify_mentions: r.notify_mentions,
            avatar_id: r.avatar_id.map(|id| id.into_string()),
            placement: r.placement,
            marked_unread: r.marked_unread,
        }
    }
}

/// A room's newest message as its list entry shows it.
#[derive(Debug, Clone, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct LastMessage {
    /// The message's id.
    pub message_id: String,
    /// Its seq in the room.
    pub seq: u64,
    /// Who sent it.
    pub sender_id: String,
    /// Its text, cut to 200 characters.
    pub content: String,
    /// When it was sent, ms since the epoch.
    pub created_at: i64,
}

impl From<chat_protocol::v1::LastMessage> for LastMessage {
    fn from(m: chat_protocol::v1::LastMessage) -> Self {
        Self {
            message_id: m.message_id.into_string(),
            seq: m.seq,
            sender_id: m.sender_id.into_string(),
            content: m.content,
            created_at: m.created_at,
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
    /// The name to show: the one the user chose, else their username.
    pub display_name: String,
    /// Their picture (absent: none).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub avatar_id: Option<String>,
}

impl From<chat_protocol::v1::UserProfile> for UserProfile {
    fn from(u: chat_protocol::v1::UserProfile) -> Self {
        Self {
            user_id: u.user_id.into_string(),
            username: u.username,
            display_name: u.display_name,
            avatar_id: u.avatar_id.map(|id| id.into_string()),
        }
    }
}

/// A member of a room: who they are, their role and since when.
#[derive(Debug, Clone, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct RoomMember {
    /// The user's id, as in `LocalMessage.senderId`.
    pub user_id: String,
    /// The user's name.
    pub username: String,
    /// The name to show: the one the user chose, else their username.
    pub display_name: String,
    /// `owner`, `admin` or `member`.
    pub role: MemberRole,
    /// When they became a member, ms since the epoch.
    pub joined_at: i64,
    /// Their picture (absent: none).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub avatar_id: Option<String>,
}

impl From<chat_protocol::v1::RoomMember> for RoomMember {
    fn from(m: chat_protocol::v1::RoomMember) -> Self {
        Self {
            user_id: m.user_id.into_string(),
            username: m.username,
            display_name: m.display_name,
            role: m.role,
            joined_at: m.joined_at,
            avatar_id: m.avatar_id.map(|id| id.into_string()),
        }
    }
}

/// A room's settings, member count and the caller's role.
#[derive(Debug, Clone, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct RoomDetails {
    /// The room.
    pub room_id: String,
    /// Its name (empty for a direct room).
    pub name: String,
    /// Its topic (empty: none).
    pub topic: String,
    /// Public, private or direct.
    pub visibility: RoomVisibility,
    /// Who may add members.
    pub who_can_add: WhoCanAdd,
    /// How many members it has.
    pub member_count: u64,
    /// The room's highest seq.
    pub last_seq: u64,
    /// When it was created, ms since the epoch.
    pub created_at: i64,
    /// The caller's role.
    pub role: MemberRole,
    /// The room's picture (absent: none).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub avatar_id: Option<String>,
}

impl From<chat_protocol::v1::RoomDetails> for RoomDetails {
    fn from(d: chat_protocol::v1::RoomDetails) -> Self {
        Self {
            room_id: d.room_id.into_string(),
            name: d.name,
            topic: d.topic,
            visibility: d.visibility,
            who_can_add: d.who_can_add,
            member_count: d.member_count,
            last_seq: d.last_seq,
            created_at: d.created_at,
            role: d.role,
            avatar_id: d.avatar_id.map(|id| id.into_string()),
        }
    }
}

/// One ban of a room.
#[derive(Debug, Clone, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct RoomBan {
    /// The banned user.
    pub user_id: String,
    /// Who banned them.
    pub banned_by: String,
    /// The reason given, if any.
    pub reason: Option<String>,
    /// When, ms since the epoch.
    pub created_at: i64,
}

impl From<chat_protocol::v1::RoomBan> for RoomBan {
    fn from(b: chat_protocol::v1::RoomBan) -> Self {
        Self {
            user_id: b.user_id.into_string(),
            banned_by: b.banned_by.into_string(),
            reason: b.reason,
            created_at: b.created_at,
        }
    }
}

/// A user this user blocked.
#[derive(Debug, Clone, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct BlockedUser {
    /// The blocked user.
    pub user_id: String,
    /// Their username.
    pub username: String,
    /// The name to show for them.
    pub display_name: String,
    /// When they were blocked, ms since the epoch.
    pub blocked_at: i64,
}

impl From<chat_protocol::v1::BlockedUser> for BlockedUser {
    fn from(b: chat_protocol::v1::BlockedUser) -> Self {
        Self {
            user_id: b.user_id.into_string(),
            username: b.username,
            display_name: b.display_name,
            blocked_at: b.blocked_at,
        }
    }
}

/// One of the user's sign-ins.
#[derive(Debug, Clone, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct SignIn {
    /// Its id, for `endSignIn`.
    pub id: String,
    /// What the client called the device when it signed in, if anything.
    pub device_name: Option<String>,
    /// When it started, ms since the epoch.
    pub created_at: i64,
    /// When its client last renewed its session (or signed in), ms since the epoch.
    pub last_active_at: i64,
    /// Whether it is this client's sign-in.
    pub current: bool,
}

impl From<chat_protocol::v1::SignIn> for SignIn {
    fn from(s: chat_protocol::v1::SignIn) -> Self {
        Self {
            id: s.id,
            device_name: s.device_name,
            created_at: s.created_at,
            last_active_at: s.last_active_at,
            current: s.current,
        }
    }
}

/// A report as the server stored it.
#[derive(Debug, Clone, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The report's id.
    pub report_id: String,
    /// Who reported.
    pub reporter_id: String,
    /// The room where it happened.
    pub room_id: String,
    /// The message reported, if one was.
    pub message_id: Option<String>,
    /// The user reported (a reported message's sender when none was named).
    pub user_id: Option<String>,
    /// The reason given.
    pub reason: String,
    /// The reported message's content when it was reported.
    pub message_content: Option<String>,
    /// When, ms since the epoch.
    pub created_at: i64,
}

impl From<chat_protocol::v1::Report> for Report {
    fn from(r: chat_protocol::v1::Report) -> Self {
        Self {
            report_id: r.report_id,
            reporter_id: r.reporter_id.into_string(),
            room_id: r.room_id.into_string(),
            message_id: r.message_id.map(chat_protocol::v1::MessageId::into_string),
            user_id: r.user_id.map(chat_protocol::v1::UserId::into_string),
            reason: r.reason,
            message_content: r.message_content,
            created_at: r.created_at,
        }
    }
}

/// Links to an attachment that work without a token until `expiresAt`.
#[derive(Debug, Clone, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentLinks {
    /// The file itself.
    pub url: String,
    /// An image's small thumbnail.
    pub thumbnail_url: Option<String>,
    /// An image's medium thumbnail.
    pub medium_thumbnail_url: Option<String>,
    /// When the links stop working, ms since the epoch.
    pub expires_at: i64,
}

impl From<chat_protocol::v1::AttachmentLinks> for AttachmentLinks {
    fn from(l: chat_protocol::v1::AttachmentLinks) -> Self {
        Self {
            url: l.url,
            thumbnail_url: l.thumbnail_url,
            medium_thumbnail_url: l.medium_thumbnail_url,
            expires_at: l.expires_at,
        }
    }
}

/// One of the user's push devices.
#[derive(Debug, Clone, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    /// The server's id for it.
    pub device_id: String,
    /// The push service.
    pub platform: chat_protocol::v1::PushPlatform,
    /// The app it belongs to, when one was given.
    pub app_id: Option<String>,
    /// APNs only: the gateway the token is valid on.
    pub environment: Option<chat_protocol::v1::PushEnvironment>,
    /// The last characters of the token (or endpoint), to tell devices apart.
    pub token_hint: String,
    /// When it was first registered, ms since the epoch.
    pub registered_at: i64,
    /// When it was last registered, ms since the epoch.
    pub refreshed_at: i64,
}

impl From<chat_protocol::v1::Device> for Device {
    fn from(d: chat_protocol::v1::Device) -> Self {
        Self {
            device_id: d.device_id,
            platform: d.platform,
            app_id: d.app_id,
            environment: d.environment,
            token_hint: d.token_hint,
            registered_at: d.registered_at,
            refreshed_at: d.refreshed_at,
        }
    }
}

/// An invite link of a room.
#[derive(Debug, Clone, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct RoomInvite {
    /// Its id, for `revokeInvite`.
    pub invite_id: String,
    /// The code to share: only in `createInvite`'s answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub code: Option<String>,
    /// The room it lets one join.
    pub room_id: String,
    /// Who made it.
    pub created_by: String,
    /// When, ms since the epoch.
    pub created_at: i64,
    /// Until when it works, ms since the epoch.
    pub expires_at: i64,
    /// How many may join with it (absent: any number).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub max_uses: Option<u32>,
    /// How many joined with it so far.
    pub uses: u32,
}

impl From<chat_protocol::v1::RoomInvite> for RoomInvite {
    fn from(i: chat_protocol::v1::RoomInvite) -> Self {
        Self {
            invite_id: i.invite_id,
            code: i.code,
            room_id: i.room_id.into_string(),
            created_by: i.created_by.into_string(),
            created_at: i.created_at,
            expires_at: i.expires_at,
            max_uses: i.max_uses,
            uses: i.uses,
        }
    }
}

/// The room an invite leads to, to show before joining.
#[derive(Debug, Clone, Serialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct InvitePreview {
    /// The room.
    pub room_id: String,
    /// Its name.
    pub name: String,
    /// Its topic (empty: none).
    pub topic: String,
    /// Public or private.
    pub visibility: RoomVisibility,
    /// How many members it has.
    pub member_count: u64,
    /// Its picture (absent: none).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub avatar_id: Option<String>,
    /// Until when the invite works, ms since the epoch.
    pub expires_at: i64,
    /// Whether the user is a member already.
    pub member: bool,
}

impl From<chat_protocol::v1::InvitePreview> for InvitePreview {
    fn from(p: chat_protocol::v1::InvitePreview) -> Self {
        Self {
            room_id: p.room_id.into_string(),
            name: p.name,
            topic: p.topic,
            visibility: p.visibility,
            member_count: p.member_count,
            avatar_id: p.avatar_id.map(|id| id.into_string()),
            expires_at: p.expires_at,
            member: p.member,
        }
    }
}
