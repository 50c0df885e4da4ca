//! Errors a [`super::ChatClient`] call can return.

use chat_protocol::v1::ErrorCode;

use crate::cache::CacheError;

/// What went wrong, and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The local database failed; the operation did not happen.
    #[error(transparent)]
    Cache(#[from] CacheError),
    /// The server answered a REST call with an error.
    #[error("server refused the request ({code}): {message}")]
    Server {
        /// The protocol error code.
        code: ErrorCode,
        /// The server's explanation.
        message: String,
    },
    /// The server could not be reached.
    #[error("cannot reach the server: {0}")]
    Network(String),
    /// This needs a connection, and there is none right now.
    #[error("not connected; try again once connected")]
    NotConnected,
    /// This needs a signed-in user: call `login`, `register` or `set_session` first.
    #[error("no user is signed in")]
    NotSignedIn,
    /// The message is longer than the client sends (in bytes); shorten it.
    #[error("message too long: at most {0} bytes")]
    TooLarge(usize),
    /// The request is malformed (not one emoji, too many mentions, a search without
    /// words); nothing was queued.
    #[error("invalid request: {0}")]
    Invalid(String),
    /// The client configuration is unusable (a server URL or certificate that does not
    /// parse).
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// The session is another user's. A client and its cache belong to the first user
    /// it was given; another user needs a client of their own, on their own cache.
    #[error("this client belongs to user {0}; open another client (and cache) for another user")]
    OtherUser(String),
    /// The client was shut down.
    #[error("the client has been closed")]
    Closed,
}

impl From<reqwest::Error> for ClientError {
    /// With the whole chain of causes: reqwest's own message ("error sending request")
    /// does not say whether DNS, TCP or the certificate failed.
    fn from(e: reqwest::Error) -> Self {
        let mut message = e.to_string();
        let mut cause = std::error::Error::source(&e);
        while let Some(inner) = cause {
            message.push_str(": ");
            message.push_str(&inner.to_string());
            cause = inner.source();
        }
        Self::Network(message)
    }
}
