//! A user's sign-ins: where their account is signed in, as `GET /v1/users/me/sign-ins`
//! lists them, so that they can end one they do not recognise.

use serde::{Deserialize, Serialize};

/// One sign-in of the caller: what a register, login or password change started on a
/// device, kept going by its refresh tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SignIn {
    /// Its id, for `DELETE /v1/users/me/sign-ins/{id}`.
    pub id: String,
    /// What the client called the device when it signed in, if anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub device_name: Option<String>,
    /// When it started, milliseconds since the epoch.
    pub created_at: i64,
    /// When its client last renewed its session (or signed in), milliseconds since the
    /// epoch: a client that stays online renews about once per access-token lifetime.
    pub last_active_at: i64,
    /// Whether it is the sign-in of the token the request was made with.
    pub current: bool,
}

/// Answer to `GET /v1/users/me/sign-ins`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInList {
    /// The user's sign-ins, most recently active first.
    pub sign_ins: Vec<SignIn>,
}

/// Answer to `POST /v1/users/me/sign-ins/end-others`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EndedSignIns {
    /// How many sign-ins were ended.
    pub ended: u32,
}
