//! `GET /v1/users/me/export`: everything the server holds about the caller, as one
//! JSON document (a `DataExport`) they can keep or take elsewhere: the right of access
//! and to portability of data-protection laws, served without an operator.
//!
//! The small parts are read first; the reactions and the messages, which may be many,
//! follow a page at a time as the client reads the body, so an export costs the server
//! one page of memory however long the account's history.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chat_protocol::v1::{ApiError, DataExport};
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
        (status = 200, description = "The caller's data: profile, rooms, blocks, devices, sign-ins, the reports they filed, their reactions and every message they sent that is not deleted (streamed: a body cut short is not valid JSON)", body = DataExport),
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
    let reports = store.reports_filed_by(&user_id).await?;
    // The fields in `DataExport`'s order, `reactions` left open for the pages.
    let head = format!(
        "{{\"exported_at\":{},\"profile\":{},\"rooms\":{},\"blocks\":{},\"devices\":{},\"sign_ins\":{},\"reports\":{},\"reactions\":[",
        now_ms(),
        json(&profile)?,
        json(&rooms)?,
        json(&blocks)?,
        json(&devices)?,
        json(&sign_ins)?,
        json(&reports)?,
    );
    let body = Body::from_stream(paged_parts(state, user_id, head));
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

/// Where the body's stream is: the head to send, then the page of reactions or of
/// messages after the last one sent (and whether it is the first of its list), or done.
enum Part {
    Head(String),
    Reactions(Option<(String, String)>, bool),
    Messages(Option<String>, bool),
    Done,
}

/// Between the two paged lists.
const REACTIONS_END: &str = "],\"messages\":[";
/// The document's end.
const MESSAGES_END: &str = "]}";

/// The body: `head`, then the user's reactions and then their messages, each a page at
/// a time (joined by commas), then the document's end. A store failure ends the stream
/// with an error, so the client gets a body cut short (not valid JSON), never a
/// silently partial export.
fn paged_parts(
    state: AppState,
    user_id: String,
    head: String,
) -> impl Stream<Item = std::result::Result<Bytes, std::io::Error>> {
    stream::unfold(Part::Head(head), move |part| {
        let state = state.clone();
        let user_id = user_id.clone();
        async move {
            let sent = match part {
                Part::Head(head) => {
                    return Some((Ok(Bytes::from(head)), Part::Reactions(None, true)));
                }
                Part::Reactions(after, first) => {
                    let after = after.as_ref().map(|(m, e)| (m.as_str(), e.as_str()));
                    let page = state.store().reactions_by(&user_id, after, PAGE).await;
                    page.map_err(|e| failed(&user_id, "reactions", &e))
                        .and_then(|page| {
                            let next = page
                                .last()
                                .map(|r| (r.message_id.to_string(), r.emoji.clone()));
                            let chunk = joined(&page, first)?;
                            Ok(match next.filter(|_| page.len() == PAGE as usize) {
                                Some(last) => (chunk, Part::Reactions(Some(last), false)),
                                // A page short of full was the last: no read to learn that.
                                None => (chunk + REACTIONS_END, Part::Messages(None, true)),
                            })
                        })
                }
                Part::Messages(after, first) => {
                    let page = state
                        .store()
                        .messages_sent_by(&user_id, after.as_deref(), PAGE)
                        .await;
                    page.map_err(|e| failed(&user_id, "messages", &e))
                        .and_then(|page| {
                            let next = page.last().map(|m| m.message_id.to_string());
                            let chunk = joined(&page, first)?;
                            Ok(match next.filter(|_| page.len() == PAGE as usize) {
                                Some(last) => (chunk, Part::Messages(Some(last), false)),
                                None => (chunk + MESSAGES_END, Part::Done),
                            })
                        })
                }
                Part::Done => return None,
            };
            Some(match sent {
                Ok((chunk, next)) => (Ok(Bytes::from(chunk)), next),
                Err(e) => (Err(e), Part::Done),
            })
        }
    })
}

/// A page of a list as JSON items joined by commas, with a comma before the first
/// unless it opens the list.
fn joined<T: Serialize>(page: &[T], first: bool) -> std::result::Result<String, std::io::Error> {
    let mut chunk = String::new();
    for (i, item) in page.iter().enumerate() {
        if !(first && i == 0) {
            chunk.push(',');
        }
        chunk.push_str(&serde_json::to_string(item).map_err(std::io::Error::other)?);
    }
    Ok(chunk)
}

fn failed(user_id: &str, what: &str, e: &impl std::fmt::Display) -> std::io::Error {
    tracing::warn!(error = %e, user = %user_id, "data export: cannot read {what}");
    std::io::Error::other(e.to_string())
}
