//! Turns a failed WebSocket read into the close code the client should see.

use chat_protocol::v1::close;

/// A read that failed because of what the client sent, with the code to close with;
/// `None` when the connection is simply gone.
pub(super) fn close_code_for(err: tungstenite::Error) -> Option<(u16, &'static str)> {
    match err {
        tungstenite::Error::Capacity(_) => Some((close::TOO_LARGE, "frame too large")),
        tungstenite::Error::Utf8(_) => {
            Some((close::INVALID_PAYLOAD, "text frame is not valid UTF-8"))
        }
        // A peer that just dropped the TCP connection is gone, not misbehaving.
        tungstenite::Error::Protocol(
            tungstenite::error::ProtocolError::ResetWithoutClosingHandshake,
        ) => None,
        tungstenite::Error::Protocol(_) => Some((1002, "websocket protocol error")),
        _ => None,
    }
}
