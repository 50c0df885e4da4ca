//! Users over REST: finding someone by name to start a conversation with them.

use axum::Json;
use axum::extract::State;
use chat_protocol::v1::{ApiError, UserProfile};

use super::extract::{ApiPath, AuthUser};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::validate;

/// `GET /v1/users/by-name/{username}`: a signed-in user looks up another by name
/// (case-insensitive), to add them to a room or open a direct room with them.
#[utoipa::path(
    get,
    path = "/v1/users/by-name/{username}",
    tag = "users",
    params(
        ("username" = String, Path, description = "The name, any case", pattern = r"^[A-Za-z0-9_.\-]{3,32}$"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The user", body = UserProfile),
        (status = 400, description = "`invalid_request`: not a valid username", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 404, description = "`not_found`: nobody has that name", body = ApiError),
    )
)]
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
        user_id: user.id.into(),
        username: user.username,
    }))
}
