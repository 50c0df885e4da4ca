//! Changing the signed-in user's password (accounts of the server's built-in auth).

use chat_protocol::v1::{AuthResponse, PasswordChange};
use reqwest::Method;

use super::events::ClientEvent;
use super::session::Session;
use super::{ChatClient, ClientError};

impl ChatClient {
    /// Changes the signed-in user's password. Every other sign-in of the user ends:
    /// their devices are disconnected and cannot renew their sessions, and the push
    /// devices registered for the user are removed. This client gets the new session
    /// the server answers with: it moves its live connection to it, registers its push
    /// device again, and reports it as `SessionRenewed` too. Store the returned session
    /// in place of the old one, whose refresh token no longer works.
    ///
    /// # Errors
    ///
    /// `Server` with `forbidden` (the current password is wrong, or the account's
    /// passwords are an external auth service's), `invalid_request` (a new password of
    /// fewer than 8 or more than 256 characters) or `rate_limited`; `NotSignedIn`,
    /// `Network`. Nothing changed then.
    pub async fn change_password(
        &self,
        current_password: &str,
        new_password: &str,
    ) -> Result<Session, ClientError> {
        let body = PasswordChange {
            current_password: current_password.to_owned(),
            new_password: new_password.to_owned(),
        };
        let answer: Option<AuthResponse> = self
            .request(
                Method::POST,
                &["v1", "users", "me", "password"],
                Some(&body),
            )
            .await?;
        let session = Session::from(
            answer.ok_or_else(|| ClientError::Network("the server sent no session".into()))?,
        );
        self.set_session(&session)?;
        self.register_push_again().await;
        self.shared.emit(ClientEvent::SessionRenewed {
            session: session.clone(),
        });
        Ok(session)
    }
}
