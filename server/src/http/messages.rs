//! Messages over REST: paging and idempotent sends for bots and integrations.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chat_protocol::v1::{MAX_HISTORY_LIMIT, MessagesPage, SendMessageRequest, SendMessageResponse};
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
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    before_seq: Option<u64>,
    after_seq: Option<u64>,
    limit: Option<u32>,
}

/// `GET /v1/rooms/{room_id}/messages?before_seq=&after_seq=&limit=`.
pub async fn page(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
    ApiPath(room_id): ApiPath<String>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<MessagesPage>> {
    access::member_room(&state, &room_id, &user_id).await?;
    let limit = validate::limit(query.limit.unwrap_or(DEFAULT_PAGE), MAX_HISTORY_LIMIT)?;
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
        let sent = messaging::send(&state, author, &room_id, &key, &request.content).await;
        if let Ok((message, false)) = &sent {
            messaging::fan_out(&state, message, received);
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
