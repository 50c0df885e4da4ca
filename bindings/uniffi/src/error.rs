//! The SDK's errors, flattened to one sealed hierarchy for Kotlin and Swift.
//!
//! This is the one type the bindings still declare beside the SDK's, because the
//! platforms need another shape than `chat_sdk::ClientError`: it becomes an exception
//! (Kotlin's own `message` property forbids a field of that name, hence `detail`), and
//! `ClientError::Cache` wraps the SQLite error chain, which has no foreign
//! representation, so it is flattened to text here.

use chat_protocol::v1::ErrorCode;
use chat_sdk::ClientError;

/// Why a call failed. `Server` carries the server's error code (`Forbidden`,
/// `Conflict`, ...) and its explanation.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum ChatError {
    /// The server refused the request.
    #[error("{code}: {detail}")]
    Server {
        /// Why the server refused it (the same codes as `ClientEvent.Error`).
        code: ErrorCode,
        /// The server's explanation (`detail`, since Kotlin exceptions own `message`).
        detail: String,
    },
    /// The server could not be reached.
    #[error("network: {detail}")]
    Network {
        /// What failed.
        detail: String,
    },
    /// This needs a connection.
    #[error("not connected")]
    NotConnected,
    /// Sign in first.
    #[error("no user is signed in")]
    NotSignedIn,
    /// The message is too long.
    #[error("message too long (at most {max_bytes} bytes)")]
    TooLarge {
        /// The limit.
        max_bytes: u64,
    },
    /// The local database failed.
    #[error("local storage: {detail}")]
    Storage {
        /// What failed.
        detail: String,
    },
    /// The request is malformed (not one emoji, too many mentions, a search without
    /// words); nothing was queued.
    #[error("invalid request: {detail}")]
    Invalid {
        /// What is wrong.
        detail: String,
    },
    /// The configuration is unusable (server URL, certificate).
    #[error("invalid configuration: {detail}")]
    InvalidConfig {
        /// What is wrong.
        detail: String,
    },
    /// The session is another user's: this client (and its cache) belongs to `owner`.
    #[error("this client belongs to user {owner}")]
    OtherUser {
        /// The user the client belongs to.
        owner: String,
    },
    /// The client was shut down.
    #[error("the client is closed")]
    Closed,
}

impl From<ClientError> for ChatError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Server { code, message } => Self::Server {
                code,
                detail: message,
            },
            ClientError::Network(detail) => Self::Network { detail },
            ClientError::NotConnected => Self::NotConnected,
            ClientError::NotSignedIn => Self::NotSignedIn,
            ClientError::TooLarge(max) => Self::TooLarge {
                max_bytes: max as u64,
            },
            ClientError::Cache(e) => Self::Storage {
                detail: e.to_string(),
            },
            ClientError::Invalid(detail) => Self::Invalid { detail },
            ClientError::InvalidConfig(detail) => Self::InvalidConfig { detail },
            ClientError::OtherUser(owner) => Self::OtherUser { owner },
            ClientError::Closed => Self::Closed,
        }
    }
}
