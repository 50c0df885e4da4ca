//! A fresh token on a live connection: `authenticate` after the handshake renews the
//! session for the same user, so that a client whose token is about to expire does not
//! have to reconnect (and resume every room) to keep going.

use chat_protocol::v1::ErrorCode;

use super::commands::Failure;
use super::connection::Connection;
use crate::error::Error;

impl Connection {
    /// Checks `token` and, if it names this connection's user, moves the connection's
    /// expiry to the token's and answers `authenticated` again.
    ///
    /// # Errors
    ///
    /// `unauthorized` for an invalid or expired token, `forbidden` for another user's;
    /// either way the connection goes on with its current token.
    pub(super) async fn renew(&mut self, token: &str) -> Result<(), Failure> {
        let caller = match crate::access::authenticated_user(&self.state, token).await {
            Ok(caller) => caller,
            Err(e) if e.code == ErrorCode::Unauthorized => {
                return Err(Error::unauthorized(format!(
                    "{}; this connection keeps its current token until it expires",
                    e.message
                ))
                .into());
            }
            Err(e) => return Err(e.into()),
        };
        if caller.user_id != self.user_id {
            crate::telemetry::auth_failure("other_user");
            return Err(Error::forbidden(
                "the token names another user; a connection stays with the user it \
                 authenticated as (open a new connection for the other user)",
            )
            .into());
        }
        // A token that expires sooner than the current one does not shorten the session.
        self.token_expires_at = self.token_expires_at.max(caller.expires_at);
        self.token_issued_at = self.token_issued_at.max(caller.issued_at);
        self.token_tag = crate::access::token_tag(token);
        // A password change moves the connection to the new sign-in its client got.
        self.sign_in = caller.sign_in_id();
        crate::telemetry::token_renewed("websocket");
        let renewed = self.authenticated();
        self.send(&renewed).await.map_err(Failure::from)
    }
}
