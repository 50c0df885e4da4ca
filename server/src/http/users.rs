//! Users over REST: finding someone by name to start a conversation with them.

use axum::Json;
use axum::extract::State;
use chat_protocol::v1::UserProfile;

use super::extract::{ApiPath, AuthUser};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::validate;

/// `GET /v1/users/by-name/{username}`: a signed-in user looks up another by name
/// (case-insensitive), to add them to a room or open a direct room with them.
pub async fn by_name(
    State(state): State<AppState>,
    AuthUser(_): AuthUser,
    ApiPath(username): ApiPath<String>,
) -> Result<Json<UserProfile>> {
    validate::username(&username)?;
    let user = state
        .store()
        .user_by_name(&username)
        .await?
        .ok_or_else(|| Error::not_found("no user has that name"))?;
    Ok(Json(UserProfile {
        user_id: user.id,
        username: user.username,
    }))
}
