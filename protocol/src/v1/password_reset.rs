//! Resetting a forgotten password without mail: a server admin (or the app's backend,
//! holding an admin's token) asks for a one-time reset token and hands it to the user
//! the way the app reaches them; the user's client trades it for a new password.

use serde::{Deserialize, Serialize};

/// Answer to `POST /v1/admin/users/{user_id}/password-reset`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetGrant {
    /// The one-time token for `POST /v1/auth/password-reset` (64 hex characters). Give
    /// it to the user only: whoever holds it can set the account's password.
    pub reset_token: String,
    /// Until when it can be used, milliseconds since the epoch.
    pub expires_at: i64,
}

/// Body of `POST /v1/auth/password-reset`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordReset {
    /// The token a server admin was given for the user.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 256))]
    pub reset_token: String,
    /// 8–256 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 256))]
    pub new_password: String,
    /// What to call this device in the user's list of sign-ins, as at login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub device_name: Option<String>,
}

// Hand-written so that secrets never reach a log line.
impl std::fmt::Debug for PasswordResetGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordResetGrant")
            .field("reset_token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl std::fmt::Debug for PasswordReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordReset")
            .field("reset_token", &"<redacted>")
            .field("new_password", &"<redacted>")
            .field("device_name", &self.device_name)
            .finish()
    }
}
