//! `GET /v1/users/me/export`: everything the server holds about the caller, as one
//! JSON document (a `DataExport`) they can keep or take elsewhere: the right of access
//! and to portability of data-protection laws, served without an operator.
//!
//! The small parts are read first; the messages, which may be many, follow a page at a
//! time as the client reads the body, so an export costs the server one page of memory
//! however long the account's history.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chat_protocol::v1::{ApiError, DataExport, Message};
use futures_util::stream::{self, Stream};
use serde::Serialize;

use super::extract::AuthCaller;
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::state::AppState;

/// Messages read from the store per page of the body.
const PAGE: u32 = 500;

/// `GET /v1/users/me/export`: the caller's data export.
#[utoipa::path(
    get,
    path = "/v1/users/me/export",
    tag = "users",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's data: profile, rooms, blocks, devices, sign-ins and every message they sent that is not deleted (streamed: a body cut short is not valid JSON)", body = DataExport),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 429, description = "`rate_limited`: more exports than the hourly budget", body = ApiError),
    )
)]
pub async fn export(
    State(state): State<AppState>,
    AuthCaller { caller, .. }: AuthCaller,
) -> Result<Response> {
    let user_id = caller.user_id;
    let message = format!(
        "more than {} data exports an hour; retry later",
        crate::limits::EXPORTS_PER_HOUR
    );
    crate::limits::take(state.limits().exports(), &user_id, "export", &message)?;
    let store = state.store();
    let profile = store
        .user_profile(&user_id)
        .await?
        .ok_or_else(|| Error::not_found("no such user"))?;
    let rooms = store.export_rooms(&user_id).await?;
    let blocks = store.blocked_users(&user_id).await?;
    let devices = store.push_devices(&user_id).await?;
    // An external auth service keeps the sign-ins; this server has none to list.
    let sign_ins = if state.tokens().can_mint() {
        super::sign_ins::sign_ins_of(&state, &user_id, caller.sign_in.as_deref()).await?
    } else {
        Vec::new()
    };
    // The fields in `DataExport`'s order, `messages` left open for the pages.
    let head = format!(
        "{{\"exported_at\":{},\"profile\":{},\"rooms\":{},\"blocks\":{},\"devices\":{},\"sign_ins\":{},\"messages\":[",
        now_ms(),
        json(&profile)?,
        json(&rooms)?,
        json(&blocks)?,
        json(&devices)?,
        json(&sign_ins)?,
    );
    let body = Body::from_stream(messages(state, user_id, head));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"chat-export.json\""),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

fn json(value: &impl Serialize) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::internal("data export", &e))
}

/// Where the body's stream is: the head to send, the page of messages after the last
/// one sent (and whether it is the first), the document's end, or done.
enum Part {
    Head(String),
    After(Option<String>, bool),
    Tail,
    Done,
}

/// The body: `head`, then the user's messages a page at a time (joined by commas),
/// then the document's end. A store failure ends the stream with an error, so the
/// client gets a body cut short (not valid JSON), never a silently partial export.
fn messages(
    state: AppState,
    user_id: String,
    head: String,
) -> impl Stream<Item = std::result::Result<Bytes, std::io::Error>> {
    stream::unfold(Part::Head(head), move |part| {
        let state = state.clone();
        let user_id = user_id.clone();
        async move {
            match part {
                Part::Head(head) => Some((Ok(Bytes::from(head)), Part::After(None, true))),
                Part::After(after, first) => {
                    let page = state
                        .store()
                        .messages_sent_by(&user_id, after.as_deref(), PAGE)
                        .await;
                    let page: Vec<Message> = match page {
                        Ok(page) => page,
                        Err(e) => {
                            tracing::warn!(error = %e, user = %user_id, "data export: cannot read messages");
                            return Some((Err(std::io::Error::other(e.to_string())), Part::Done));
                        }
                    };
                    let Some(last) = page.last().map(|m| m.message_id.to_string()) else {
                        return Some((Ok(Bytes::from_static(b"]}")), Part::Done));
                    };
                    let full = page.len() == PAGE as usize;
                    let mut chunk = String::new();
                    for (i, message) in page.iter().enumerate() {
                        if !(first && i == 0) {
                            chunk.push(',');
                        }
                        match serde_json::to_string(message) {
                            Ok(text) => chunk.push_str(&text),
                            Err(e) => {
                                return Some((Err(std::io::Error::other(e)), Part::Done));
                            }
                        }
                    }
                    // A page short of full was the last: no read to learn that.
                    let next = if full {
                        Part::After(Some(last), false)
                    } else {
                        Part::Tail
                    };
                    Some((Ok(Bytes::from(chunk)), next))
                }
                Part::Tail => Some((Ok(Bytes::from_static(b"]}")), Part::Done)),
                Part::Done => None,
            }
        }
    })
}
