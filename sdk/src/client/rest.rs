//! Account calls over REST.

use chat_protocol::v1::{ApiError, AuthResponse, Credentials};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::ClientError;

/// A signed-in user.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    /// The user's id.
    pub user_id: String,
    /// The access token.
    pub token: String,
    /// When it expires, ms since the epoch.
    pub expires_at: i64,
}

// Tokens stay out of logs.
impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("user_id", &self.user_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// `POST /v1/auth/register` or `/v1/auth/login` on `base` (e.g. `http://host:8080`).
pub(super) async fn authenticate(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    username: &str,
    password: &str,
) -> Result<Session, ClientError> {
    let credentials = Credentials {
        username: username.to_owned(),
        password: password.to_owned(),
    };
    let response = http
        .post(format!("{base}{path}"))
        .json(&credentials)
        .send()
        .await?;
    if !response.status().is_success() {
        let status = response.status();
        return Err(match response.json::<ApiError>().await {
            Ok(e) => ClientError::Server {
                code: e.code,
                message: e.message,
            },
            Err(_) => ClientError::Network(format!("unexpected HTTP {status}")),
        });
    }
    let auth: AuthResponse = response.json().await?;
    Ok(Session {
        user_id: auth.user_id,
        token: auth.token,
        expires_at: auth.expires_at,
    })
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
        return Err(match response.json::<ApiError>().await {
            Ok(e) => ClientError::Server {
                code: e.code,
                message: e.message,
            },
            Err(_) => ClientError::Network(format!("unexpected HTTP {status}")),
        });
    }
    if status == reqwest::StatusCode::NO_CONTENT {
        return Ok(None);
    }
    Ok(Some(response.json().await?))
}
