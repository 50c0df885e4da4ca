//! Rooms over REST: create, list public, members (the caller's own list is
//! `room_list`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chat_protocol::v1::{
    AddMemberRequest, ApiError, CreateRoomRequest, CreateRoomResponse, MemberList, RoomList,
    RoomVisibility,
};

use super::extract::{ApiJson, ApiPath, AuthUser};
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::room_feed::{self, summary};
use crate::state::AppState;
use crate::store::{MembershipAction, NewRoom};
use crate::validate;
use crate::{access, moderation};

/// Most members a room can be created with in one request.
const MAX_INITIAL_MEMBERS: usize = 1000;
/// Most public rooms listed.
const PUBLIC_ROOMS_LIMIT: u32 = 200;

/// `POST /v1/rooms`.
#[utoipa::path(
    post,
    path = "/v1/rooms",
    tag = "rooms",
    request_body = CreateRoomRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new room", body = CreateRoomResponse),
        (status = 200, description = "The direct room that already exists between the two users", body = CreateRoomResponse),
        (status = 400, description = "`invalid_request`: a bad name, id or member count (a direct room needs exactly one other member)", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 404, description = "`not_found`: a member who does not exist", body = ApiError),
        (status = 413, description = "`too_large`: more than 1000 members, or a body larger than `--max-body-bytes`", body = ApiError),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
    ApiJson(request): ApiJson<CreateRoomRequest>,
) -> Result<(StatusCode, Json<CreateRoomResponse>)> {
    let mut members: Vec<String> = request.members.into_iter().map(String::from).collect();
    members.sort();
    members.dedup();
    members.retain(|m| *m != user_id);
    if members.len() > MAX_INITIAL_MEMBERS {
        return Err(Error::too_large(format!(
            "at most {MAX_INITIAL_MEMBERS} initial members"
        )));
    }
    let name = match request.visibility {
        RoomVisibility::Direct => {
            if members.len() != 1 {
                return Err(Error::invalid(
                    "a direct room needs exactly one other member",
                ));
            }
            String::new()
        }
        _ => validate::room_name(&request.name)?,
    };
    for member in &members {
        validate::id("members[]", member)?;
        if !state.store().user_exists(member).await? {
            return Err(Error::not_found(format!("no user with id {member}")));
        }
    }
    let mut everyone = members.clone();
    everyone.push(user_id.clone());
    let (room, created) = state
        .store()
        .create_room(NewRoom {
            id: uuid::Uuid::now_v7().to_string(),
            name,
            visibility: request.visibility,
            creator: user_id,
            members,
            now: now_ms(),
        })
        .await?;
    let status = if created {
        room_feed::members_added(&state, &room.id, everyone);
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(CreateRoomResponse {
            room_id: room.id.into(),
        }),
    ))
}

/// `GET /v1/rooms/public`: rooms anyone may join.
#[utoipa::path(
    get,
    path = "/v1/rooms/public",
    tag = "rooms",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Public rooms, newest first (at most 200)", body = RoomList),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
    )
)]
pub async fn public(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
) -> Result<Json<RoomList>> {
    let rooms = state
        .store()
        .public_rooms(&user_id, PUBLIC_ROOMS_LIMIT)
        .await?;
    let now = now_ms();
    Ok(Json(RoomList {
        rooms: rooms.into_iter().map(|r| summary(r, now)).collect(),
        next_after: None,
    }))
}

/// `GET /v1/rooms/{room_id}/members`: ids with names, so that apps can show who wrote.
#[utoipa::path(
    get,
    path = "/v1/rooms/{room_id}/members",
    tag = "rooms",
    params(
        ("room_id" = String, Path, description = "The room (at most 128 bytes)"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The members, in the order they joined", body = MemberList),
        (status = 400, description = "`invalid_request`: a malformed room id", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: the caller is not a member", body = ApiError),
        (status = 404, description = "`not_found`: no such room", body = ApiError),
    )
)]
pub async fn members(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
    ApiPath(room_id): ApiPath<String>,
) -> Result<Json<MemberList>> {
    access::member_room(&state, &room_id, &user_id).await?;
    Ok(Json(MemberList {
        members: state.store().members(&room_id).await?,
    }))
}

/// `POST /v1/rooms/{room_id}/members`: a member adds someone (only an owner or admin
/// when the room says so); anyone may add themselves to a public room; direct rooms
/// never change; banned users cannot be added.
#[utoipa::path(
    post,
    path = "/v1/rooms/{room_id}/members",
    tag = "rooms",
    params(
        ("room_id" = String, Path, description = "The room (at most 128 bytes)"),
    ),
    request_body = AddMemberRequest,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The user is a member (also when they already were)"),
        (status = 400, description = "`invalid_request`: a malformed id, or a body that is not this JSON", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: the caller is not a member, the room is private, it is a direct room, only admins may add members, or the user is banned", body = ApiError),
        (status = 404, description = "`not_found`: no such room or user", body = ApiError),
        (status = 413, description = "`too_large`: the body is larger than `--max-body-bytes`", body = ApiError),
    )
)]
pub async fn add_member(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
    ApiPath(room_id): ApiPath<String>,
    ApiJson(request): ApiJson<AddMemberRequest>,
) -> Result<StatusCode> {
    validate::id("room_id", &room_id)?;
    validate::id("user_id", &request.user_id)?;
    if !state.store().user_exists(&request.user_id).await? {
        return Err(Error::not_found("no such user"));
    }
    let add = MembershipAction::Add {
        user_id: request.user_id.into(),
    };
    moderation::change(&state, &room_id, &user_id, add).await?;
    Ok(StatusCode::NO_CONTENT)
}
