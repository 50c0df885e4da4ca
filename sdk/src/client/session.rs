//! The signed-in user's session: what sign-in returns, what the app stores, and what
//! it hands back to resume.

use chat_protocol::v1::AuthResponse;

/// A signed-in user. Keep it in the platform's secure storage (the Keychain,
/// encrypted preferences, `localStorage`) to resume without a password.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(
    feature = "tsify",
    derive(serde::Serialize, serde::Deserialize, tsify::Tsify),
    serde(rename_all = "camelCase")
)]
pub struct Session {
    /// The signed-in user's id, which their messages carry as their sender.
    pub user_id: String,
    /// The access token the client authenticates with.
    pub token: String,
    /// When the access token expires, ms since the epoch.
    pub expires_at: i64,
    /// With the server's built-in accounts: the single-use token that gets the next
    /// session (the client renews by itself and reports it as `SessionRenewed`). Store
    /// it securely and replace it with each new one.
    #[cfg_attr(
        feature = "tsify",
        serde(default, skip_serializing_if = "Option::is_none"),
        tsify(optional)
    )]
    pub refresh_token: Option<String>,
    /// When the refresh token expires, ms since the epoch.
    #[cfg_attr(
        feature = "tsify",
        serde(default, skip_serializing_if = "Option::is_none"),
        tsify(optional)
    )]
    pub refresh_expires_at: Option<i64>,
}

// Tokens stay out of logs.
impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("user_id", &self.user_id)
            .field("expires_at", &self.expires_at)
            .field("refresh_expires_at", &self.refresh_expires_at)
            .finish_non_exhaustive()
    }
}

impl From<AuthResponse> for Session {
    fn from(auth: AuthResponse) -> Self {
        Self {
            user_id: auth.user_id.to_string(),
            token: auth.token,
            expires_at: auth.expires_at,
            refresh_token: auth.refresh_token,
            refresh_expires_at: auth.refresh_expires_at,
        }
    }
}
