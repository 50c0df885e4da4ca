//! Resetting a forgotten password, without mail: a server admin asks for a one-time
//! reset token for a user (`POST /v1/admin/users/{user_id}/password-reset`) and hands it
//! over the way the app reaches its users (its own mail, a support desk); the user's
//! client trades it for a new password and a new sign-in (`POST
//! /v1/auth/password-reset`), which signs every other sign-in out as a password change
//! does.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use chat_protocol::v1::{ApiError, AuthResponse, PasswordReset, PasswordResetGrant};

use super::extract::{AdminUser, ApiJson, ApiPath, ClientIp};
use crate::auth::hash_password;
use crate::auth::refresh::{self, NewRefreshToken};
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::hub::AccountClosed;
use crate::state::AppState;
use crate::validate;

/// How long a reset token can be used: long enough to read a mail, short enough that
/// one found later in an inbox is worthless.
const RESET_TOKEN_TTL: Duration = Duration::from_secs(3600);

/// Longest reset token accepted (they are 64 characters).
const MAX_RESET_TOKEN_LEN: usize = 256;

/// `POST /v1/admin/users/{user_id}/password-reset`: a one-time reset token for the user.
#[utoipa::path(
    post,
    path = "/v1/admin/users/{user_id}/password-reset",
    tag = "admin",
    params(("user_id" = String, Path, description = "The user (at most 128 bytes)")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The reset token, valid for an hour; it replaces any the user had", body = PasswordResetGrant),
        (status = 400, description = "`invalid_request`: a malformed id", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: the caller is not a server admin, or tokens come from an external auth service", body = ApiError),
        (status = 404, description = "`not_found`: no active user with a password on this server has this id", body = ApiError),
    )
)]
pub async fn grant(
    State(state): State<AppState>,
    AdminUser(admin): AdminUser,
    ApiPath(user_id): ApiPath<String>,
) -> Result<Json<PasswordResetGrant>> {
    super::sessions::built_in_auth_for(&state, "reset passwords there")?;
    validate::id("user_id", &user_id)?;
    // The same kind of secret as a refresh token: 256 random bits, kept as a hash.
    let reset = NewRefreshToken::generate();
    let now = now_ms();
    let ttl = i64::try_from(RESET_TOKEN_TTL.as_millis()).unwrap_or(i64::MAX);
    let expires_at = now.saturating_add(ttl);
    let granted = state
        .store()
        .grant_password_reset(&user_id, &reset.hash, now, expires_at)
        .await?;
    if !granted {
        return Err(Error::not_found(
            "no active user with a password on this server has this id",
        ));
    }
    tracing::info!(user = %user_id, %admin, "password reset granted by a server admin");
    Ok(Json(PasswordResetGrant {
        reset_token: reset.token,
        expires_at,
    }))
}

/// `POST /v1/auth/password-reset`: sets a new password with a reset token.
#[utoipa::path(
    post,
    path = "/v1/auth/password-reset",
    tag = "auth",
    request_body = PasswordReset,
    responses(
        (status = 200, description = "The password is set and every sign-in of the user ended (as by a password change); this is a new sign-in", body = AuthResponse),
        (status = 400, description = "`invalid_request`: a new password or device name that breaks the rules, or a body that is not this JSON (the token stays usable)", body = ApiError),
        (status = 401, description = "`unauthorized`: the reset token is unknown, expired or used", body = ApiError),
        (status = 403, description = "`forbidden`: tokens come from an external auth service", body = ApiError),
        (status = 413, description = "`too_large`: the body is larger than `--max-body-bytes`", body = ApiError),
        (status = 429, description = "`rate_limited`: too many attempts from this address (counted with sign-ins)", body = ApiError),
        (status = 503, description = "`unavailable`: the password-hashing queue is full", body = ApiError),
    )
)]
pub async fn redeem(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ApiJson(reset): ApiJson<PasswordReset>,
) -> Result<Json<AuthResponse>> {
    super::sessions::built_in_auth_for(&state, "reset passwords there")?;
    super::auth::check_attempt_rate(&state, client)?;
    let PasswordReset {
        reset_token,
        new_password,
        device_name,
    } = reset;
    if reset_token.is_empty() || reset_token.len() > MAX_RESET_TOKEN_LEN {
        return Err(Error::invalid(format!(
            "reset_token must be 1 to {MAX_RESET_TOKEN_LEN} bytes"
        )));
    }
    validate::password(&new_password)?;
    let device_name = validate::device_name(device_name.as_deref())?;
    let token_hash = refresh::hash(&reset_token);
    // Known before the password is hashed: a made-up token costs one read, not a hash.
    if state
        .store()
        .password_reset_user(&token_hash, now_ms())
        .await?
        .is_none()
    {
        return Err(refused());
    }
    let hash = state
        .hashing()
        .run(move || hash_password(&new_password))
        .await??;
    let now = now_ms();
    let Some(user_id) = state
        .store()
        .redeem_password_reset(&token_hash, &hash, now)
        .await?
    else {
        return Err(refused());
    };
    // Every connection of the user closes, wherever it is: none is on a token of the
    // new sign-in yet. Those on a token of a sign-in close whenever it was minted; the
    // cutoff covers tokens that name none.
    let before = u64::try_from(now.div_euclid(1000)).unwrap_or(0);
    state
        .bus()
        .publish_close_user(&user_id, AccountClosed::SignedOut { before, kept: 0 });
    state
        .bus()
        .publish_close_user(&user_id, AccountClosed::OtherSignInsEnded { kept: None });
    tracing::info!(user = %user_id, "password reset; every sign-in signed out");
    Ok(Json(
        super::sessions::sign_in(&state, user_id, device_name.as_deref()).await?,
    ))
}

fn refused() -> Error {
    crate::telemetry::auth_failure("reset_token_invalid");
    Error::unauthorized("the reset token is unknown, expired or used; ask for a new one")
}
