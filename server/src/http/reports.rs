//! Reporting a message or a user over REST, for the server's admins: the report is
//! stored with a copy of the message's content and goes to the event stream and the
//! webhook when they are configured.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chat_protocol::v1::{ApiError, MAX_REASON_CHARS, Report, ReportRequest};

use super::extract::{ApiJson, AuthUser};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::NewReport;
use crate::validate;

/// `POST /v1/reports`: a member reports a message or a user of a room.
#[utoipa::path(
    post,
    path = "/v1/reports",
    tag = "reports",
    request_body = ReportRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Stored for the server's admins", body = Report),
        (status = 400, description = "`invalid_request`: a malformed id or body, a reason that is empty or over 500 characters, or the caller themself", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: the caller is not a member of the room", body = ApiError),
        (status = 404, description = "`not_found`: no such room, message in it, or user", body = ApiError),
        (status = 413, description = "`too_large`: the body is larger than `--max-body-bytes`", body = ApiError),
        (status = 429, description = "`rate_limited`: more reports than the hourly budget", body = ApiError),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    ApiJson(request): ApiJson<ReportRequest>,
) -> Result<(StatusCode, Json<Report>)> {
    validate::id("room_id", &request.room_id)?;
    if let Some(message_id) = &request.message_id {
        validate::id("message_id", message_id)?;
    }
    let reason = validate::short_text("reason", &request.reason, MAX_REASON_CHARS)?;
    if reason.is_empty() {
        return Err(Error::invalid("reason must say why, in 1-500 characters"));
    }
    if let Some(user_id) = &request.user_id {
        validate::id("user_id", user_id)?;
        if user_id.as_str() == me {
            return Err(Error::invalid("you cannot report yourself"));
        }
    }
    // After the checks of the request alone, so that a malformed one spends nothing.
    let message = format!(
        "more than {} reports an hour; retry later",
        crate::limits::REPORTS_PER_HOUR
    );
    crate::limits::take(state.limits().reports(), &me, "report", &message)?;
    if let Some(user_id) = &request.user_id
        && !state.store().user_exists(user_id).await?
    {
        return Err(Error::not_found("no such user"));
    }
    let report = state
        .store()
        .create_report(NewReport {
            id: uuid::Uuid::now_v7().to_string(),
            reporter_id: me,
            room_id: request.room_id.into(),
            message_id: request.message_id.map(Into::into),
            user_id: request.user_id.map(Into::into),
            reason,
            now: crate::clock::now_ms(),
        })
        .await?;
    tracing::info!(report = %report.report_id, room = %report.room_id, "report filed");
    state.notifier().report_filed(&report);
    Ok((StatusCode::CREATED, Json(report)))
}
