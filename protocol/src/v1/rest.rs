//! Request and response bodies of the REST API under `/v1`.

use serde::{Deserialize, Serialize};

use super::codes::ErrorCode;
use super::ids::{AttachmentId, MessageId, RoomId, UserId};
use super::moderation::MemberRole;
use super::types::{LastMessage, Message, RoomKind, RoomPlacement, RoomVisibility};

/// Body of `POST /v1/auth/register` and `POST /v1/auth/login`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Credentials {
    /// 3–32 characters: letters, digits, `_`, `-`, `.`.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^[A-Za-z0-9_.\-]{3,32}$", min_length = 3, max_length = 32)
    )]
    pub username: String,
    /// 8–256 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 256))]
    pub password: String,
    /// What to call this device in the user's list of sign-ins (`GET
    /// /v1/users/me/sign-ins`), such as "Pixel 8" or "Firefox on Linux": 1–64
    /// characters once trimmed, no control characters. Optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub device_name: Option<String>,
}

/// Body of `POST /v1/users/me/password`: the password now, and the one to use from
/// then on.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordChange {
    /// The account's password now.
    pub current_password: String,
    /// 8–256 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 256))]
    pub new_password: String,
}

// Hand-written so that passwords never reach a log line.
impl std::fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordChange")
            .field("current_password", &"<redacted>")
            .field("new_password", &"<redacted>")
            .finish()
    }
}

// Hand-written so that passwords never reach a log line.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("device_name", &self.device_name)
            .finish()
    }
}

/// Answer to register and login: an access token for REST and the WebSocket.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthResponse {
    /// The signed-in user's id (the `sub` of the token).
    pub user_id: UserId,
    /// A JWT to send as `Authorization: Bearer` and in `authenticate`.
    pub token: String,
    /// When the token expires, milliseconds since the Unix epoch.
    pub expires_at: i64,
    /// With the server's built-in accounts: a single-use token for
    /// `POST /v1/auth/refresh`, which returns a fresh access token and the next refresh
    /// token. Keep it secret and replace it with each new one; presenting a used one
    /// again signs the user out everywhere that sign-in reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub refresh_token: Option<String>,
    /// When `refresh_token` expires, milliseconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub refresh_expires_at: Option<i64>,
}

impl std::fmt::Debug for AuthResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthResponse")
            .field("user_id", &self.user_id)
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .field("refresh_expires_at", &self.refresh_expires_at)
            .finish()
    }
}

/// Body of `POST /v1/auth/refresh` (and of `POST /v1/auth/logout`, whose
/// [`LogoutRequest`] adds an optional field).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    /// The refresh token from the last register, login or refresh.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 256))]
    pub refresh_token: String,
}

impl std::fmt::Debug for RefreshRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshRequest")
            .field("refresh_token", &"<redacted>")
            .finish()
    }
}

/// Body of `POST /v1/auth/logout`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogoutRequest {
    /// The refresh token of the session to end.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 256))]
    pub refresh_token: String,
    /// The push device of this app install (`POST /v1/devices`), unregistered with the
    /// session so that a signed-out phone gets no more notifications. Optional: a device
    /// of another user, or an unknown id, is left alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 128))]
    pub device_id: Option<String>,
}

impl std::fmt::Debug for LogoutRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogoutRequest")
            .field("refresh_token", &"<redacted>")
            .field("device_id", &self.device_id)
            .finish()
    }
}

/// Body of `POST /v1/rooms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateRoomRequest {
    /// Display name, 1–100 characters with at least one that is not white space, and no
    /// NUL (ignored for direct rooms).
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 100, pattern = r"^[^\u0000]*\S[^\u0000]*$")
    )]
    pub name: String,
    /// Public, private or direct.
    pub visibility: RoomVisibility,
    /// Other users to add as members (at most 1000); a direct room needs exactly one.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 1000))]
    pub members: Vec<UserId>,
}

