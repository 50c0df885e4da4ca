//! A user's sign-ins (`/v1/users/me/sign-ins`): where the account is signed in, and
//! ending one (a lost phone, a shared computer) or every other one. Ending a sign-in
//! revokes its refresh tokens, refuses its access tokens, closes its connections on
//! every process and forgets the push devices it registered.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chat_protocol::v1::{ApiError, EndedSignIns, SignIn, SignInList};

use super::extract::{ApiPath, AuthCaller};
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::hub::AccountClosed;
use crate::state::AppState;
use crate::store::EndSignIns;
use crate::validate;

/// `GET /v1/users/me/sign-ins`: the caller's sign-ins, most recently active first.
#[utoipa::path(
    get,
    path = "/v1/users/me/sign-ins",
    tag = "users",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The sign-ins whose refresh tokens may still be used, most recently active first; `current` marks the caller's", body = SignInList),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: tokens come from an external auth service, which keeps the sign-ins", body = ApiError),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    AuthCaller { caller, .. }: AuthCaller,
) -> Result<Json<SignInList>> {
    built_in_auth(&state)?;
    let sign_ins = sign_ins_of(&state, &caller.user_id, caller.sign_in.as_deref()).await?;
    Ok(Json(SignInList { sign_ins }))
}

/// The user's sign-ins whose refresh tokens may still be used, most recently active
/// first, `current` marking the sign-in `current`.
///
/// # Errors
///
/// When the store fails.
pub async fn sign_ins_of(
    state: &AppState,
    user_id: &str,
    current: Option<&str>,
) -> Result<Vec<SignIn>> {
    // A sign-in not renewed for a refresh token's lifetime cannot be renewed any more.
    let active_since = now_ms().saturating_sub(super::sessions::refresh_ttl_ms(state));
    let records = state.store().sign_ins(user_id, active_since).await?;
    Ok(records
        .into_iter()
        .map(|record| SignIn {
            current: current == Some(record.id.as_str()),
            id: record.id,
            device_name: record.device_name,
            created_at: record.created_at,
            last_active_at: record.last_active_at,
        })
        .collect())
}

/// `DELETE /v1/users/me/sign-ins/{sign_in_id}`: ends one of the caller's sign-ins
/// (their own too: that is a sign-out).
#[utoipa::path(
    delete,
    path = "/v1/users/me/sign-ins/{sign_in_id}",
    tag = "users",
    params(("sign_in_id" = String, Path, description = "The sign-in to end (at most 128 bytes)")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Ended: its refresh and access tokens are refused, its connections closed with 4001, the push devices it registered forgotten"),
        (status = 400, description = "`invalid_request`: a malformed id", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: tokens come from an external auth service", body = ApiError),
        (status = 404, description = "`not_found`: no sign-in of the caller's has this id (or it ended already)", body = ApiError),
    )
)]
pub async fn end(
    State(state): State<AppState>,
    AuthCaller { caller, .. }: AuthCaller,
    ApiPath(sign_in_id): ApiPath<String>,
) -> Result<StatusCode> {
    built_in_auth(&state)?;
    validate::id("sign_in_id", &sign_in_id)?;
    let me = caller.user_id;
    let ended = state
        .store()
        .end_sign_ins(&me, EndSignIns::One(&sign_in_id))
        .await?;
    if ended.is_empty() {
        return Err(Error::not_found("no such sign-in"));
    }
    close_connections(&state, &me, &sign_in_id);
    tracing::info!(user = %me, sign_in = %sign_in_id, "sign-in ended");
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/users/me/sign-ins/end-others`: ends every sign-in of the caller but the
/// one they call with.
#[utoipa::path(
    post,
    path = "/v1/users/me/sign-ins/end-others",
    tag = "users",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every other sign-in ended (as one is by `DELETE`), and every push device not registered by the caller's sign-in forgotten", body = EndedSignIns),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: tokens come from an external auth service", body = ApiError),
    )
)]
pub async fn end_others(
    State(state): State<AppState>,
    AuthCaller { caller, .. }: AuthCaller,
) -> Result<Json<EndedSignIns>> {
    built_in_auth(&state)?;
    let kept = caller.sign_in.as_deref();
    let ended = state
        .store()
        .end_sign_ins(&caller.user_id, EndSignIns::AllBut(kept))
        .await?;
    state.bus().publish_close_user(
        &caller.user_id,
        AccountClosed::OtherSignInsEnded {
            kept: caller.sign_in_id(),
        },
    );
    tracing::info!(user = %caller.user_id, ended = ended.len(), "other sign-ins ended");
    Ok(Json(EndedSignIns {
        ended: u32::try_from(ended.len()).unwrap_or(u32::MAX),
    }))
}

/// Closes the connections of an ended sign-in, wherever they are.
pub fn close_connections(state: &AppState, user_id: &str, sign_in: &str) {
    // Every sign-in id is a UUID this server made.
    if let Ok(sign_in) = uuid::Uuid::parse_str(sign_in) {
        state
            .bus()
            .publish_close_user(user_id, AccountClosed::SignInEnded { sign_in });
    }
}

fn built_in_auth(state: &AppState) -> Result<()> {
    super::sessions::built_in_auth_for(state, "it keeps the sign-ins")
}
