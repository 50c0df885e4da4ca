//! Rooms over REST: create, list mine, list public, members.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chat_protocol::v1::{
    AddMemberRequest, CreateRoomRequest, CreateRoomResponse, MemberList, RoomList, RoomSummary,
    RoomVisibility,
};

use super::extract::{ApiJson, ApiPath, AuthUser};
use crate::access;
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::{NewRoom, RoomRecord};
use crate::validate;

/// Most members a room can be created with in one request.
const MAX_INITIAL_MEMBERS: usize = 1000;
/// Most public rooms listed.
const PUBLIC_ROOMS_LIMIT: u32 = 200;

fn summary(room: RoomRecord) -> RoomSummary {
    RoomSummary {
        room_id: room.id,
        name: room.name,
        visibility: room.visibility,
        last_seq: room.last_seq,
        created_at: room.created_at,
    }
}

/// `POST /v1/rooms`.
pub async fn create(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
    ApiJson(request): ApiJson<CreateRoomRequest>,
) -> Result<(StatusCode, Json<CreateRoomResponse>)> {
    let mut members = request.members;
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
        _ => {
            let name = request.name.trim().to_owned();
            if name.is_empty() || name.chars().count() > 100 {
                return Err(Error::invalid("room name must be 1-100 characters"));
            }
            validate::no_nul("room name", &name)?;
            name
        }
    };
    for member in &members {
        validate::id("members[]", member)?;
        if !state.store().user_exists(member).await? {
            return Err(Error::not_found(format!("no user with id {member}")));
        }
    }
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
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(CreateRoomResponse { room_id: room.id })))
}

/// `GET /v1/rooms`: rooms the caller is a member of.
pub async fn mine(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
) -> Result<Json<RoomList>> {
    let rooms = state.store().rooms_of(&user_id).await?;
    Ok(Json(RoomList {
        rooms: rooms.into_iter().map(summary).collect(),
    }))
}

/// `GET /v1/rooms/public`: rooms anyone may join.
pub async fn public(
    State(state): State<AppState>,
    AuthUser(_): AuthUser,
) -> Result<Json<RoomList>> {
    let rooms = state.store().public_rooms(PUBLIC_ROOMS_LIMIT).await?;
    Ok(Json(RoomList {
        rooms: rooms.into_iter().map(summary).collect(),
    }))
}

/// `GET /v1/rooms/{room_id}/members`: ids with names, so that apps can show who wrote.
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

/// `POST /v1/rooms/{room_id}/members`: a member adds someone; anyone may add
/// themselves to a public room; direct rooms never change.
pub async fn add_member(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
    ApiPath(room_id): ApiPath<String>,
    ApiJson(request): ApiJson<AddMemberRequest>,
) -> Result<StatusCode> {
    validate::id("user_id", &request.user_id)?;
    let room = if request.user_id == user_id {
        access::joinable_room(&state, &room_id, &user_id).await?.0
    } else {
        access::member_room(&state, &room_id, &user_id).await?
    };
    if room.visibility == RoomVisibility::Direct {
        return Err(Error::forbidden("direct rooms cannot get more members"));
    }
    if !state.store().user_exists(&request.user_id).await? {
        return Err(Error::not_found("no such user"));
    }
    state
        .store()
        .add_member(&room_id, &request.user_id, &user_id, now_ms())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
