//! The server admins' API (`--admin-user`, or the token claim `--admin-claim`): reading
//! reports, deleting rooms and deactivating accounts.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chat_protocol::v1::{ApiError, ReportList};
use serde::Deserialize;

use super::extract::{AdminUser, ApiPath, ApiQuery};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::validate;

/// Reports per page unless `limit` says otherwise, and at most.
const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 200;

/// Query of `GET /v1/admin/reports`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportsQuery {
    /// `next_before` of the previous page.
    before: Option<String>,
    /// Page size, 1-200 (default 50).
    limit: Option<u32>,
}

/// `GET /v1/admin/reports`: the reports, newest first.
#[utoipa::path(
    get,
    path = "/v1/admin/reports",
    tag = "admin",
    params(ReportsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of reports, newest first", body = ReportList),
        (status = 400, description = "`invalid_request`: a bad `before` or `limit`", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: the caller is not a server admin", body = ApiError),
    )
)]
pub async fn reports(
    State(state): State<AppState>,
    AdminUser(_): AdminUser,
    ApiQuery(query): ApiQuery<ReportsQuery>,
) -> Result<Json<ReportList>> {
    let limit = validate::limit(query.limit.unwrap_or(DEFAULT_PAGE), MAX_PAGE)?;
    let before = query.before.as_deref().map(page_cursor).transpose()?;
    let reports = state.store().reports(before, limit).await?;
    let next_before = (reports.len() == limit as usize)
        .then(|| {
            reports
                .last()
                .map(|r| format!("{}:{}", r.created_at, r.report_id))
        })
        .flatten();
    Ok(Json(ReportList {
        reports,
        next_before,
    }))
}

/// `"<created_at>:<report id>"`, as `next_before` spells it.
fn page_cursor(value: &str) -> Result<(i64, String)> {
    value
        .split_once(':')
        .and_then(|(at, id)| Some((at.parse().ok()?, id.to_owned())))
        .filter(|(_, id)| !id.is_empty() && id.len() <= chat_protocol::v1::MAX_ID_LEN)
        .ok_or_else(|| Error::invalid("before must be the next_before of a previous page"))
}

/// `POST /v1/admin/users/{user_id}/deactivate`: the account's tokens are refused from
/// now on and its connections close with 4003.
#[utoipa::path(
    post,
    path = "/v1/admin/users/{user_id}/deactivate",
    tag = "admin",
    params(("user_id" = String, Path, description = "The user (at most 128 bytes)")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deactivated (also when it was)"),
        (status = 400, description = "`invalid_request`: a malformed id, or the caller themself", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: the caller is not a server admin", body = ApiError),
        (status = 404, description = "`not_found`: no such user", body = ApiError),
    )
)]
pub async fn deactivate(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiPath(user_id): ApiPath<String>,
) -> Result<StatusCode> {
    validate::id("user_id", &user_id)?;
    if user_id == admin {
        return Err(Error::invalid(
            "an admin cannot deactivate their own account",
        ));
    }
    crate::accounts::deactivate(&state, &user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /v1/admin/rooms/{room_id}`: the room and everything in it are deleted; its
/// members' connections get `room_left` with reason `room_deleted`.
#[utoipa::path(
    delete,
    path = "/v1/admin/rooms/{room_id}",
    tag = "admin",
    params(("room_id" = String, Path, description = "The room (at most 128 bytes)")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "`invalid_request`: a malformed room id", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: the caller is not a server admin", body = ApiError),
        (status = 404, description = "`not_found`: no such room", body = ApiError),
    )
)]
pub async fn delete_room(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiPath(room_id): ApiPath<String>,
) -> Result<StatusCode> {
    validate::id("room_id", &room_id)?;
    let members = state
        .store()
        .delete_room(&room_id)
        .await?
        .ok_or_else(|| Error::not_found("no such room"))?;
    state.bus().publish_room_deleted(&room_id, &members);
    tracing::info!(room = %room_id, %admin, "room deleted by a server admin");
    Ok(StatusCode::NO_CONTENT)
}
