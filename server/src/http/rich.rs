//! Threads, pins and search over REST.

use axum::Json;
use axum::extract::State;
use chat_protocol::v1::{
    ApiError, MAX_SEARCH_LIMIT, MessagesPage, PinList, SearchResults, search_words,
};
use serde::Deserialize;

use super::extract::{ApiPath, ApiQuery, AuthUser};
use crate::access;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::SearchFilter;
use crate::validate;

/// Default page size of a thread or of search results.
const DEFAULT_PAGE: u32 = 20;

/// Query of `GET /v1/rooms/{room_id}/messages/{message_id}/replies`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RepliesQuery {
    /// Replies with a higher seq than this (default 0: from the first).
    #[param(maximum = 9_223_372_036_854_775_807_u64)]
    after_seq: Option<u64>,
    /// Page size, 1 to 50 (default 20).
    #[param(minimum = 1, maximum = 50)]
    limit: Option<u32>,
}

/// `GET /v1/rooms/{room_id}/messages/{message_id}/replies?after_seq=&limit=`: a thread.
#[utoipa::path(
    get,
    path = "/v1/rooms/{room_id}/messages/{message_id}/replies",
    tag = "messages",
    params(
        ("room_id" = String, Path, description = "The room (at most 128 bytes)"),
        ("message_id" = String, Path, description = "The message replied to (at most 128 bytes)"),
        RepliesQuery,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The replies, ascending by seq; `has_more` when more follow", body = MessagesPage),
        (status = 400, description = "`invalid_request`: a malformed id or query", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: the caller is not a member", body = ApiError),
        (status = 404, description = "`not_found`: no such room, or no such message in it", body = ApiError),
    )
)]
pub async fn replies(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
    ApiPath((room_id, message_id)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<RepliesQuery>,
) -> Result<Json<MessagesPage>> {
    validate::id("message_id", &message_id)?;
    access::member_room(&state, &room_id, &user_id).await?;
    let limit = validate::limit(query.limit.unwrap_or(DEFAULT_PAGE), MAX_SEARCH_LIMIT)?;
    let after_seq = query.after_seq.unwrap_or(0);
    validate::seq("after_seq", after_seq)?;
    let page = state
        .store()
        .replies(&room_id, &message_id, after_seq, limit)
        .await?
        .ok_or_else(|| Error::not_found("no such message in this room"))?;
    Ok(Json(MessagesPage {
        messages: page.messages,
        has_more: page.has_more,
    }))
}

/// `GET /v1/rooms/{room_id}/pins`: the room's pinned messages.
#[utoipa::path(
    get,
    path = "/v1/rooms/{room_id}/pins",
    tag = "messages",
    params(("room_id" = String, Path, description = "The room (at most 128 bytes)")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Pinned messages that are not deleted, most recently pinned first (at most 100)", body = PinList),
        (status = 400, description = "`invalid_request`: a malformed room id", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: the caller is not a member", body = ApiError),
        (status = 404, description = "`not_found`: no such room", body = ApiError),
    )
)]
pub async fn pins(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
    ApiPath(room_id): ApiPath<String>,
) -> Result<Json<PinList>> {
    access::member_room(&state, &room_id, &user_id).await?;
    let pins = state.store().pins(&room_id).await?;
    Ok(Json(PinList { pins }))
}

/// Query of `GET /v1/search/messages`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// The words to find (at most 200 characters, 16 words). Punctuation separates
    /// words and is never query syntax; each word matches as a prefix.
    #[param(min_length = 1, max_length = 200)]
    q: String,
    /// Only this room (the caller must be a member).
    #[param(max_length = 128)]
    room_id: Option<String>,
    /// Only messages older than this one (`next_before` of the previous page).
    #[param(max_length = 128)]
    before: Option<String>,
    /// Page size, 1 to 50 (default 20).
    #[param(minimum = 1, maximum = 50)]
    limit: Option<u32>,
}

/// `GET /v1/search/messages?q=&room_id=&limit=&before=`: messages matching every word
/// of `q` in the caller's rooms.
#[utoipa::path(
    get,
    path = "/v1/search/messages",
    tag = "messages",
    params(SearchQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Matching messages, newest first", body = SearchResults),
        (status = 400, description = "`invalid_request`: `q` without letters or digits, too long or with too many words; a malformed id or limit", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: `room_id` names a room the caller is not a member of", body = ApiError),
        (status = 404, description = "`not_found`: `room_id` names no room", body = ApiError),
    )
)]
pub async fn search(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> Result<Json<SearchResults>> {
    let words = search_words(&query.q).map_err(|e| Error::invalid(e.to_string()))?;
    let limit = validate::limit(query.limit.unwrap_or(DEFAULT_PAGE), MAX_SEARCH_LIMIT)?;
    if let Some(room_id) = &query.room_id {
        access::member_room(&state, room_id, &user_id).await?;
    }
    if let Some(before) = &query.before {
        validate::id("before", before)?;
    }
    let filter = SearchFilter {
        words,
        room_id: query.room_id,
        before: query.before,
        // One more tells whether another page follows.
        limit: limit + 1,
    };
    let mut messages = state.store().search(&user_id, &filter).await?;
    let next_before = if messages.len() > limit as usize {
        messages.truncate(limit as usize);
        messages.last().map(|last| last.message_id.clone())
    } else {
        None
    };
    Ok(Json(SearchResults {
        messages,
        next_before,
    }))
}
