//! The caller's room list (`GET /v1/rooms`): favorites first, then the other rooms,
//! each part most recent activity first, paged by an opaque cursor, each room with its
//! last message, unread count, read position, mute, placement and unread mark; muting
//! a room, placing it (a favorite, archived, or back in the main list) and marking it
//! unread.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chat_protocol::v1::{
    ApiError, MarkUnreadRequest, MuteRequest, PlacementRequest, RoomList, RoomPlacement,
    RoomSummary,
};
use serde::Deserialize;

use super::extract::{ApiJson, ApiPath, ApiQuery, AuthUser};
use crate::access;
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::room_feed::{self, summary};
use crate::state::AppState;
use crate::store::{EntryChange, RoomListCursor};
use crate::validate;

/// Most rooms in one page, and the page size when `limit` is left out: clients from
/// before paging ask without it and expect every room.
const MAX_PAGE: u32 = 1000;

/// Query of `GET /v1/rooms`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoomListQuery {
    /// Page size, 1 to 1000 (default 1000).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
    /// The `next_after` of the previous page.
    #[param(max_length = 160)]
    after: Option<String>,
    /// `false`: leave archived rooms out (the main list and favorites); `true`: only
    /// archived rooms. Left out: every room.
    archived: Option<bool>,
}

/// Marks a cursor taken among the favorites: they are listed before the other rooms.
const FAVORITE_CURSOR: char = 'f';

/// `[f]<activity ms>.<room id>`: where the next page starts. Opaque to clients. Cursors
/// from before favorites (no `f`) still read: they were among the other rooms.
fn encode_cursor(entry: &RoomSummary) -> String {
    let part = if entry.placement == Some(RoomPlacement::Favorite) {
        FAVORITE_CURSOR.to_string()
    } else {
        String::new()
    };
    format!("{part}{}.{}", entry.last_activity_at, entry.room_id)
}

fn decode_cursor(text: &str) -> Result<RoomListCursor> {
    let refused = || Error::invalid("after must be the next_after of an earlier page");
    let (favorite, text) = match text.strip_prefix(FAVORITE_CURSOR) {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (activity, room_id) = text.split_once('.').ok_or_else(refused)?;
    let last_activity_at = activity.parse().map_err(|_| refused())?;
    validate::id("after", room_id).map_err(|_| refused())?;
    Ok(RoomListCursor {
        favorite,
        last_activity_at,
        room_id: room_id.to_owned(),
    })
}

/// `GET /v1/rooms?limit=&after=&archived=`: rooms the caller is a member of.
#[utoipa::path(
    get,
    path = "/v1/rooms",
    tag = "rooms",
    params(RoomListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's rooms, favorites first, each part most recent activity first; `next_after` fetches the next page", body = RoomList),
        (status = 400, description = "`invalid_request`: a bad `limit`, `after` or `archived`", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
    )
)]
pub async fn mine(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
    ApiQuery(query): ApiQuery<RoomListQuery>,
) -> Result<Json<RoomList>> {
    let limit = validate::limit(query.limit.unwrap_or(MAX_PAGE), MAX_PAGE)?;
    let after = query.after.as_deref().map(decode_cursor).transpose()?;
    // One more than the page: whether it exists says if there is a next page.
    let mut entries = state
        .store()
        .room_list(&user_id, query.archived, after.as_ref(), limit + 1)
        .await?;
    let more = entries.len() > limit as usize;
    entries.truncate(limit as usize);
    let now = now_ms();
    let rooms: Vec<RoomSummary> = entries.into_iter().map(|e| summary(e, now)).collect();
    let next_after = if more {
        rooms.last().map(encode_cursor)
    } else {
        None
    };
    Ok(Json(RoomList { rooms, next_after }))
}

