//! Invite links over REST: members who may add others make a link (a code) to a group
//! room, private ones included; whoever holds it sees what it leads to and joins, until
//! it expires, is used up or is revoked.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chat_protocol::v1::{
    ApiError, CreateInviteRequest, InviteList, InvitePreview, JoinedRoom, MemberRole, RoomInvite,
    RoomVisibility, WhoCanAdd,
};
use rand::RngCore as _;

use super::extract::{ApiJson, ApiPath, AuthUser};
use crate::auth::refresh;
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::{MembershipAction, NewInvite};
use crate::{moderation, validate};

/// How long an invite works when the request does not say.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);
/// The shortest and longest lifetime a request may ask for.
const LIFETIMES: std::ops::RangeInclusive<u64> = 60..=30 * 24 * 3600;
/// The most users one invite may let in.
const MAX_USES: u32 = 1000;
/// The most invites of one room that may work at once: each is a row until it expires,
/// and a member who may invite could otherwise make them without end.
pub const MAX_WORKING_INVITES: u32 = 100;
/// The longest code accepted in a path (the server makes 32 hex digits).
const MAX_CODE_LEN: usize = 128;

/// `POST /v1/rooms/{room_id}/invites`: a new invite link to the room.
#[utoipa::path(
    post,
    path = "/v1/rooms/{room_id}/invites",
    tag = "rooms",
    params(("room_id" = String, Path, description = "The room (at most 128 bytes)")),
    request_body = CreateInviteRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The invite, with its code: the only time the code is shown", body = RoomInvite),
        (status = 400, description = "`invalid_request`: a lifetime outside 60 s to 30 days, `max_uses` outside 1 to 1000, or a body that is not this JSON", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: not a member who may add members, or a direct room", body = ApiError),
        (status = 404, description = "`not_found`: no such room", body = ApiError),
        (status = 409, description = "`conflict`: the room has 100 invites that still work", body = ApiError),
        (status = 413, description = "`too_large`: the body is larger than `--max-body-bytes`", body = ApiError),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
    ApiPath(room_id): ApiPath<String>,
    ApiJson(request): ApiJson<CreateInviteRequest>,
) -> Result<(StatusCode, Json<RoomInvite>)> {
    let lifetime = match request.expires_in_secs {
        None => DEFAULT_LIFETIME,
        Some(secs) if LIFETIMES.contains(&secs) => Duration::from_secs(secs),
        Some(_) => {
            return Err(Error::invalid(
                "expires_in_secs must be 60 to 2592000 (30 days)",
            ));
        }
    };
    if request
        .max_uses
        .is_some_and(|uses| uses == 0 || uses > MAX_USES)
    {
        return Err(Error::invalid("max_uses must be 1 to 1000"));
    }
    may_invite(&state, &room_id, &user_id).await?;
    let mut secret = [0u8; 16];
    rand::rng().fill_bytes(&mut secret);
    let code = hex::encode(secret);
    let created_at = now_ms();
    let lifetime_ms = i64::try_from(lifetime.as_millis()).unwrap_or(i64::MAX);
    let invite = NewInvite {
        id: uuid::Uuid::now_v7().to_string(),
        code_hash: refresh::hash(&code),
        room_id: room_id.clone(),
        created_by: user_id.clone(),
        created_at,
        expires_at: created_at.saturating_add(lifetime_ms),
        max_uses: request.max_uses,
    };
    if !state
        .store()
        .create_invite(&invite, MAX_WORKING_INVITES)
        .await?
    {
        return Err(Error::conflict(
            "this room has 100 invites that still work; revoke some first",
        ));
    }
    Ok((
        StatusCode::CREATED,
        Json(RoomInvite {
            invite_id: invite.id,
            code: Some(code),
            room_id: room_id.into(),
            created_by: user_id.into(),
            created_at,
            expires_at: invite.expires_at,
            max_uses: invite.max_uses,
            uses: 0,
        }),
    ))
}

