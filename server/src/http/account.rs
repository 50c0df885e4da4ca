//! Deleting one's own account over REST (`DELETE /v1/users/me`).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use chat_protocol::v1::{ApiError, DeleteAccountRequest};
use serde::Deserialize;

use super::extract::{ApiQuery, AuthUser};
use crate::auth::verify_password;
use crate::error::{Error, Result};
use crate::state::AppState;

/// Query of `DELETE /v1/users/me`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteQuery {
    /// Also erase every message the user sent (each becomes a deleted message).
    #[serde(default)]
    erase_messages: bool,
}

/// `DELETE /v1/users/me`: the account is deleted. Its connections close with 4001, its
/// tokens are refused, its name is free again, its profile reads "Deleted user", and its
/// memberships end; with `erase_messages=true` its messages are erased too.
#[utoipa::path(
    delete,
    path = "/v1/users/me",
    tag = "users",
    params(DeleteQuery),
    request_body(content = DeleteAccountRequest, description = "The password, for accounts that have one"),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "`invalid_request`: a body that is not this JSON, or a bad query", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: the password is missing or wrong", body = ApiError),
        (status = 413, description = "`too_large`: the body is larger than `--max-body-bytes`", body = ApiError),
    )
)]
pub async fn delete_me(
    State(state): State<AppState>,
    AuthUser(me): AuthUser,
    ApiQuery(query): ApiQuery<DeleteQuery>,
    body: Bytes,
) -> Result<StatusCode> {
    let request: DeleteAccountRequest = if body.is_empty() {
        DeleteAccountRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| Error::invalid(format!("the request body does not fit: {e}")))?
    };
    confirm(&state, &me, request.password).await?;
    crate::accounts::delete(&state, &me, query.erase_messages).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The stored password hash (PHC string) of `user_id`; `None` for a user of an external
/// auth service, who has none here.
///
/// # Errors
///
/// `unauthorized` when the token's user does not exist; `internal` if the store fails.
pub(super) async fn password_hash_of(state: &AppState, user_id: &str) -> Result<Option<String>> {
    let Some(profile) = state.store().user_profile(user_id).await? else {
        return Err(Error::unauthorized("the token's user does not exist"));
    };
    Ok(state
        .store()
        .user_by_name(&profile.username)
        .await?
        .and_then(|user| user.password_hash))
}

/// An account with a password of this server is deleted only with that password; one of
/// an external auth service has none (the token it holds is the confirmation).
async fn confirm(state: &AppState, user_id: &str, password: Option<String>) -> Result<()> {
    let Some(phc) = password_hash_of(state, user_id).await? else {
        return Ok(());
    };
    let Some(password) = password else {
        return Err(Error::forbidden(
            "confirm the deletion with the account's password",
        ));
    };
    let valid = state
        .hashing()
        .run(move || verify_password(&password, &phc))
        .await?;
    if valid {
        Ok(())
    } else {
        crate::telemetry::auth_failure("bad_credentials");
        Err(Error::forbidden("the password is wrong"))
    }
}
