//! `POST /v1/auth/register` and `POST /v1/auth/login`.

use std::sync::LazyLock;

use std::net::IpAddr;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chat_protocol::v1::{ApiError, AuthResponse, Credentials};

use super::extract::{ApiJson, ClientIp};
use crate::auth::{hash_password, verify_password};
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::{AccountStatus, UserRecord};
use crate::validate;

/// Verified against when the username is unknown, so that a login for a missing user
/// costs the same time as one with a wrong password (no user enumeration by timing).
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("dummy password for timing").unwrap_or_default());

/// Each attempt costs an argon2 hash: limit attempts per client address.
pub(super) fn check_attempt_rate(state: &AppState, client: IpAddr) -> Result<()> {
    crate::limits::take(
        state.limits().sign_ins(),
        &client,
        "auth",
        "too many registration or login attempts; wait a minute",
    )
}

/// Creates a local account and returns a token for it.
#[utoipa::path(
    post,
    path = "/v1/auth/register",
    tag = "auth",
    request_body = Credentials,
    responses(
        (status = 201, description = "The account, an access token and a refresh token", body = AuthResponse),
        (status = 400, description = "`invalid_request`: a username, password or device name that breaks the rules, or a body that is not this JSON", body = ApiError),
        (status = 403, description = "`forbidden`: accounts are managed by an external auth service", body = ApiError),
        (status = 409, description = "`conflict`: the username is taken (regardless of case)", body = ApiError),
        (status = 413, description = "`too_large`: the body is larger than `--max-body-bytes`", body = ApiError),
        (status = 429, description = "`rate_limited`: too many attempts from this address", body = ApiError),
        (status = 503, description = "`unavailable`: the password-hashing queue is full", body = ApiError),
    )
)]
pub async fn register(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ApiJson(creds): ApiJson<Credentials>,
) -> Result<(StatusCode, Json<AuthResponse>)> {
    check_attempt_rate(&state, client)?;
    if !state.tokens().can_mint() {
        return Err(Error::forbidden(
            "accounts are managed by the external auth service configured for this server",
        ));
    }
    validate::username(&creds.username)?;
    validate::password(&creds.password)?;
    let device_name = validate::device_name(creds.device_name.as_deref())?;
    let password = creds.password;
    let hash = state
        .hashing()
        .run(move || hash_password(&password))
        .await??;
    let user = UserRecord {
        id: uuid::Uuid::now_v7().to_string(),
        username: creds.username,
        password_hash: Some(hash),
        display_name: None,
        avatar_id: None,
    };
    state.store().create_user(&user, now_ms()).await?;
    tracing::info!(user = %user.id, "registered");
    let session = super::sessions::sign_in(&state, user.id, device_name.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(session)))
}

/// Checks a password and returns a fresh token.
#[utoipa::path(
    post,
    path = "/v1/auth/login",
    tag = "auth",
    request_body = Credentials,
    responses(
        (status = 200, description = "A fresh access token and the refresh token of a new sign-in", body = AuthResponse),
        (status = 400, description = "`invalid_request`: a device name that breaks the rules, or a body that is not this JSON", body = ApiError),
        (status = 401, description = "`unauthorized`: wrong username or password", body = ApiError),
        (status = 403, description = "`forbidden`: accounts are managed by an external auth service", body = ApiError),
        (status = 413, description = "`too_large`: the body is larger than `--max-body-bytes`", body = ApiError),
        (status = 429, description = "`rate_limited`: too many attempts from this address", body = ApiError),
        (status = 503, description = "`unavailable`: the password-hashing queue is full", body = ApiError),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ApiJson(creds): ApiJson<Credentials>,
) -> Result<Json<AuthResponse>> {
    check_attempt_rate(&state, client)?;
    if !state.tokens().can_mint() {
        return Err(Error::forbidden(
            "log in with the external auth service instead",
        ));
    }
    let device_name = validate::device_name(creds.device_name.as_deref())?;
    let user = state.store().user_by_name(&creds.username).await?;
    let phc = user.as_ref().and_then(|u| u.password_hash.clone());
    let password = creds.password;
    let valid = state
        .hashing()
        .run(move || match phc {
            Some(phc) => verify_password(&password, &phc),
            None => {
                let _ = verify_password(&password, &DUMMY_HASH);
                false
            }
        })
        .await?;
    let Some(user) = user.filter(|_| valid) else {
        crate::telemetry::auth_failure("bad_credentials");
        return Err(Error::unauthorized("wrong username or password"));
    };
    if state.store().account_status(&user.id).await? != Some(AccountStatus::Active) {
        crate::telemetry::auth_failure("closed_account");
        return Err(Error::unauthorized("this account was deactivated"));
    }
    Ok(Json(
        super::sessions::sign_in(&state, user.id, device_name.as_deref()).await?,
    ))
}
