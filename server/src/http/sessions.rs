//! Sessions of the built-in auth: what register and login hand out (an access token and
//! a refresh token), `POST /v1/auth/refresh` (the next pair, rotating the refresh token)
//! and `POST /v1/auth/logout` (ending the sign-in).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chat_protocol::v1::{ApiError, AuthResponse, LogoutRequest, RefreshRequest};

use super::extract::ApiJson;
use crate::auth::refresh::{self, NewRefreshToken};
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::{RefreshTokenRecord, Rotation};

/// Starts a sign-in of `user_id` on the device called `device_name`: an access token
/// and the first refresh token.
///
/// # Errors
///
/// `forbidden` with an external issuer; `internal` if the store fails.
pub async fn sign_in(
    state: &AppState,
    user_id: String,
    device_name: Option<&str>,
) -> Result<AuthResponse> {
    let now = now_ms();
    let sign_in = uuid::Uuid::now_v7().to_string();
    let (token, expires_at) = state.tokens().mint(&user_id, &sign_in, now)?;
    let refresh = NewRefreshToken::generate();
    let refresh_expires_at = now.saturating_add(refresh_ttl_ms(state));
    let first_token = RefreshTokenRecord {
        token_hash: refresh.hash,
        family_id: sign_in,
        user_id: user_id.clone(),
        created_at: now,
        expires_at: refresh_expires_at,
    };
    state
        .store()
        .start_sign_in(&first_token, device_name)
        .await?;
    Ok(AuthResponse {
        user_id: user_id.into(),
        token,
        expires_at,
        refresh_token: Some(refresh.token),
        refresh_expires_at: Some(refresh_expires_at),
    })
}

/// How long a refresh token lives, in ms: a sign-in not renewed for as long has lapsed.
pub fn refresh_ttl_ms(state: &AppState) -> i64 {
    i64::try_from(state.config().refresh_token_ttl.as_millis()).unwrap_or(i64::MAX)
}

/// Longest refresh token accepted (they are 64 characters; anything much longer is not
/// one of ours and is not worth hashing).
const MAX_REFRESH_TOKEN_LEN: usize = 256;

/// The stored form of the presented token, after checking its shape.
fn presented_hash(request: &RefreshRequest) -> Result<String> {
    let token = request.refresh_token.as_str();
    if token.is_empty() || token.len() > MAX_REFRESH_TOKEN_LEN {
        return Err(Error::invalid(format!(
            "refresh_token must be 1 to {MAX_REFRESH_TOKEN_LEN} bytes"
        )));
    }
    Ok(refresh::hash(token))
}

fn built_in_auth(state: &AppState) -> Result<()> {
    built_in_auth_for(state, "refresh them there")
}

/// Refuses with `forbidden` what only the server's built-in accounts have (refresh
/// tokens, sign-ins) when an external auth service issues the tokens; `instead` says
/// what to do then.
///
/// # Errors
///
/// `forbidden` with an external issuer.
pub fn built_in_auth_for(state: &AppState, instead: &str) -> Result<()> {
    if state.tokens().can_mint() {
        Ok(())
    } else {
        Err(Error::forbidden(format!(
            "this server verifies tokens of an external auth service; {instead}"
        )))
    }
}

/// Trades a refresh token for a fresh access token and the next refresh token.
#[utoipa::path(
    post,
    path = "/v1/auth/refresh",
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A fresh access token and the next refresh token (the presented one is now used)", body = AuthResponse),
        (status = 400, description = "`invalid_request`: a body that is not this JSON, or an empty or overlong token", body = ApiError),
        (status = 401, description = "`unauthorized`: the refresh token is unknown, expired or revoked, or was used before (which revokes every token of its sign-in): sign in again", body = ApiError),
        (status = 403, description = "`forbidden`: tokens come from an external auth service", body = ApiError),
        (status = 413, description = "`too_large`: the body is larger than `--max-body-bytes`", body = ApiError),
    )
)]
pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> Result<Json<AuthResponse>> {
    built_in_auth(&state)?;
    let presented = presented_hash(&request)?;
    let now = now_ms();
    let next = NewRefreshToken::generate();
    let next_expires_at = now.saturating_add(refresh_ttl_ms(&state));
    let rotation = state
        .store()
        .rotate_refresh_token(&presented, &next.hash, next_expires_at, now)
        .await?;
    let (user_id, sign_in) = match rotation {
        Rotation::Rotated { user_id, sign_in } => (user_id, sign_in),
        Rotation::Reused => {
            crate::telemetry::auth_failure("refresh_token_reused");
            tracing::warn!("a used refresh token was presented again; its sign-in is revoked");
            return Err(Error::unauthorized(
                "this refresh token was already used, so a copy may be in someone else's \
                 hands: every session of this sign-in is revoked; sign in again",
            ));
        }
        Rotation::Invalid => {
            crate::telemetry::auth_failure("refresh_token_invalid");
            return Err(Error::unauthorized(
                "the refresh token is unknown, expired or revoked; sign in again",
            ));
        }
    };
    let (token, expires_at) = state.tokens().mint(&user_id, &sign_in, now)?;
    crate::telemetry::token_renewed("refresh_token");
    Ok(Json(AuthResponse {
        user_id: user_id.into(),
        token,
        expires_at,
        refresh_token: Some(next.token),
        refresh_expires_at: Some(next_expires_at),
    }))
}

/// Signs out: ends the presented token's sign-in. Its refresh tokens are revoked, its
/// access tokens refused, its connections closed (on every process) and the push
/// devices it registered forgotten.
#[utoipa::path(
    post,
    path = "/v1/auth/logout",
    tag = "auth",
    request_body = LogoutRequest,
    responses(
        (status = 204, description = "Signed out (also when the token was unknown or already revoked): the sign-in's access tokens are refused and its connections closed with 4001; the push devices it registered, and the one named if the user's, are unregistered"),
        (status = 400, description = "`invalid_request`: a body that is not this JSON, an empty or overlong token, or a malformed device id", body = ApiError),
        (status = 403, description = "`forbidden`: tokens come from an external auth service", body = ApiError),
        (status = 413, description = "`too_large`: the body is larger than `--max-body-bytes`", body = ApiError),
    )
)]
pub async fn logout(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<LogoutRequest>,
) -> Result<StatusCode> {
    built_in_auth(&state)?;
    let LogoutRequest {
        refresh_token,
        device_id,
    } = request;
    if let Some(device_id) = &device_id {
        crate::validate::id("device_id", device_id)?;
    }
    let presented = presented_hash(&RefreshRequest { refresh_token })?;
    let ended = state
        .store()
        .revoke_refresh_family(&presented, now_ms(), device_id.as_deref())
        .await?;
    if let Some((user_id, sign_in)) = ended {
        super::sign_ins::close_connections(&state, &user_id, &sign_in);
    }
    Ok(StatusCode::NO_CONTENT)
}
