//! `GET /v1/users/me/export`: everything the server holds about the caller, as one
//! JSON document (a `DataExport`) they can keep or take elsewhere: the right of access
//! and to portability of data-protection laws, served without an operator.
//!
//! The small parts are read first; the reports filed, the reactions, the saves and the
//! messages, which may be many, follow a page at a time as the client reads the body, so an
//! export costs the server one page of memory however long the account's history.

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
        (status = 200, description = "The caller's data: profile, rooms, blocks, devices, sign-ins, the reports they filed, their reactions, what they saved and every message they sent that is not deleted (streamed: a body cut short is not valid JSON)", body = DataExport),
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
    // The fields in `DataExport`'s order, `reports` left open for the pages.
    let head = format!(
        "{{\"exported_at\":{},\"profile\":{},\"rooms\":{},\"blocks\":{},\"devices\":{},\"sign_ins\":{},\"{}\":[",
        now_ms(),
        json(&profile)?,
        json(&rooms)?,
        json(&blocks)?,
        json(&devices)?,
        json(&sign_ins)?,
        List::FIRST.name(),
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

/// The lists the body streams a page at a time, in `DataExport`'s order (each may be
/// long: a user files reports, reacts and writes for as long as they have the account).
#[derive(Debug, Clone, Copy)]
enum List {
    Reports,
    Reactions,
    Saved,
    Messages,
}

impl List {
    const FIRST: Self = Self::Reports;

    /// The list's field in the document.
    fn name(self) -> &'static str {
        match self {
            Self::Reports => "reports",
            Self::Reactions => "reactions",
            Self::Saved => "saved",
            Self::Messages => "messages",
        }
    }

    /// The list after this one; `None` after the last, which ends the document.
    fn next(self) -> Option<Self> {
        match self {
            Self::Reports => Some(Self::Reactions),
            Self::Reactions => Some(Self::Saved),
            Self::Saved => Some(Self::Messages),
            Self::Messages => None,
        }
    }
}

/// Where a list's next page starts: at its start, or after the last item sent, by
/// that list's key.
#[derive(Debug)]
enum After {
    Start,
    Report(i64, String),
    Reaction(String, String),
    Save(i64, String),
    Message(String),
}

/// Where the body's stream is: the head to send, a page of a list to send, or done.
enum Part {
    Head(String),
    Page(List, After),
    Done,
}

/// The body: `head`, then each list a page at a time (its items joined by commas),
/// then the document's end. A store failure ends the stream with an error, so the
/// client gets a body cut short (not valid JSON), never a silently partial export.
fn paged_parts(
    state: AppState,
    user_id: String,
    head: String,
) -> impl Stream<Item = std::result::Result<Bytes, std::io::Error>> {
    stream::unfold(Part::Head(head), move |part| {
        let state = state.clone();
        let user_id = user_id.clone();
        async move {
            let (list, after) = match part {
                Part::Head(head) => {
                    return Some((Ok(Bytes::from(head)), Part::Page(List::FIRST, After::Start)));
                }
                Part::Page(list, after) => (list, after),
                Part::Done => return None,
            };
            Some(match page(&state, &user_id, list, &after).await {
                Ok((chunk, Some(next))) => (Ok(Bytes::from(chunk)), Part::Page(list, next)),
                // A page short of full was the list's last: no read to learn that.
                Ok((mut chunk, None)) => {
                    chunk.push(']');
                    let next = match list.next() {
                        Some(next) => {
                            chunk.push_str(&format!(",\"{}\":[", next.name()));
                            Part::Page(next, After::Start)
                        }
                        None => {
                            chunk.push('}');
                            Part::Done
                        }
                    };
                    (Ok(Bytes::from(chunk)), next)
                }
                Err(e) => {
                    tracing::warn!(error = %e, user = %user_id, list = list.name(), "data export: cannot read a page");
                    (Err(e), Part::Done)
                }
            })
        }
    })
}

/// One page of `list` after `after`, as its items' JSON joined by commas, and where the
/// next page starts when this one was full.
async fn page(
    state: &AppState,
    user_id: &str,
    list: List,
    after: &After,
) -> std::result::Result<(String, Option<After>), std::io::Error> {
    let store = state.store();
    let first = matches!(after, After::Start);
    let read_failed = |e: crate::store::Error| std::io::Error::other(e.to_string());
    match list {
        List::Reports => {
            let after = match after {
                After::Report(at, id) => Some((*at, id.as_str())),
                _ => None,
            };
            let page = store.reports_filed_by(user_id, after, PAGE).await;
            sent(&page.map_err(read_failed)?, first, |r| {
                After::Report(r.created_at, r.report_id.clone())
            })
        }
        List::Reactions => {
            let after = match after {
                After::Reaction(message, emoji) => Some((message.as_str(), emoji.as_str())),
                _ => None,
            };
            let page = store.reactions_by(user_id, after, PAGE).await;
            sent(&page.map_err(read_failed)?, first, |r| {
                After::Reaction(r.message_id.to_string(), r.emoji.clone())
            })
        }
        List::Saved => {
            let after = match after {
                After::Save(at, id) => Some((*at, id.as_str())),
                _ => None,
            };
            let page = store.saves_of(user_id, after, PAGE).await;
            sent(&page.map_err(read_failed)?, first, |s| {
                After::Save(s.saved_at, s.message_id.to_string())
            })
        }
        List::Messages => {
            let after = match after {
                After::Message(id) => Some(id.as_str()),
                _ => None,
            };
            let page = store.messages_sent_by(user_id, after, PAGE).await;
            sent(&page.map_err(read_failed)?, first, |m| {
                After::Message(m.message_id.to_string())
            })
        }
    }
}

/// A page read from the store as its items' JSON, and, when it was full, where the next
/// one starts (`key` of its last item).
fn sent<T: Serialize>(
    page: &[T],
    first: bool,
    key: impl Fn(&T) -> After,
) -> std::result::Result<(String, Option<After>), std::io::Error> {
    let next = page.last().filter(|_| page.len() == PAGE as usize).map(key);
    Ok((joined(page, first)?, next))
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
