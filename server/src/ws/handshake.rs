//! Phase one of a connection: the first frame must be a valid `authenticate`, in time.

use chat_protocol::v1::{ClientFrame, ErrorCode, close};
use tungstenite::Message;

use super::read_error::close_code_for;
use super::socket::Socket;
use crate::error::Error;
use crate::state::AppState;

/// How the handshake ended when it did not produce a user.
#[derive(Debug)]
pub(super) enum Unauthenticated {
    /// Tell the client why (an `error` frame, if any), then close with the code.
    Close {
        error: Option<Error>,
        code: u16,
        reason: &'static str,
    },
    /// The client went away.
    Gone,
}

fn unauthorized(message: impl Into<String>, reason: &'static str) -> Unauthenticated {
    crate::telemetry::auth_failure(if reason == "authentication timeout" {
        "auth_timeout"
    } else {
        "missing_token"
    });
    Unauthenticated::Close {
        error: Some(Error::unauthorized(message)),
        code: close::UNAUTHORIZED,
        reason,
    }
}

/// A connection's checked token: who it names, with their rooms and the users who share
/// a room with them (for the room list and presence).
pub(super) struct Authenticated {
    pub(super) caller: crate::access::Caller,
    pub(super) circle: crate::store::Circle,
    /// The token's [`crate::access::token_tag`].
    pub(super) token_tag: u64,
    /// [`crate::hub::Hub::closures`] before the token was checked.
    pub(super) closures_seen: u64,
    /// The token, to check again if a closure came in meanwhile.
    pub(super) token: String,
}

/// Waits for the `authenticate` frame and checks its token.
pub(super) async fn authenticate(
    socket: &mut Socket,
    state: &AppState,
) -> Result<Authenticated, Unauthenticated> {
    let deadline = tokio::time::Instant::now() + state.config().auth_timeout;
    let text = loop {
        let next = tokio::select! {
            () = state.shutdown().cancelled() => {
                return Err(Unauthenticated::Close { error: None, code: close::RESTARTING, reason: "server is shutting down" });
            }
            next = tokio::time::timeout_at(deadline, socket.next()) => next,
        };
        let Ok(next) = next else {
            return Err(unauthorized(
                "no authenticate frame within the timeout",
                "authentication timeout",
            ));
        };
        match next {
            None | Some(Ok(Message::Close(_))) => return Err(Unauthenticated::Gone),
            Some(Err(e)) => {
                return Err(match close_code_for(e) {
                    Some((code, reason)) => Unauthenticated::Close {
                        error: None,
                        code,
                        reason,
                    },
                    None => Unauthenticated::Gone,
                });
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
            Some(Ok(Message::Binary(_))) => {
                return Err(unauthorized(
                    "the first frame must be an authenticate text frame",
                    "authentication required",
                ));
            }
            Some(Ok(Message::Text(text))) => break text,
        }
    };
    let token = match ClientFrame::decode(text.as_str()) {
        Ok(ClientFrame::Authenticate { token }) => {
            crate::telemetry::frame_received("authenticate");
            token
        }
        Ok(_) | Err(_) => {
            return Err(unauthorized(
                "the first frame must be {\"type\":\"authenticate\",\"token\":...}",
                "authentication required",
            ));
        }
    };
    let closures_seen = state.hub().closures();
    match crate::access::authenticated_user_with_circle(state, &token).await {
        Ok((caller, circle)) => Ok(Authenticated {
            caller,
            circle,
            token_tag: crate::access::token_tag(&token),
            closures_seen,
            token,
        }),
        Err(e) if e.code == ErrorCode::Unauthorized => Err(Unauthenticated::Close {
            error: Some(e),
            code: close::UNAUTHORIZED,
            reason: "invalid token",
        }),
        Err(e) => Err(Unauthenticated::Close {
            error: Some(Error::new(ErrorCode::Unavailable, e.message)),
            code: 1011,
            reason: "server error; retry later",
        }),
    }
}
