//! Error codes (in `error` frames and REST error bodies) and WebSocket close codes.

use serde::{Deserialize, Serialize};

/// Machine-readable reason carried by an `error` frame or a REST error body.
///
/// Clients must treat an unknown code like [`ErrorCode::Internal`]: newer servers
/// may add codes, which then decode as [`ErrorCode::Unknown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// No valid credentials: missing, expired, forged or wrong-algorithm token, bad password.
    Unauthorized,
    /// Authenticated, but not allowed: not a member, not the sender, private room.
    Forbidden,
    /// The room, message or user does not exist.
    NotFound,
    /// The request is malformed: bad JSON, wrong field types, invalid values.
    InvalidRequest,
    /// The frame `type` is not one this server knows.
    UnknownType,
    /// The frame, body or content exceeds a configured limit.
    TooLarge,
    /// An upload's bytes are not of a type the server takes as it was declared (an
    /// image type that does not match the bytes, or image bytes declared as something
    /// else); HTTP 415.
    UnsupportedType,
    /// Too many requests; slow down and retry later.
    RateLimited,
    /// The request conflicts with existing state (e.g. username taken, id reused).
    Conflict,
    /// The server failed; the request may be retried.
    Internal,
    /// The server is shutting down or a dependency is unreachable; retry later.
    Unavailable,
    /// A code this version of the protocol crate does not know.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The snake_case name used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::InvalidRequest => "invalid_request",
            Self::UnknownType => "unknown_type",
            Self::TooLarge => "too_large",
            Self::UnsupportedType => "unsupported_type",
            Self::RateLimited => "rate_limited",
            Self::Conflict => "conflict",
            Self::Internal => "internal",
            Self::Unavailable => "unavailable",
            Self::Unknown => "unknown",
        }
    }

    /// Whether retrying the same request later can succeed. Clients use this to
    /// decide between keeping a message in the outbox and marking it failed.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            Self::RateLimited | Self::Internal | Self::Unavailable | Self::Unknown
        )
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// WebSocket close codes used by the server.
///
/// 1xxx codes are defined by RFC 6455; 4xxx codes are this protocol's own.
pub mod close {
    /// Normal closure (client or server ended the session on purpose).
    pub const NORMAL: u16 = 1000;
    /// A frame was not valid UTF-8 text (RFC 6455 "invalid frame payload data").
    pub const INVALID_PAYLOAD: u16 = 1007;
    /// A frame exceeded the configured maximum size.
    pub const TOO_LARGE: u16 = 1009;
    /// The server is restarting or shutting down; reconnect after `reconnect_after_ms`.
    pub const RESTARTING: u16 = 1012;
    /// No valid `authenticate` frame within the timeout, or the token was rejected.
    /// Do not reconnect with the same token.
    pub const UNAUTHORIZED: u16 = 4001;
    /// The authenticated user may not use this connection.
    pub const FORBIDDEN: u16 = 4003;
    /// Rate or policy limit exceeded (message flood, idle timeout); back off before reconnecting.
    pub const POLICY_LIMIT: u16 = 4008;
    /// The user already has the maximum number of connections.
    pub const TOO_MANY_CONNECTIONS: u16 = 4009;
    /// The connection fell too far behind its outbound queue; reconnect and resume.
    pub const SLOW_CONSUMER: u16 = 4011;
}
