//! Blocking users over REST: a blocked user cannot open a direct room with the blocker,
//! add them to a room or send in their direct room, and the blocker gets none of their
//! typing. (Clients hide a blocked user's messages in shared group rooms themselves.)

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chat_protocol::v1::{ApiError, BlockList, ServerFrame};
use tungstenite::Utf8Bytes;

use super::extract::{ApiPath, AuthUser};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::validate;

/// `PUT /v1/users/me/blocks/{user_id}`: blocks a user.
#[utoipa::path(
    put,
    path = "/v1/users/me/blocks/{user_id}",
    tag = "users",
    params(("user_id" = String, Path, description = "The user to block (at most 128 bytes)")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Blocked (also when they were)"),
        (status = 400, description = "`invalid_request`: a malformed user id, or the caller themself", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 404, description = "`not_found`: no such user", body = ApiError),
        (status = 429, description = "`rate_limited`: more than 30 blocks and unblocks a minute", body = ApiError),
    )
)]
pub async fn block(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    ApiPath(user_id): ApiPath<String>,
) -> Result<StatusCode> {
    validate::id("user_id", &user_id)?;
    if user_id == me {
        return Err(Error::invalid("you cannot block yourself"));
    }
    if !state.store().user_exists(&user_id).await? {
        return Err(Error::not_found("no such user"));
    }
    within_block_limit(&state, &me)?;
    state
        .store()
        .block_user(&me, &user_id, crate::clock::now_ms())
        .await?;
    tell_devices(&state, &me, &user_id, true);
    recount_room_list(&state, &me).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /v1/users/me/blocks/{user_id}`: lifts a block.
#[utoipa::path(
    delete,
    path = "/v1/users/me/blocks/{user_id}",
    tag = "users",
    params(("user_id" = String, Path, description = "The blocked user (at most 128 bytes)")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Not blocked (also when they were not)"),
        (status = 400, description = "`invalid_request`: a malformed user id", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 429, description = "`rate_limited`: more than 30 blocks and unblocks a minute", body = ApiError),
    )
)]
pub async fn unblock(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    ApiPath(user_id): ApiPath<String>,
) -> Result<StatusCode> {
    validate::id("user_id", &user_id)?;
    within_block_limit(&state, &me)?;
    state.store().unblock_user(&me, &user_id).await?;
    tell_devices(&state, &me, &user_id, false);
    recount_room_list(&state, &me).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Refuses a block or unblock past the caller's budget (each recounts their rooms).
fn within_block_limit(state: &AppState, me: &str) -> Result<()> {
    let message = format!(
        "more than {} blocks and unblocks a minute; retry in a minute",
        crate::limits::BLOCK_CHANGES_PER_MINUTE
    );
    crate::limits::take(
        state.limits().block_changes(),
        &me.to_owned(),
        "block",
        &message,
    )
}

/// Every device of the caller, on every process, hides (or shows again) the other
/// user's messages at once, not at its next connect. Sent before the recounted
/// summaries, which follow the store's reads.
fn tell_devices(state: &AppState, me: &str, user_id: &str, blocked: bool) {
    let frame = ServerFrame::BlockChanged {
        user_id: user_id.into(),
        blocked,
    };
    state
        .bus()
        .publish_to_users(&[me.to_owned()], Utf8Bytes::from(frame.encode()));
}

/// The caller's room list counts their blocks: every device of theirs gets their rooms
/// again. The block itself is stored already, so a failure here is logged, not answered
/// (the next `GET /v1/rooms` reads the counts right).
async fn recount_room_list(state: &AppState, me: &str) {
    if let Err(e) = crate::room_feed::blocks_changed(state, me).await {
        tracing::warn!(error = %e, user = %me, "room list: blocks changed, summaries not resent");
    }
}

/// `GET /v1/users/me/blocks`: the users the caller blocked.
#[utoipa::path(
    get,
    path = "/v1/users/me/blocks",
    tag = "users",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The blocked users, most recently blocked first", body = BlockList),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
) -> Result<Json<BlockList>> {
    let blocks = state.store().blocked_users(&me).await?;
    Ok(Json(BlockList { blocks }))
}