/// Answer to `POST /v1/rooms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateRoomResponse {
    /// The new room, or the existing direct room between the two users.
    pub room_id: RoomId,
}

/// A room as listed by `GET /v1/rooms` and `GET /v1/rooms/public`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RoomSummary {
    /// The room's id, which every other call about the room takes.
    pub room_id: RoomId,
    /// Display name; for a direct room, the other member's display name.
    pub name: String,
    /// Public, private or direct.
    pub visibility: RoomVisibility,
    /// Highest seq in the room.
    pub last_seq: u64,
    /// Creation time, milliseconds since the epoch.
    pub created_at: i64,
    /// Group or direct.
    #[serde(default)]
    pub kind: RoomKind,
    /// The latest message that is not deleted; `null` when there is none.
    #[serde(default)]
    pub last_message: Option<LastMessage>,
    /// When the room last saw a message, or when the caller became a member if that
    /// came later (milliseconds since the epoch): what the caller's list is sorted by.
    #[serde(default)]
    pub last_activity_at: i64,
    /// Messages from other users after `read_seq` that are not deleted (0 when the
    /// caller is not a member). Edits, deletes and other room events never count.
    #[serde(default)]
    pub unread_count: u64,
    /// The caller's read position in the room (0: nothing read).
    #[serde(default)]
    pub read_seq: u64,
    /// Whether the caller muted the room (until a time still to come).
    #[serde(default)]
    pub muted: bool,
    /// Of the unread messages, those that mention the caller.
    #[serde(default)]
    pub mention_count: u64,
    /// While the room is muted: until when (milliseconds since the epoch), so that an
    /// app can say so and unmute it in its own list once the time has passed. Absent
    /// when it is not muted, and from servers before this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub muted_until: Option<i64>,
    /// While the room is muted: whether a message that mentions the caller still
    /// notifies them (the `mentions` of `PUT /v1/rooms/{room_id}/mute`). Absent when it
    /// is not muted, and from servers before this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub notify_mentions: Option<bool>,
    /// The room's picture: its own (set by an owner or admin), or for a direct room
    /// the other member's. Absent when there is none, and from servers before avatars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub avatar_id: Option<AttachmentId>,
    /// Where the caller keeps the room in their list: a favorite (listed first) or
    /// archived. Absent for the main list, and from servers before placements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub placement: Option<RoomPlacement>,
    /// The caller marked the room unread (`PUT /v1/rooms/{room_id}/unread`) and has not
    /// read it since: apps show it as unread even with no unread message. Absent when
    /// not, and from servers before this field.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub marked_unread: bool,
}

/// Answer to `GET /v1/rooms` and `GET /v1/rooms/public`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoomList {
    /// The caller's rooms, most recent activity first; public rooms, newest first.
    pub rooms: Vec<RoomSummary>,
    /// `GET /v1/rooms`: the `after` that fetches the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub next_after: Option<String>,
}

/// Body of `PUT /v1/rooms/{room_id}/mute`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MuteRequest {
    /// Muted until this time (milliseconds since the epoch; a far-future time mutes
    /// for good); `null` unmutes.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub until: Option<i64>,
    /// Whether a message that mentions the caller still notifies them while the room is
    /// muted (offline notifications and pushes). Left out or `null`: `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mentions: Option<bool>,
}

/// Body of `PUT /v1/rooms/{room_id}/placement`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlacementRequest {
    /// `favorite` or `archived`; `null` (or left out) puts the room back in the main
    /// list. A room is never both: each placement replaces the one before.
    #[serde(default)]
    pub placement: Option<RoomPlacement>,
}

/// Body of `PUT /v1/rooms/{room_id}/unread`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MarkUnreadRequest {
    /// `true` marks the room unread for the caller, on every device of theirs; `false`
    /// takes the mark away. Reading the room (a `read` receipt) takes it away too.
    pub unread: bool,
}

