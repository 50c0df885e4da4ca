//! Membership and moderation over REST: leaving, removing, banning, roles, and a room's
//! settings. The rules live in the store (`store::membership`), which applies them in
//! the transaction that makes the change; each change is a room event
//! (`crate::moderation`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chat_protocol::v1::{
    ApiError, BanList, BanRequest, MAX_REASON_CHARS, MAX_TOPIC_CHARS, MemberRole, RoomDetails,
    SetRoleRequest, UpdateRoomRequest,
};

use super::extract::{ApiJson, ApiPath, AuthUser};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::{MembershipAction, RoomSettings};
use crate::{avatars, moderation, validate};

/// `POST /v1/rooms/{room_id}/leave`.
#[utoipa::path(
    post,
    path = "/v1/rooms/{room_id}/leave",
    tag = "rooms",
    params(("room_id" = String, Path, description = "The room (at most 128 bytes)")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The caller is no longer a member: their connections got `room_left` (an owner's role passed to the longest-standing admin, else member). A direct room is only hidden from the caller's list until its next message"),
        (status = 400, description = "`invalid_request`: a malformed room id", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: the caller is not a member", body = ApiError),
        (status = 404, description = "`not_found`: no such room", body = ApiError),
    )
)]
pub async fn leave(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
    ApiPath(room_id): ApiPath<String>,
) -> Result<StatusCode> {
    validate::id("room_id", &room_id)?;
    moderation::change(&state, &room_id, &user_id, MembershipAction::Leave).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /v1/rooms/{room_id}/members/{user_id}`: an owner or admin removes a member.
#[utoipa::path(
    delete,
    path = "/v1/rooms/{room_id}/members/{user_id}",
    tag = "rooms",
    params(
        ("room_id" = String, Path, description = "The room (at most 128 bytes)"),
        ("user_id" = String, Path, description = "The member to remove"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed: their connections got `room_left` with reason `kicked`"),
        (status = 400, description = "`invalid_request`: a malformed id, or the caller themself (leave instead)", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: the caller is not an owner or admin, the target is the owner, an admin removing an admin, or a direct room", body = ApiError),
        (status = 404, description = "`not_found`: no such room, or the user is not a member", body = ApiError),
    )
)]
pub async fn remove_member(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath((room_id, user_id)): ApiPath<(String, String)>,
) -> Result<StatusCode> {
    validate::id("room_id", &room_id)?;
    validate::id("user_id", &user_id)?;
    moderation::change(
        &state,
        &room_id,
        &actor,
        MembershipAction::Remove { user_id },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /v1/rooms/{room_id}/members/{user_id}/role`.
#[utoipa::path(
    put,
    path = "/v1/rooms/{room_id}/members/{user_id}/role",
    tag = "rooms",
    params(
        ("room_id" = String, Path, description = "The room (at most 128 bytes)"),
        ("user_id" = String, Path, description = "The member whose role changes"),
    ),
    request_body = SetRoleRequest,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The member has the role (also when they had it)"),
        (status = 400, description = "`invalid_request`: a malformed id or body, or the caller themself", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: the caller is not an owner or admin, the target is the owner, `owner` was asked, an admin demoting an admin, or a direct room", body = ApiError),
        (status = 404, description = "`not_found`: no such room, or the user is not a member", body = ApiError),
        (status = 413, description = "`too_large`: the body is larger than `--max-body-bytes`", body = ApiError),
    )
)]
pub async fn set_role(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath((room_id, user_id)): ApiPath<(String, String)>,
    ApiJson(request): ApiJson<SetRoleRequest>,
) -> Result<StatusCode> {
    validate::id("room_id", &room_id)?;
    validate::id("user_id", &user_id)?;
    let action = MembershipAction::SetRole {
        user_id,
        role: request.role,
    };
    moderation::change(&state, &room_id, &actor, action).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/rooms/{room_id}/bans`.
#[utoipa::path(
    post,
    path = "/v1/rooms/{room_id}/bans",
    tag = "rooms",
    params(("room_id" = String, Path, description = "The room (at most 128 bytes)")),
    request_body = BanRequest,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Banned (also when they were): removed if a member, and refused as a member until unbanned"),
        (status = 400, description = "`invalid_request`: a malformed id or body, a reason over 500 characters, or the caller themself", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: the caller is not an owner or admin, the target is the owner, an admin banning an admin, or a direct room", body = ApiError),
        (status = 404, description = "`not_found`: no such room or user", body = ApiError),
        (status = 413, description = "`too_large`: the body is larger than `--max-body-bytes`", body = ApiError),
    )
)]
pub async fn ban(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(room_id): ApiPath<String>,
    ApiJson(request): ApiJson<BanRequest>,
) -> Result<StatusCode> {
    validate::id("room_id", &room_id)?;
    validate::id("user_id", &request.user_id)?;
    let reason = request
        .reason
        .as_deref()
        .map(|reason| validate::short_text("reason", reason, MAX_REASON_CHARS))
        .transpose()?
        .filter(|reason| !reason.is_empty());
    if !state.store().user_exists(&request.user_id).await? {
        return Err(Error::not_found("no such user"));
    }
    let action = MembershipAction::Ban {
        user_id: request.user_id.into(),
        reason,
    };
    moderation::change(&state, &room_id, &actor, action).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /v1/rooms/{room_id}/bans/{user_id}`.
#[utoipa::path(
    delete,
    path = "/v1/rooms/{room_id}/bans/{user_id}",
    tag = "rooms",
    params(
        ("room_id" = String, Path, description = "The room (at most 128 bytes)"),
        ("user_id" = String, Path, description = "The banned user"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Not banned (also when they were not); they are not a member until added again"),
        (status = 400, description = "`invalid_request`: a malformed id, or the caller themself", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: the caller is not an owner or admin, or a direct room", body = ApiError),
        (status = 404, description = "`not_found`: no such room", body = ApiError),
    )
)]
pub async fn unban(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath((room_id, user_id)): ApiPath<(String, String)>,
) -> Result<StatusCode> {
    validate::id("room_id", &room_id)?;
    validate::id("user_id", &user_id)?;
    moderation::change(
        &state,
        &room_id,
        &actor,
        MembershipAction::Unban { user_id },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/rooms/{room_id}/bans`: for the room's owner and admins.
#[utoipa::path(
    get,
    path = "/v1/rooms/{room_id}/bans",
    tag = "rooms",
    params(("room_id" = String, Path, description = "The room (at most 128 bytes)")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The room's bans, newest first", body = BanList),
        (status = 400, description = "`invalid_request`: a malformed room id", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: the caller is not an owner or admin", body = ApiError),
        (status = 404, description = "`not_found`: no such room", body = ApiError),
    )
)]
pub async fn bans(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
    ApiPath(room_id): ApiPath<String>,
) -> Result<Json<BanList>> {
    let details = details_for(&state, &room_id, &user_id).await?;
    if !details.role.moderates() {
        return Err(Error::forbidden(
            "only the room's owner and admins may see its bans",
        ));
    }
    Ok(Json(BanList {
        bans: state.store().room_bans(&room_id).await?,
    }))
}

/// `GET /v1/rooms/{room_id}`: the room's settings and the caller's role.
#[utoipa::path(
    get,
    path = "/v1/rooms/{room_id}",
    tag = "rooms",
    params(("room_id" = String, Path, description = "The room (at most 128 bytes)")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The room", body = RoomDetails),
        (status = 400, description = "`invalid_request`: a malformed room id", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: the caller is not a member", body = ApiError),
        (status = 404, description = "`not_found`: no such room", body = ApiError),
    )
)]
pub async fn details(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
    ApiPath(room_id): ApiPath<String>,
) -> Result<Json<RoomDetails>> {
    Ok(Json(details_for(&state, &room_id, &user_id).await?))
}

/// `PATCH /v1/rooms/{room_id}`: an owner or admin changes the name, topic, who may
/// add members or the room's picture.
#[utoipa::path(
    patch,
    path = "/v1/rooms/{room_id}",
    tag = "rooms",
    params(("room_id" = String, Path, description = "The room (at most 128 bytes)")),
    request_body = UpdateRoomRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The room as it is now; a `room_changed` event went to its members if anything changed", body = RoomDetails),
        (status = 400, description = "`invalid_request`: nothing to change, a bad name (1-100 characters) or topic (at most 500), a picture that is not an image, or a body that is not this JSON", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: the caller is not an owner or admin, a direct room, or a picture someone else uploaded", body = ApiError),
        (status = 404, description = "`not_found`: no such room, or no such upload of the caller's", body = ApiError),
        (status = 409, description = "`conflict`: the picture was sent with a message, or is another user's or room's picture", body = ApiError),
        (status = 413, description = "`too_large`: the body is larger than `--max-body-bytes`", body = ApiError),
    )
)]
pub async fn update(
    State(state): State<AppState>,
    AuthUser(actor): AuthUser,
    ApiPath(room_id): ApiPath<String>,
    ApiJson(request): ApiJson<UpdateRoomRequest>,
) -> Result<Json<RoomDetails>> {
    validate::id("room_id", &room_id)?;
    let settings = RoomSettings {
        name: request
            .name
            .as_deref()
            .map(validate::room_name)
            .transpose()?,
        topic: request
            .topic
            .as_deref()
            .map(|topic| validate::short_text("topic", topic, MAX_TOPIC_CHARS))
            .transpose()?,
        who_can_add: request.who_can_add,
        avatar_id: request.avatar_id,
    };
    if settings == RoomSettings::default() {
        return Err(Error::invalid(
            "nothing to change: give name, topic, who_can_add or avatar_id",
        ));
    }
    avatars::check(&state, &actor, settings.avatar_id.as_deref()).await?;
    moderation::change(&state, &room_id, &actor, MembershipAction::Update(settings)).await?;
    Ok(Json(details_for(&state, &room_id, &actor).await?))
}

/// The room as a member sees it.
async fn details_for(state: &AppState, room_id: &str, user_id: &str) -> Result<RoomDetails> {
    validate::id("room_id", room_id)?;
    let info = state
        .store()
        .room_info(room_id, user_id)
        .await?
        .ok_or_else(|| Error::not_found("no such room"))?;
    let role: MemberRole = info
        .role
        .ok_or_else(|| Error::forbidden("you are not a member of this room"))?;
    Ok(RoomDetails {
        room_id: info.room.id.into(),
        name: info.room.name,
        topic: info.topic,
        visibility: info.room.visibility,
        who_can_add: info.who_can_add,
        member_count: info.member_count,
        last_seq: info.room.last_seq,
        created_at: info.room.created_at,
        role,
        avatar_id: info.avatar_id.map(Into::into),
    })
}
