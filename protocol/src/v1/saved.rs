//! Saved messages ("save for later", starred messages): a user's own list of messages
//! they want to find again, on every device of theirs. Private: nobody else sees it.

use serde::{Deserialize, Serialize};

use super::types::Message;

/// Most saved messages `GET /v1/users/me/saved` returns per page.
pub const MAX_SAVED_PAGE: u32 = 100;

/// A message the user saved, with when they saved it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SavedMessage {
    /// When the user saved it, milliseconds since the epoch.
    pub saved_at: i64,
    /// The message in its current state (edits applied).
    pub message: Message,
}

/// Answer to `GET /v1/users/me/saved`: the caller's saved messages that are not deleted,
/// in rooms they are still a member of, most recently saved first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SavedList {
    /// The saved messages.
    pub saved: Vec<SavedMessage>,
    /// The `before` that fetches the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub next_before: Option<String>,
}