/// Body of `PATCH /v1/users/me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateProfileRequest {
    /// The name other users see: 1–64 characters once trimmed, no control characters
    /// (absent or `null`: unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub display_name: Option<String>,
    /// The user's picture: an image they uploaded and have not sent (`""` removes it;
    /// absent or `null`: unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 128))]
    pub avatar_id: Option<String>,
}

/// Body of `POST /v1/rooms/{room_id}/members`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddMemberRequest {
    /// The user to add.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 128))]
    pub user_id: UserId,
}

/// A user as other users see them: the id every other message carries, and the name
/// to show for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct UserProfile {
    /// The id messages and receipts carry for this user.
    pub user_id: UserId,
    /// The user's name (`external:<id>` for users of an external token issuer).
    pub username: String,
    /// The name to show: the one the user chose, else their username.
    #[serde(default)]
    pub display_name: String,
    /// The user's picture: an attachment whose thumbnails (`GET
    /// /v1/attachments/{id}/thumbnail`) any signed-in user may fetch. Absent when they
    /// have none, and from servers before avatars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub avatar_id: Option<AttachmentId>,
}

/// A member of a room: their profile and their role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RoomMember {
    /// The id messages and receipts carry for this user.
    pub user_id: UserId,
    /// The user's name.
    pub username: String,
    /// The name to show: the one the user chose, else their username.
    #[serde(default)]
    pub display_name: String,
    /// Owner, admin or member; servers before roles leave it out, and it reads as
    /// `member`.
    #[serde(default = "member_role")]
    pub role: MemberRole,
    /// When the user became a member, milliseconds since the epoch (0 from servers
    /// before roles).
    #[serde(default)]
    pub joined_at: i64,
    /// The user's picture: an attachment whose thumbnails (`GET
    /// /v1/attachments/{id}/thumbnail`) any signed-in user may fetch. Absent when they
    /// have none, and from servers before avatars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub avatar_id: Option<AttachmentId>,
}

fn member_role() -> MemberRole {
    MemberRole::Member
}

/// Answer to `GET /v1/rooms/{room_id}/members`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberList {
    /// The members, in the order they joined.
    pub members: Vec<RoomMember>,
}

/// Answer to `GET /v1/rooms/{room_id}/messages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessagesPage {
    /// Messages in ascending seq order.
    pub messages: Vec<Message>,
    /// Whether more messages exist beyond this page in the direction asked
    /// (older for `before_seq`, newer for `after_seq`).
    pub has_more: bool,
}

/// Body of `POST /v1/rooms/{room_id}/messages` (the `Idempotency-Key` header carries
/// the client message id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SendMessageRequest {
    /// The text: no NUL, at most `--max-content-chars` characters (4000 by default),
    /// and at least one character that is not white space unless the message carries
    /// attachments (then it is their caption, and may be empty).
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 4000, pattern = r"^[^\u0000]*$")
    )]
    pub content: String,
    /// A message of the same room this one replies to (absent or `null`: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 128))]
    pub reply_to: Option<MessageId>,
    /// Members of the room the message mentions (at most 50).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(max_items = 50))]
    pub mentions: Vec<UserId>,
    /// Uploads (`POST /v1/uploads`) of the sender's to send with the message, at most
    /// 10, each not sent before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    pub attachments: Vec<AttachmentId>,
}

/// Body of every REST error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    /// Same codes as the WebSocket `error` frame.
    pub code: ErrorCode,
    /// Human-readable explanation.
    pub message: String,
}

/// Answer to `POST /v1/rooms/{room_id}/messages`: the same fields as `message_ack`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SendMessageResponse {
    /// The room the message was committed to.
    pub room_id: RoomId,
    /// The `Idempotency-Key` of the request.
    pub client_msg_id: String,
    /// The id the server assigned.
    pub message_id: MessageId,
    /// The room seq assigned at commit.
    pub seq: u64,
    /// Commit time, milliseconds since the Unix epoch.
    pub created_at: i64,
}
