//! Blocks and reports: what a user does about another user's behaviour (REST bodies).

use serde::{Deserialize, Serialize};

use super::ids::{MessageId, RoomId, UserId};

/// A user the caller blocked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BlockedUser {
    /// The blocked user.
    pub user_id: UserId,
    /// Their username.
    pub username: String,
    /// The name to show for them.
    pub display_name: String,
    /// When they were blocked, milliseconds since the epoch.
    pub blocked_at: i64,
}

/// Answer to `GET /v1/users/me/blocks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlockList {
    /// The blocked users, most recently blocked first.
    pub blocks: Vec<BlockedUser>,
}

/// Body of `POST /v1/reports`: a message or a user of a room the caller is a member of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportRequest {
    /// The room where it happened.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 128))]
    pub room_id: RoomId,
    /// The message reported (its content is kept with the report as it is now).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 128))]
    pub message_id: Option<MessageId>,
    /// The user reported (with a message: its sender when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 128))]
    pub user_id: Option<UserId>,
    /// Why: 1–500 characters, at least one that is not white space.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 500))]
    pub reason: String,
}

/// A report, as the server's admins see it (`201` answer to `POST /v1/reports` too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Report {
    /// The report's id.
    pub report_id: String,
    /// Who reported.
    pub reporter_id: UserId,
    /// The room where it happened.
    pub room_id: RoomId,
    /// The message reported, if one was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub message_id: Option<MessageId>,
    /// The user reported (a reported message's sender when none was named).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub user_id: Option<UserId>,
    /// The reporter's reason.
    pub reason: String,
    /// The reported message's content when it was reported (it stays with the report
    /// if the message is edited or deleted later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub message_content: Option<String>,
    /// Milliseconds since the epoch.
    pub created_at: i64,
}

/// Answer to `GET /v1/admin/reports`: a page of reports, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportList {
    /// The reports.
    pub reports: Vec<Report>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub next_before: Option<String>,
}

/// Body of `DELETE /v1/users/me`: users with a password of this server confirm with it;
/// users of an external auth service send none (their token is the confirmation).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeleteAccountRequest {
    /// The account's password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

impl std::fmt::Debug for DeleteAccountRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeleteAccountRequest")
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}
