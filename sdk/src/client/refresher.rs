//! The token provider of the server's built-in accounts: when the session came with a
//! refresh token (register, login, or a stored session), the client trades it for the
//! next session whenever the connection needs a fresh token, keeps the new refresh
//! token, and tells the app ([`ClientEvent::SessionRenewed`]) so that it can store
//! the session. Apps of an external auth service set a [`TokenProvider`] instead, which
//! takes precedence.

use std::sync::Weak;

use super::TokenFuture;
use super::bridge::Shared;
use super::events::ClientEvent;
use super::{ClientError, TokenProvider, rest};

/// Refreshes through `POST /v1/auth/refresh`.
#[derive(Debug)]
pub(crate) struct SessionRefresher {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: String,
    /// Weak: the shared state owns this refresher.
    pub(crate) shared: Weak<Shared>,
    /// One refresh at a time: presenting one refresh token twice (two needs for a
    /// token at once) would look like a stolen copy to the server, which then revokes
    /// the whole sign-in.
    pub(crate) one_at_a_time: tokio::sync::Mutex<()>,
}

impl TokenProvider for SessionRefresher {
    fn fresh_token(&self) -> TokenFuture<'_> {
        Box::pin(async move {
            let shared = self.shared.upgrade()?;
            let before = shared.refresh_token.lock().expect("refresh lock").clone()?;
            let _turn = self.one_at_a_time.lock().await;
            let presented = shared.refresh_token.lock().expect("refresh lock").clone()?;
            if presented != before {
                // Refreshed while this call waited: that session's token is the answer.
                return shared.token.lock().expect("token lock").clone();
            }
            match rest::refresh(&self.http, &self.base_url, &presented).await {
                Ok(session) => {
                    {
                        let mut current = shared.refresh_token.lock().expect("refresh lock");
                        if current.as_deref() != Some(presented.as_str()) {
                            return None; // signed out (or a new session set) meanwhile
                        }
                        current.clone_from(&session.refresh_token);
                    }
                    // Before the next caller's turn: it returns this token.
                    *shared.token.lock().expect("token lock") = Some(session.token.clone());
                    *shared.session.lock().expect("session lock") = Some(session.clone());
                    let token = session.token.clone();
                    shared.emit(ClientEvent::SessionRenewed { session });
                    Some(token)
                }
                // Expired, revoked or replayed: the user has to sign in again (the
                // connection then waits in `NeedsToken`).
                Err(ClientError::Server {
                    code: chat_protocol::v1::ErrorCode::Unauthorized,
                    message,
                }) => {
                    tracing::warn!(%message, "the refresh token was refused");
                    let mut current = shared.refresh_token.lock().expect("refresh lock");
                    if current.as_deref() == Some(presented.as_str()) {
                        *current = None;
                        // Nothing worth storing is left of this sign-in's renewals.
                        if let Some(session) = shared.session.lock().expect("session lock").as_mut()
                        {
                            session.refresh_token = None;
                            session.refresh_expires_at = None;
                        }
                    }
                    None
                }
                // Offline or the server is down: the next need for a token tries again.
                Err(e) => {
                    tracing::debug!(error = %e, "refreshing the session failed");
                    None
                }
            }
        })
    }
}
