//! Messages over REST: paging and idempotent sends for bots and integrations.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chat_protocol::v1::{
    ApiError, MAX_HISTORY_LIMIT, MessagesPage, SendMessageRequest, SendMessageResponse,
};
use serde::Deserialize;

use super::extract::{ApiJson, ApiPath, ApiQuery, AuthUser};
use crate::access;
use crate::error::{Error, Result};
use crate::messaging::{self, Author};
use crate::state::AppState;
use crate::store::PageRange;
use crate::validate;

/// Default page size when `limit` is omitted.
const DEFAULT_PAGE: u32 = 50;

/// Query of `GET /v1/rooms/{room_id}/messages`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Messages with a lower seq (older), newest of them first in the page's range.
    /// Not together with `after_seq`. At most 2^63 - 1, like every seq.
    #[param(maximum = 9_223_372_036_854_775_807_u64)]
    before_seq: Option<u64>,
    /// Messages with a higher seq (newer). Not together with `before_seq`.
    #[param(maximum = 9_223_372_036_854_775_807_u64)]
    after_seq: Option<u64>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

/// `GET /v1/rooms/{room_id}/messages?before_seq=&after_seq=&limit=`.
#[utoipa::path(
    get,
    path = "/v1/rooms/{room_id}/messages",
    tag = "messages",
    params(
        ("room_id" = String, Path, description = "The room (at most 128 bytes)"),
        PageQuery,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of messages, ascending by seq", body = MessagesPage),
        (status = 400, description = "`invalid_request`: a malformed room id or query (both `before_seq` and `after_seq`, a bad `limit`)", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: the caller is not a member", body = ApiError),
        (status = 404, description = "`not_found`: no such room", body = ApiError),
    )
)]
pub async fn page(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
    ApiPath(room_id): ApiPath<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<MessagesPage>> {
    access::member_room(&state, &room_id, &user_id).await?;
    let limit = validate::limit(query.limit.unwrap_or(DEFAULT_PAGE), MAX_HISTORY_LIMIT)?;
    for (field, seq) in [
        ("before_seq", query.before_seq),
        ("after_seq", query.after_seq),
    ] {
        if let Some(seq) = seq {
            validate::seq(field, seq)?;
        }
    }
    let range = match (query.before_seq, query.after_seq) {
        (Some(_), Some(_)) => {
            return Err(Error::invalid("give before_seq or after_seq, not both"));
        }
        (Some(before), None) => PageRange::Before(before),
        (None, Some(after)) => PageRange::After(after),
        (None, None) => PageRange::Latest,
    };
    let page = state.store().messages(&room_id, range, limit).await?;
    Ok(Json(MessagesPage {
        messages: page.messages,
        has_more: page.has_more,
    }))
}

/// `POST /v1/rooms/{room_id}/messages` with `Idempotency-Key: <uuid>`: the same
/// semantics as a WebSocket send; a repeat answers 200 with the original message.
#[utoipa::path(
    post,
    path = "/v1/rooms/{room_id}/messages",
    tag = "messages",
    params(
        ("room_id" = String, Path, description = "The room (at most 128 bytes)"),
        ("Idempotency-Key" = String, Header, format = Uuid, description = "A UUID chosen once per message: a retry with the same key returns the original message"),
    ),
    request_body = SendMessageRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Committed", body = SendMessageResponse),
        (status = 200, description = "A retry: the message this key already sent", body = SendMessageResponse),
        (status = 400, description = "`invalid_request`: a missing or malformed `Idempotency-Key`, empty content, a mention of a non-member, or a body that is not this JSON", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: the caller is not a member", body = ApiError),
        (status = 404, description = "`not_found`: no such room, or `reply_to` names no message of it", body = ApiError),
        (status = 409, description = "`conflict`: the key was used for another message", body = ApiError),
        (status = 413, description = "`too_large`: content longer than `--max-content-chars`, or a body larger than `--max-body-bytes`", body = ApiError),
        (status = 429, description = "`rate_limited`: over the caller's message rate", body = ApiError),
        (status = 503, description = "`unavailable`: the store is not accepting writes (shutting down)", body = ApiError),
    )
)]
pub async fn send(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
    ApiPath(room_id): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<SendMessageRequest>,
) -> Result<(StatusCode, Json<SendMessageResponse>)> {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| Error::invalid("the Idempotency-Key header (a UUID) is required"))?;
    let key = key.to_owned();
    let received = std::time::Instant::now();
    // Commit and fan-out run in their own task: if the HTTP client goes away mid-request
    // the handler is dropped, but offline members of a committed message must still be
    // notified (its live event leaves with the commit).
    let (message, duplicate) = tokio::spawn(async move {
        let author = Author {
            user_id: &user_id,
            origin: None,
        };
        let sent = async {
            let attachments =
                messaging::attachments(&state, &user_id, &key, request.attachments).await?;
            let draft = messaging::Draft {
                content: request.content,
                reply_to: request.reply_to,
                mentions: request.mentions,
                attachments,
            };
            messaging::send(&state, author, &room_id, &key, draft).await
        }
        .await;
        if let Ok((message, false)) = &sent {
            messaging::after_commit(&state, message, received);
        }
        sent
    })
    .await
    .map_err(|e| Error::internal("send task failed", &e))??;
    let ack = SendMessageResponse {
        room_id: message.room_id,
        client_msg_id: message.client_msg_id,
        message_id: message.message_id,
        seq: message.seq,
        created_at: message.created_at,
    };
    crate::telemetry::acknowledged("rest");
    let status = if duplicate {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(ack)))
}
