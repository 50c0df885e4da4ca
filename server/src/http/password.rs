//! Changing one's password (`POST /v1/users/me/password`): it signs every other sign-in
//! out, on every device and process, and gives the device that made the change a new
//! session.

use axum::Json;
use axum::extract::State;
use chat_protocol::v1::{ApiError, AuthResponse, PasswordChange};

use super::extract::{ApiJson, AuthCaller, ClientIp};
use crate::auth::{hash_password, verify_password};
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::hub::AccountClosed;
use crate::state::AppState;
use crate::validate;

/// `POST /v1/users/me/password`.
#[utoipa::path(
    post,
    path = "/v1/users/me/password",
    tag = "users",
    request_body = PasswordChange,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed: every other sign-in is signed out (their refresh tokens revoked, their access tokens refused, their connections closed with 4001, the user's push devices removed); this is the caller's new session", body = AuthResponse),
        (status = 400, description = "`invalid_request`: a new password that breaks the rules, or a body that is not this JSON", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: the current password is wrong, or the account has none here (an external auth service's)", body = ApiError),
        (status = 413, description = "`too_large`: the body is larger than `--max-body-bytes`", body = ApiError),
        (status = 429, description = "`rate_limited`: too many password attempts from this address (counted with sign-ins)", body = ApiError),
        (status = 503, description = "`unavailable`: the password-hashing queue is full", body = ApiError),
    )
)]
pub async fn change_password(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    AuthCaller { caller, token_tag }: AuthCaller,
    ApiJson(change): ApiJson<PasswordChange>,
) -> Result<Json<AuthResponse>> {
    // Each attempt costs two password hashes, as a sign-in costs one.
    super::auth::check_attempt_rate(&state, client)?;
    validate::password(&change.new_password)?;
    let me = caller.user_id.clone();
    let phc = super::account::password_hash_of(&state, &me).await?;
    let Some(phc) = phc.filter(|_| state.tokens().can_mint()) else {
        return Err(Error::forbidden(
            "this account has no password on this server; change it with the auth service \
             that issues its tokens",
        ));
    };
    let PasswordChange {
        current_password,
        new_password,
    } = change;
    let valid = state
        .hashing()
        .run(move || verify_password(&current_password, &phc))
        .await?;
    if !valid {
        crate::telemetry::auth_failure("bad_credentials");
        return Err(Error::forbidden("the current password is wrong"));
    }
    let hash = state
        .hashing()
        .run(move || hash_password(&new_password))
        .await??;
    // The new sign-in keeps the device's name.
    let device_name = match caller.sign_in.as_deref() {
        Some(current) => state
            .store()
            .sign_ins(&me, 0)
            .await?
            .into_iter()
            .find(|sign_in| sign_in.id == current)
            .and_then(|sign_in| sign_in.device_name),
        None => None,
    };
    let now = now_ms();
    if !state.store().change_password(&me, &hash, now).await? {
        return Err(Error::unauthorized(
            "this account was deactivated or deleted",
        ));
    }
    // Connections on older tokens close, wherever they are, but for the caller's own:
    // its client moves them to the new session with `authenticate`. Those of the
    // user's other sign-ins close whenever their token was minted (its second may be
    // the change's); the cutoff covers tokens that name no sign-in.
    let before = u64::try_from(now.div_euclid(1000)).unwrap_or(0);
    state.bus().publish_close_user(
        &me,
        AccountClosed::SignedOut {
            before,
            kept: token_tag,
        },
    );
    state.bus().publish_close_user(
        &me,
        AccountClosed::OtherSignInsEnded {
            kept: caller.sign_in_id(),
        },
    );
    tracing::info!(user = %me, "password changed; other sign-ins signed out");
    Ok(Json(
        super::sessions::sign_in(&state, me, device_name.as_deref()).await?,
    ))
}