/// `GET /v1/rooms/{room_id}/invites`: the room's invites that still work (without their
/// codes).
#[utoipa::path(
    get,
    path = "/v1/rooms/{room_id}/invites",
    tag = "rooms",
    params(("room_id" = String, Path, description = "The room (at most 128 bytes)")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The invites that still work, newest first", body = InviteList),
        (status = 400, description = "`invalid_request`: a malformed room id", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: not a member who may add members, or a direct room", body = ApiError),
        (status = 404, description = "`not_found`: no such room", body = ApiError),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
    ApiPath(room_id): ApiPath<String>,
) -> Result<Json<InviteList>> {
    may_invite(&state, &room_id, &user_id).await?;
    let invites = state.store().room_invites(&room_id, now_ms()).await?;
    Ok(Json(InviteList { invites }))
}

/// `DELETE /v1/rooms/{room_id}/invites/{invite_id}`: revokes an invite.
#[utoipa::path(
    delete,
    path = "/v1/rooms/{room_id}/invites/{invite_id}",
    tag = "rooms",
    params(
        ("room_id" = String, Path, description = "The room (at most 128 bytes)"),
        ("invite_id" = String, Path, description = "The invite (at most 128 bytes)"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked: its code no longer works"),
        (status = 400, description = "`invalid_request`: a malformed id", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: not a member", body = ApiError),
        (status = 404, description = "`not_found`: no such room, or no such invite the caller may revoke (their own, or any as an owner or admin)", body = ApiError),
    )
)]
pub async fn revoke(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
    ApiPath((room_id, invite_id)): ApiPath<(String, String)>,
) -> Result<StatusCode> {
    validate::id("invite_id", &invite_id)?;
    let role = member_role(&state, &room_id, &user_id).await?.0;
    let revoked = state
        .store()
        .revoke_invite(&room_id, &invite_id, &user_id, role.moderates())
        .await?;
    if !revoked {
        return Err(Error::not_found(
            "no such invite of this room that you may revoke",
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/invites/{code}`: what an invite leads to, to show before joining.
#[utoipa::path(
    get,
    path = "/v1/invites/{code}",
    tag = "rooms",
    params(("code" = String, Path, description = "The invite's code")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The room the invite leads to", body = InvitePreview),
        (status = 400, description = "`invalid_request`: a code longer than 128 bytes", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 404, description = "`not_found`: no such invite, or it expired, was used up or revoked", body = ApiError),
    )
)]
pub async fn preview(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<InvitePreview>> {
    Ok(Json(working_invite(&state, &code, &user_id).await?))
}

/// `POST /v1/invites/{code}/join`: the caller joins the invite's room.
#[utoipa::path(
    post,
    path = "/v1/invites/{code}/join",
    tag = "rooms",
    params(("code" = String, Path, description = "The invite's code")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller is a member of the room now (also when they were already: no use of the invite is spent then)", body = JoinedRoom),
        (status = 400, description = "`invalid_request`: a code longer than 128 bytes", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: the caller is banned from the room", body = ApiError),
        (status = 404, description = "`not_found`: no such invite, or it expired, was used up or revoked", body = ApiError),
    )
)]
pub async fn join(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<JoinedRoom>> {
    let room_id = working_invite(&state, &code, &user_id).await?.room_id;
    // The store spends the use and adds the member in one transaction, and refuses
    // an invite that stopped working meanwhile.
    let action = MembershipAction::JoinWithInvite {
        code_hash: refresh::hash(&code),
    };
    moderation::change(&state, &room_id, &user_id, action).await?;
    Ok(Json(JoinedRoom { room_id }))
}

/// The invite behind `code`, if it works now.
async fn working_invite(state: &AppState, code: &str, user_id: &str) -> Result<InvitePreview> {
    if code.is_empty() || code.len() > MAX_CODE_LEN {
        return Err(Error::invalid("an invite code is 1 to 128 bytes"));
    }
    state
        .store()
        .invite_preview(&refresh::hash(code), user_id, now_ms())
        .await?
        .ok_or_else(|| Error::not_found("no such invite, or it expired, was used up or revoked"))
}

/// The caller's role in the room, and the room's rule of who may add members.
async fn member_role(
    state: &AppState,
    room_id: &str,
    user_id: &str,
) -> Result<(MemberRole, WhoCanAdd, RoomVisibility)> {
    validate::id("room_id", room_id)?;
    let info = state
        .store()
        .room_info(room_id, user_id)
        .await?
        .ok_or_else(|| Error::not_found("no such room"))?;
    let role = info
        .role
        .ok_or_else(|| Error::forbidden("you are not a member of this room"))?;
    Ok((role, info.who_can_add, info.room.visibility))
}

/// Refuses a caller who may not add members to the room (the room's `who_can_add`), and
/// any direct room.
async fn may_invite(state: &AppState, room_id: &str, user_id: &str) -> Result<()> {
    let (role, who_can_add, visibility) = member_role(state, room_id, user_id).await?;
    if visibility == RoomVisibility::Direct {
        return Err(Error::forbidden("a direct room never gets more members"));
    }
    if who_can_add == WhoCanAdd::Admins && !role.moderates() {
        return Err(Error::forbidden(
            "in this room only the owner and admins may invite",
        ));
    }
    Ok(())
}
