//! Extractors that turn bad requests into protocol errors instead of plain-text rejections.

use std::net::{IpAddr, SocketAddr};

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};

use crate::error::Error;
use crate::state::AppState;

/// The authenticated caller, from `Authorization: Bearer <token>`.
#[derive(Debug, Clone)]
pub struct AuthUser(pub String);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        authenticated(state, &parts.headers).await.map(Self)
    }
}

/// The authenticated caller with its token's times and tag, for a change that signs
/// other sessions out but the caller's (a password change).
#[derive(Debug, Clone)]
pub struct AuthCaller {
    /// Who the token names.
    pub caller: crate::access::Caller,
    /// The token's [`crate::access::token_tag`].
    pub token_tag: u64,
}

impl FromRequestParts<AppState> for AuthCaller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let token = bearer(&parts.headers)?;
        let caller = crate::access::authenticated_user(state, token).await?;
        Ok(Self {
            caller,
            token_tag: crate::access::token_tag(token),
        })
    }
}

/// The user whose token `Authorization: Bearer <token>` in `headers` carries.
///
/// # Errors
///
/// `unauthorized` without a valid token.
pub async fn authenticated(state: &AppState, headers: &HeaderMap) -> Result<String, Error> {
    let token = bearer(headers)?;
    crate::access::authenticated_user(state, token)
        .await
        .map(|caller| caller.user_id)
}

/// The authenticated caller, who must be a server admin (`--admin-user`, or the token's
/// `--admin-claim`); anyone else gets `forbidden`.
#[derive(Debug, Clone)]
pub struct AdminUser(pub String);

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let token = bearer(&parts.headers)?;
        let caller = crate::access::authenticated_user(state, token).await?;
        if crate::access::is_server_admin(state, token, &caller.user_id).await? {
            Ok(Self(caller.user_id))
        } else {
            Err(Error::forbidden("only the server's admins may do this"))
        }
    }
}

/// The client's address: the TCP peer's, or the one a trusted reverse proxy names
/// (`--trusted-proxies`, [`crate::client_addr`]).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let ConnectInfo(peer) = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .copied()
            .ok_or_else(|| Error::internal("client address", &"no peer address"))?;
        Ok(Self(crate::client_addr::client_ip(
            peer,
            &parts.headers,
            &state.config().trusted_proxies,
        )))
    }
}

/// The token of `Authorization: Bearer <token>`.
fn bearer(headers: &HeaderMap) -> Result<&str, Error> {
    let header = headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or_else(|| Error::unauthorized("missing Authorization: Bearer <token> header"))?;
    header
        .to_str()
        .ok()
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(|| Error::unauthorized("Authorization header must be Bearer <token>"))
}

/// A JSON body whose problems answer with `invalid_request` / `too_large`. The body
/// must be a JSON object: serde would also read a struct from an array of its fields in
/// order (`[]` as a mute request with every field left out), which no body here means.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        match axum::Json::<serde_json::Value>::from_request(req, state).await {
            Ok(axum::Json(value)) if value.is_object() => serde_json::from_value(value)
                .map(Self)
                .map_err(|e| Error::invalid(format!("the request body does not fit: {e}"))),
            Ok(_) => Err(Error::invalid("the request body must be a JSON object")),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(Error::too_large("request body is too large"))
            }
            Err(rejection) if body_timed_out(&rejection) => Err(Error::invalid(
                "the request body stopped arriving before it was complete; send it again",
            )),
            Err(rejection) => Err(Error::invalid(rejection.body_text())),
        }
    }
}

/// Query parameters whose problems answer with `invalid_request`.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    axum::extract::Query<T>: FromRequestParts<S, Rejection = QueryRejection>,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Self(value))
            .map_err(|rejection| Error::invalid(rejection.body_text()))
    }
}

/// Whether the body failed because it paused longer than `--http-body-timeout`.
fn body_timed_out(rejection: &JsonRejection) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(rejection);
    while let Some(error) = source {
        if error.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        source = error.source();
    }
    false
}

/// Path parameters whose problems (such as percent-escapes that are not UTF-8) answer
/// with `invalid_request` in JSON, like every other error of the API.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    axum::extract::Path<T>: FromRequestParts<S, Rejection = PathRejection>,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Self(value))
            .map_err(|rejection| Error::invalid(rejection.body_text()))
    }
}