/// `PUT /v1/rooms/{room_id}/mute`: mutes the room for the caller until a time, or
/// unmutes it. A muted room still counts unread messages; notifications honour it.
#[utoipa::path(
    put,
    path = "/v1/rooms/{room_id}/mute",
    tag = "rooms",
    params(
        ("room_id" = String, Path, description = "The room (at most 128 bytes)"),
    ),
    request_body = MuteRequest,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Muted until `until`, or unmuted"),
        (status = 400, description = "`invalid_request`: a malformed room id, or `until` that is not a time (a negative number)", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: the caller is not a member", body = ApiError),
        (status = 404, description = "`not_found`: no such room", body = ApiError),
        (status = 413, description = "`too_large`: the body is larger than `--max-body-bytes`", body = ApiError),
    )
)]
pub async fn mute(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
    ApiPath(room_id): ApiPath<String>,
    ApiJson(request): ApiJson<MuteRequest>,
) -> Result<StatusCode> {
    if request.until.is_some_and(|until| until < 0) {
        return Err(Error::invalid(
            "until must be a time in milliseconds since the epoch, or null",
        ));
    }
    let change = EntryChange::Mute {
        until: request.until,
        mentions: request.mentions.unwrap_or(true),
    };
    change_own_entry(&state, &room_id, &user_id, change).await
}

/// `PUT /v1/rooms/{room_id}/placement`: keeps the room among the caller's favorites,
/// archives it, or puts it back in the main list, on every device of theirs.
#[utoipa::path(
    put,
    path = "/v1/rooms/{room_id}/placement",
    tag = "rooms",
    params(
        ("room_id" = String, Path, description = "The room (at most 128 bytes)"),
    ),
    request_body = PlacementRequest,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Placed; every connection of the caller gets the room's summary again"),
        (status = 400, description = "`invalid_request`: a malformed room id, or a placement other than `favorite`, `archived` or `null`", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: the caller is not a member", body = ApiError),
        (status = 404, description = "`not_found`: no such room", body = ApiError),
        (status = 413, description = "`too_large`: the body is larger than `--max-body-bytes`", body = ApiError),
    )
)]
pub async fn place(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
    ApiPath(room_id): ApiPath<String>,
    ApiJson(request): ApiJson<PlacementRequest>,
) -> Result<StatusCode> {
    let change = EntryChange::Placement(request.placement);
    change_own_entry(&state, &room_id, &user_id, change).await
}

/// `PUT /v1/rooms/{room_id}/unread`: marks the room unread for the caller (or takes the
/// mark away), on every device of theirs, until they read it.
#[utoipa::path(
    put,
    path = "/v1/rooms/{room_id}/unread",
    tag = "rooms",
    params(
        ("room_id" = String, Path, description = "The room (at most 128 bytes)"),
    ),
    request_body = MarkUnreadRequest,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Marked (or unmarked); every connection of the caller gets the room's summary again"),
        (status = 400, description = "`invalid_request`: a malformed room id, or a body without a boolean `unread`", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: the caller is not a member", body = ApiError),
        (status = 404, description = "`not_found`: no such room", body = ApiError),
        (status = 413, description = "`too_large`: the body is larger than `--max-body-bytes`", body = ApiError),
    )
)]
pub async fn mark_unread(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
    ApiPath(room_id): ApiPath<String>,
    ApiJson(request): ApiJson<MarkUnreadRequest>,
) -> Result<StatusCode> {
    let change = EntryChange::MarkedUnread(request.unread);
    change_own_entry(&state, &room_id, &user_id, change).await
}

/// A member's change to their own entry of the room: stored, then every connection of
/// theirs, on every process, gets the room's summary again.
async fn change_own_entry(
    state: &AppState,
    room_id: &str,
    user_id: &str,
    change: EntryChange,
) -> Result<StatusCode> {
    access::member_room(state, room_id, user_id).await?;
    if !state.store().change_entry(room_id, user_id, change).await? {
        // Left between the check and the update.
        return Err(Error::forbidden("you are not a member of this room"));
    }
    room_feed::entry_changed(state, room_id, user_id);
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_bad_ones_are_refused() {
        let cursor = decode_cursor("1700000000000.0190-room").unwrap();
        assert_eq!(cursor.last_activity_at, 1_700_000_000_000);
        assert_eq!(cursor.room_id, "0190-room");
        assert!(!cursor.favorite);
        let favorite = decode_cursor("f1700000000000.0190-room").unwrap();
        assert!(favorite.favorite);
        assert_eq!(favorite.last_activity_at, 1_700_000_000_000);
        for bad in [
            "",
            "123",
            "abc.room",
            "123.",
            "f",
            "ff1.room",
            "f.room",
            &format!("1.{}", "r".repeat(200)),
        ] {
            assert!(decode_cursor(bad).is_err(), "{bad:?}");
        }
    }
}
