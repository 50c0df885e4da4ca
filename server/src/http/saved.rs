//! Saved messages ("save for later"): a member saves a message of their room, or takes
//! it out again, and lists what they saved, most recently saved first, on every device.
//! Every connection of theirs hears of each change (`saved_changed`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chat_protocol::v1::{ApiError, MAX_SAVED_PAGE, SavedList, SavedMessage, ServerFrame};
use serde::Deserialize;
use tungstenite::Utf8Bytes;

use super::extract::{ApiPath, ApiQuery, AuthUser};
use crate::access;
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::validate;

/// Default page size of the saved messages.
const DEFAULT_PAGE: u32 = 50;

/// Query of `GET /v1/users/me/saved`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SavedQuery {
    /// Page size, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// The `next_before` of the previous page.
    #[param(max_length = 160)]
    before: Option<String>,
}

/// `<saved_at ms>.<message id>`: where the next page starts. Opaque to clients.
fn encode_cursor(saved: &SavedMessage) -> String {
    format!("{}.{}", saved.saved_at, saved.message.message_id)
}

fn decode_cursor(text: &str) -> Result<(i64, String)> {
    let refused = || Error::invalid("before must be the next_before of an earlier page");
    let (at, message_id) = text.split_once('.').ok_or_else(refused)?;
    let at = at.parse().map_err(|_| refused())?;
    validate::id("before", message_id).map_err(|_| refused())?;
    Ok((at, message_id.to_owned()))
}

/// `PUT /v1/rooms/{room_id}/messages/{message_id}/saved`: saves a message.
#[utoipa::path(
    put,
    path = "/v1/rooms/{room_id}/messages/{message_id}/saved",
    tag = "messages",
    params(
        ("room_id" = String, Path, description = "The room (at most 128 bytes)"),
        ("message_id" = String, Path, description = "The message (at most 128 bytes)"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Saved (saving again keeps the first time); every connection of the caller gets `saved_changed`"),
        (status = 400, description = "`invalid_request`: a malformed id", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: the caller is not a member", body = ApiError),
        (status = 404, description = "`not_found`: no such room, or no such message in it (or it is deleted)", body = ApiError),
    )
)]
pub async fn save(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
    ApiPath((room_id, message_id)): ApiPath<(String, String)>,
) -> Result<StatusCode> {
    change(&state, &user_id, &room_id, &message_id, true).await
}

/// `DELETE /v1/rooms/{room_id}/messages/{message_id}/saved`: takes a message out of the
/// caller's saved messages.
#[utoipa::path(
    delete,
    path = "/v1/rooms/{room_id}/messages/{message_id}/saved",
    tag = "messages",
    params(
        ("room_id" = String, Path, description = "The room (at most 128 bytes)"),
        ("message_id" = String, Path, description = "The message (at most 128 bytes)"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Not saved (also when it was not); every connection of the caller gets `saved_changed`"),
        (status = 400, description = "`invalid_request`: a malformed id", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: the caller is not a member", body = ApiError),
        (status = 404, description = "`not_found`: no such room", body = ApiError),
    )
)]
pub async fn unsave(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
    ApiPath((room_id, message_id)): ApiPath<(String, String)>,
) -> Result<StatusCode> {
    change(&state, &user_id, &room_id, &message_id, false).await
}

async fn change(
    state: &AppState,
    user_id: &str,
    room_id: &str,
    message_id: &str,
    saved: bool,
) -> Result<StatusCode> {
    validate::id("message_id", message_id)?;
    access::member_room(state, room_id, user_id).await?;
    state
        .store()
        .set_saved(user_id, room_id, message_id, saved, now_ms())
        .await?;
    // Every device of the caller, on every process, shows the message saved or not.
    let frame = ServerFrame::SavedChanged {
        room_id: room_id.into(),
        message_id: message_id.into(),
        saved,
    };
    state
        .bus()
        .publish_to_users(&[user_id.to_owned()], Utf8Bytes::from(frame.encode()));
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/users/me/saved?limit=&before=`: the caller's saved messages.
#[utoipa::path(
    get,
    path = "/v1/users/me/saved",
    tag = "users",
    params(SavedQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's saved messages that are not deleted, in rooms they are in, most recently saved first; `next_before` fetches the next page", body = SavedList),
        (status = 400, description = "`invalid_request`: a bad `limit` or `before`", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
    ApiQuery(query): ApiQuery<SavedQuery>,
) -> Result<Json<SavedList>> {
    let limit = validate::limit(query.limit.unwrap_or(DEFAULT_PAGE), MAX_SAVED_PAGE)?;
    let before = query.before.as_deref().map(decode_cursor).transpose()?;
    // One more than the page: whether it exists says if there is a next page.
    let mut rows = state
        .store()
        .saved_messages(
            &user_id,
            before.as_ref().map(|(at, id)| (*at, id.as_str())),
            limit + 1,
        )
        .await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let saved: Vec<SavedMessage> = rows
        .into_iter()
        .map(|(saved_at, message)| SavedMessage { saved_at, message })
        .collect();
    let next_before = more.then(|| saved.last().map(encode_cursor)).flatten();
    Ok(Json(SavedList { saved, next_before }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_bad_ones_are_refused() {
        let (at, id) = decode_cursor("1700000000000.0190-message").unwrap();
        assert_eq!((at, id.as_str()), (1_700_000_000_000, "0190-message"));
        for bad in [
            "",
            "123",
            "abc.m",
            "123.",
            &format!("1.{}", "m".repeat(200)),
        ] {
            assert!(decode_cursor(bad).is_err(), "{bad:?}");
        }
    }
}
