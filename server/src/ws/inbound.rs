//! What arrives on the socket: control frames, the frame-rate limit, decoding, and
//! turning command failures into `error` frames.

use chat_protocol::v1::{ClientFrame, DecodeError, ErrorCode, close};
use tungstenite::Message;

use super::commands::Failure;
use super::connection::{Connection, End, error_frame};
use super::read_error::close_code_for;
use crate::error::Error;

impl Connection {
    /// Handles one read from the socket.
    pub(super) async fn on_socket(
        &mut self,
        frame: Option<Result<Message, tungstenite::Error>>,
    ) -> Result<(), End> {
        match frame {
            None | Some(Ok(Message::Close(_))) => Err(End::Gone),
            Some(Err(e)) => Err(match close_code_for(e) {
                Some((code, reason)) => End::Close(code, reason),
                None => End::Gone,
            }),
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => Ok(()),
            Some(Ok(message)) => {
                if self.frame_limiter.check().is_err() {
                    crate::telemetry::rate_limited("frame");
                    return Err(End::Close(close::POLICY_LIMIT, "frame rate limit exceeded"));
                }
                match message {
                    Message::Text(text) => self.on_text(text.as_str()).await,
                    _ => {
                        let e = Error::invalid(
                            "binary frames are not supported; send JSON text frames",
                        );
                        self.send_text(error_frame(&e, None)).await
                    }
                }
            }
        }
    }

    async fn on_text(&mut self, text: &str) -> Result<(), End> {
        let frame = match ClientFrame::decode(text) {
            Ok(frame) => {
                crate::telemetry::frame_received(frame.type_name());
                frame
            }
            Err(e) => {
                crate::telemetry::frame_received("invalid");
                let code = match e {
                    DecodeError::UnknownType(_) => ErrorCode::UnknownType,
                    _ => ErrorCode::InvalidRequest,
                };
                let error = error_frame(&Error::new(code, e.to_string()), None);
                return self.send_text(error).await;
            }
        };
        // A send is answered later, in order with the room's events; anything else
        // waits until the sends before it are answered.
        if !matches!(frame, ClientFrame::SendMessage { .. }) {
            await_boxed!(self.settle_sends())?;
        }
        let reference = frame.reference().map(str::to_owned);
        let handled = self.handle(frame).await;
        self.reply(handled, reference.as_deref()).await
    }

    /// Turns a command's failure into an `error` frame that names `reference`, and ends
    /// the connection when the failure says so.
    pub(super) async fn reply(
        &mut self,
        handled: Result<(), Failure>,
        reference: Option<&str>,
    ) -> Result<(), End> {
        match handled {
            Ok(()) => Ok(()),
            Err(Failure::Reply(e)) => self.send_text(error_frame(&e, reference)).await,
            Err(Failure::End(end)) => Err(end),
            Err(Failure::ReplyThenEnd(e, end)) => {
                self.send_text(error_frame(&e, reference)).await?;
                Err(end)
            }
        }
    }
}
