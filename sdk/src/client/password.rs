//! Changing the signed-in user's password, and resetting a forgotten one with a reset
//! token (accounts of the server's built-in auth).

use chat_protocol::v1::{AuthResponse, PasswordChange, PasswordReset};
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

    /// Sets a forgotten password with the reset token a server admin was given for the
    /// user (`POST /v1/admin/users/{id}/password-reset`), and signs in with it, as
    /// `login` does (under the name `set_device_name` gave this device). Every other
    /// sign-in of the user ends, as with a password change.
    ///
    /// # Errors
    ///
    /// `Server` with `unauthorized` (the token is unknown, expired or used),
    /// `invalid_request` (a new password of fewer than 8 or more than 256 characters;
    /// the token stays usable) or `rate_limited`; `OtherUser` when this client already
    /// belongs to a user (use a client with no session, as on a sign-in screen: the
    /// token's user is known only once the reset is done, which cannot be undone), and
    /// the token stays usable; `Network`.
    pub async fn reset_password(
        &self,
        reset_token: &str,
        new_password: &str,
    ) -> Result<Session, ClientError> {
        if let Some(owner) = self.shared.me() {
            return Err(ClientError::OtherUser(owner));
        }
        let reset = PasswordReset {
            reset_token: reset_token.to_owned(),
            new_password: new_password.to_owned(),
            device_name: self.shared.device_name.lock().expect("name lock").clone(),
        };
        let session = super::rest::reset_password(&self.http, &self.base_url, &reset).await?;
        self.set_session(&session)?;
        // The reset made the server forget every push device of the user.
        self.register_push_again().await;
        Ok(session)
    }
}
