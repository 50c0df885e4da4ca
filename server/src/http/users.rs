//! Users over REST: profiles (the caller's own, which they may rename and picture, and
//! anyone's by id), and finding someone by name to start a conversation with them.

use axum::Json;
use axum::extract::State;
use chat_protocol::v1::{ApiError, ServerFrame, UpdateProfileRequest, UserProfile};
use tungstenite::Utf8Bytes;

use super::extract::{ApiJson, ApiPath, AuthUser};
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::ProfileChange;
use crate::{avatars, room_feed, validate};

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
    Ok(Json(user.profile()))
}

/// `GET /v1/users/{user_id}`: a user's profile, to show who wrote a message.
#[utoipa::path(
    get,
    path = "/v1/users/{user_id}",
    tag = "users",
    params(
        ("user_id" = String, Path, description = "The user (at most 128 bytes)"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The user", body = UserProfile),
        (status = 400, description = "`invalid_request`: a malformed user id", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 404, description = "`not_found`: no such user", body = ApiError),
    )
)]
pub async fn by_id(
    State(state): State<AppState>,
    AuthUser(_): AuthUser,
    ApiPath(user_id): ApiPath<String>,
) -> Result<Json<UserProfile>> {
    validate::id("user_id", &user_id)?;
    profile(&state, &user_id).await.map(Json)
}

/// `GET /v1/users/me`: the caller's own profile.
#[utoipa::path(
    get,
    path = "/v1/users/me",
    tag = "users",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = UserProfile),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
    )
)]
pub async fn me(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
) -> Result<Json<UserProfile>> {
    profile(&state, &user_id).await.map(Json)
}

/// `PATCH /v1/users/me`: sets the caller's display name, picture or both. Everyone who
/// shares a room with them, and their own other connections, get `user_updated`; the
/// other member of each of their direct rooms gets the room's `room_updated`, named and
/// pictured anew.
#[utoipa::path(
    patch,
    path = "/v1/users/me",
    tag = "users",
    request_body = UpdateProfileRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's profile as it is now", body = UserProfile),
        (status = 400, description = "`invalid_request`: nothing to change, a display name that is empty once trimmed, longer than 64 characters, or holds control characters, or a picture that is not an image", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: a picture someone else uploaded", body = ApiError),
        (status = 404, description = "`not_found`: no such upload of the caller's", body = ApiError),
        (status = 409, description = "`conflict`: the picture was sent with a message, or is another user's or room's picture", body = ApiError),
        (status = 413, description = "`too_large`: the body is larger than `--max-body-bytes`", body = ApiError),
        (status = 429, description = "`rate_limited`: more than 30 profile changes in a minute", body = ApiError),
    )
)]
pub async fn update_me(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
    ApiJson(request): ApiJson<UpdateProfileRequest>,
) -> Result<Json<UserProfile>> {
    let change = ProfileChange {
        display_name: request
            .display_name
            .as_deref()
            .map(validate::display_name)
            .transpose()?,
        avatar_id: request.avatar_id,
    };
    if change == ProfileChange::default() {
        return Err(Error::invalid(
            "nothing to change: give display_name or avatar_id",
        ));
    }
    avatars::check(&state, &user_id, change.avatar_id.as_deref()).await?;
    let message = format!(
        "more than {} profile changes a minute; retry in a minute",
        crate::limits::PROFILE_CHANGES_PER_MINUTE
    );
    crate::limits::take(
        state.limits().profile_changes(),
        &user_id,
        "profile",
        &message,
    )?;
    let profile = state
        .store()
        .update_profile(&user_id, &change, now_ms())
        .await?
        .ok_or_else(no_such_user)?;
    let mut audience = state.store().co_members(&user_id).await?;
    audience.push(user_id.clone());
    let frame = ServerFrame::UserUpdated {
        user_id: profile.user_id.clone(),
        username: profile.username.clone(),
        display_name: profile.display_name.clone(),
        avatar_id: profile.avatar_id.clone(),
    };
    state
        .bus()
        .publish_to_users(&audience, Utf8Bytes::from(frame.encode()));
    // A direct room is named and pictured after the other member: their lists show
    // the change.
    for (room_id, peer_id) in state.store().direct_peers(&user_id).await? {
        room_feed::entry_changed(&state, &room_id, &peer_id);
    }
    Ok(Json(profile))
}

async fn profile(state: &AppState, user_id: &str) -> Result<UserProfile> {
    state
        .store()
        .user_profile(user_id)
        .await?
        .ok_or_else(no_such_user)
}

fn no_such_user() -> Error {
    Error::not_found("no such user")
}
