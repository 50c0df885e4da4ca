//! Account calls over REST.

use chat_protocol::v1::{ApiError, AuthResponse, Credentials, LogoutRequest, RefreshRequest};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::ClientError;
use super::session::Session;

/// `POST /v1/auth/register` or `/v1/auth/login` on `base` (e.g. `http://host:8080`).
pub(super) async fn authenticate(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    credentials: &Credentials,
) -> Result<Session, ClientError> {
    new_session(http, base, path, credentials).await
}

/// `POST /v1/auth/refresh`: the next session for a refresh token.
pub(super) async fn refresh(
    http: &reqwest::Client,
    base: &str,
    refresh_token: &str,
) -> Result<Session, ClientError> {
    let request = RefreshRequest {
        refresh_token: refresh_token.to_owned(),
    };
    new_session(http, base, "/v1/auth/refresh", &request).await
}

/// `POST /v1/auth/password-reset`: a new password and sign-in for a reset token.
pub(super) async fn reset_password(
    http: &reqwest::Client,
    base: &str,
    reset: &chat_protocol::v1::PasswordReset,
) -> Result<Session, ClientError> {
    new_session(http, base, "/v1/auth/password-reset", reset).await
}

/// A POST answered with a session (register, login, refresh, a password reset).
async fn new_session(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    body: &impl Serialize,
) -> Result<Session, ClientError> {
    let auth: AuthResponse = post_unauthenticated(http, base, path, body)
        .await?
        .ok_or_else(|| ClientError::Network("the server answered without a body".into()))?;
    Ok(auth.into())
}

/// `POST /v1/auth/logout`: revokes the sign-in of a refresh token.
pub(super) async fn logout(
    http: &reqwest::Client,
    base: &str,
    refresh_token: &str,
    device_id: Option<String>,
) -> Result<(), ClientError> {
    let request = LogoutRequest {
        refresh_token: refresh_token.to_owned(),
        device_id,
    };
    post_unauthenticated::<serde_json::Value>(http, base, "/v1/auth/logout", &request).await?;
    Ok(())
}

/// A POST that needs no access token; a JSON answer (or none, for 204).
async fn post_unauthenticated<T: DeserializeOwned>(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    body: &impl Serialize,
) -> Result<Option<T>, ClientError> {
    let response = http.post(format!("{base}{path}")).json(body).send().await?;
    if !response.status().is_success() {
        return Err(refusal(response).await);
    }
    if response.status() == reqwest::StatusCode::NO_CONTENT {
        return Ok(None);
    }
    Ok(Some(response.json().await?))
}

/// A REST call as the signed-in user; a JSON answer (or none, for 204).
pub(super) async fn call<T: DeserializeOwned>(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: impl reqwest::IntoUrl,
    token: &str,
    body: Option<&(impl Serialize + ?Sized)>,
) -> Result<Option<T>, ClientError> {
    let mut request = http.request(method, url).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await?;
    let status = response.status();
    if !status.is_success() {
        return Err(refusal(response).await);
    }
    if status == reqwest::StatusCode::NO_CONTENT {
        return Ok(None);
    }
    Ok(Some(response.json().await?))
}

/// What a response that is not a success says: the server's `ApiError`, or (a body that
/// is not one: a proxy's page) the bare status.
pub(super) async fn refusal(response: reqwest::Response) -> ClientError {
    let status = response.status();
    match response.json::<ApiError>().await {
        Ok(e) => ClientError::Server {
            code: e.code,
            message: e.message,
        },
        Err(_) => ClientError::Network(format!("unexpected HTTP {status}")),
    }
}
