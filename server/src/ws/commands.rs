//! What each client frame does once the connection is authenticated.

use chat_protocol::v1::{
    ClientFrame, ErrorCode, MAX_HISTORY_LIMIT, Message, ReceiptKind, ServerFrame, close,
};
use tungstenite::Utf8Bytes;

use super::connection::{Connection, End};
use crate::error::Error;
use crate::messaging;
use crate::store::PageRange;
use crate::{access, validate};

/// Largest `history` frame: a page of long messages is cut (from its oldest end) to fit,
/// so one request cannot take a connection's whole outbound byte budget.
const HISTORY_MAX_BYTES: usize = 256 * 1024;

/// Drops the oldest messages of a page until it fits [`HISTORY_MAX_BYTES`]; a cut page
/// says `has_more`, so the client simply pages on.
fn fit_history(mut messages: Vec<Message>, has_more: bool) -> (Vec<Message>, bool) {
    let size = |m: &Message| serde_json::to_string(m).map_or(0, |json| json.len() + 1);
    let mut total: usize = messages.iter().map(size).sum();
    let mut cut = 0;
    while total > HISTORY_MAX_BYTES && cut + 1 < messages.len() {
        total -= size(&messages[cut]);
        cut += 1;
    }
    messages.drain(..cut);
    (messages, has_more || cut > 0)
}

/// How a command failed.
#[derive(Debug)]
pub(super) enum Failure {
    /// Answer with an `error` frame; the connection stays open.
    Reply(Error),
    /// The connection must end.
    End(End),
    /// Answer with an `error` frame, then end the connection.
    ReplyThenEnd(Error, End),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Self::Reply(e)
    }
}

impl From<crate::store::Error> for Failure {
    fn from(e: crate::store::Error) -> Self {
        Self::Reply(e.into())
    }
}

impl From<End> for Failure {
    fn from(end: End) -> Self {
        Self::End(end)
    }
}

impl Connection {
    /// Runs one decoded client frame. Every command but a send is awaited boxed
    /// (`await_boxed!`, in `ws/mod.rs`); a send starts its commit without awaiting.
    pub(super) async fn handle(&mut self, frame: ClientFrame) -> Result<(), Failure> {
        match frame {
            ClientFrame::Authenticate { token } => await_boxed!(self.renew(&token)),
            ClientFrame::JoinRoom { room_id, since_seq } => {
                await_boxed!(self.join(&room_id, since_seq))
            }
            ClientFrame::LeaveRoom { room_id } => await_boxed!(self.leave(room_id.to_string())),
            ClientFrame::SendMessage {
                room_id,
                client_msg_id,
                content,
                reply_to,
                mentions,
                attachments,
            } => {
                // Before the next frame is read (messaging::attachments says why).
                let attachments = if attachments.is_empty() {
                    Vec::new()
                } else {
                    await_boxed!(messaging::attachments(
                        &self.state,
                        &self.user_id,
                        &client_msg_id,
                        attachments
                    ))?
                };
                let draft = messaging::Draft {
                    content,
                    reply_to,
                    mentions,
                    attachments,
                };
                self.start_send(room_id.into(), client_msg_id, draft);
                Ok(())
            }
            ClientFrame::Typing { room_id, is_typing } => {
                if !self.cursors.contains_key(room_id.as_str()) {
                    return Err(Error::forbidden("join the room on this connection first").into());
                }
                self.check_ephemeral_rate()?;
                await_boxed!(
                    self.state
                        .typing()
                        .update(&room_id, &self.user_id, is_typing)
                );
                Ok(())
            }
            ClientFrame::Receipt { room_id, seq, kind } => {
                await_boxed!(self.receipt(&room_id, seq, kind))
            }
            ClientFrame::EditMessage {
                room_id,
                message_id,
                content,
            } => {
                let result = await_boxed!(messaging::edit(
                    &self.state,
                    &self.user_id,
                    &room_id,
                    &message_id,
                    &content
                ));
                self.after_room_write(&room_id, result).await
            }
            ClientFrame::DeleteMessage {
                room_id,
                message_id,
            } => {
                let result = await_boxed!(messaging::delete(
                    &self.state,
                    &self.user_id,
                    &room_id,
                    &message_id
                ));
                self.after_room_write(&room_id, result).await
            }
            ClientFrame::React {
                room_id,
                message_id,
                emoji,
                on,
            } => {
                let result = await_boxed!(messaging::react(
                    &self.state,
                    &self.user_id,
                    &room_id,
                    &message_id,
                    &emoji,
                    on
                ));
                self.after_attach(&room_id, result).await
            }
            ClientFrame::Pin {
                room_id,
                message_id,
                pinned,
            } => {
                let result = await_boxed!(messaging::pin(
                    &self.state,
                    &self.user_id,
                    &room_id,
                    &message_id,
                    pinned
                ));
                self.after_attach(&room_id, result).await
            }
            ClientFrame::History {
                room_id,
                before_seq,
                limit,
            } => await_boxed!(self.history(room_id.to_string(), before_seq, limit)),
            ClientFrame::Ping => {
                let pong = ServerFrame::Pong {
                    server_time: crate::clock::now_ms(),
                };
                Ok(self.send(&pong).await?)
            }
            _ => Err(Error::new(ErrorCode::UnknownType, "frame type not supported").into()),
        }
    }

    async fn leave(&mut self, room_id: String) -> Result<(), Failure> {
        if self.cursors.remove(&room_id).is_none() {
            return Err(Error::not_found("this room is not joined on this connection").into());
        }
        self.state.hub().unsubscribe(self.connection_id, &room_id);
        self.state.typing().left_room(&room_id, &self.user_id).await;
        Ok(self
            .send(&ServerFrame::RoomLeft {
                room_id: room_id.into(),
                reason: None,
            })
            .await?)
    }

    /// Answers an edit or delete: the committed event reaches this connection through
    /// its room subscription; a connection that has not joined the room gets it directly.
    async fn after_room_write(
        &mut self,
        room_id: &str,
        result: crate::error::Result<ServerFrame>,
    ) -> Result<(), Failure> {
        match result {
            Ok(frame) => {
                self.strikes = 0;
                if !self.cursors.contains_key(room_id) {
                    self.send(&frame).await?;
                }
                Ok(())
            }
            Err(e) => Err(self.count_strike(e)),
        }
    }

    /// Answers a reaction or pin as [`Self::after_room_write`] does an edit; one that
    /// changed nothing is answered with nothing.
    async fn after_attach(
        &mut self,
        room_id: &str,
        result: crate::error::Result<Option<ServerFrame>>,
    ) -> Result<(), Failure> {
        match result {
            Ok(Some(frame)) => self.after_room_write(room_id, Ok(frame)).await,
            Ok(None) => {
                self.strikes = 0;
                Ok(())
            }
            Err(e) => Err(self.count_strike(e)),
        }
    }

    /// Typing and receipts fan out to the whole room: they have their own budget.
    fn check_ephemeral_rate(&self) -> Result<(), Failure> {
        self.ephemeral_limiter.check().map_err(|_| {
            crate::telemetry::rate_limited("typing_receipt");
            Failure::Reply(Error::new(
                ErrorCode::RateLimited,
                "too many typing or receipt updates; send them at most a few times a second",
            ))
        })
    }

    /// Rate-limited requests count as strikes; too many in a row end the connection.
    pub(super) fn count_strike(&mut self, e: Error) -> Failure {
        if e.code != ErrorCode::RateLimited {
            return Failure::Reply(e);
        }
        self.strikes += 1;
        if self.strikes >= self.state.config().rate_limit_strikes.max(1) {
            let end = End::Close(
                close::POLICY_LIMIT,
                "message rate limit exceeded repeatedly",
            );
            Failure::ReplyThenEnd(e, end)
        } else {
            Failure::Reply(e)
        }
    }

    async fn receipt(&mut self, room_id: &str, seq: u64, kind: ReceiptKind) -> Result<(), Failure> {
        self.check_ephemeral_rate()?;
        let room = access::member_room(&self.state, room_id, &self.user_id).await?;
        if seq == 0 || seq > room.last_seq {
            return Err(Error::invalid(format!(
                "seq must be between 1 and the room's last seq ({})",
                room.last_seq
            ))
            .into());
        }
        let change = self
            .state
            .store()
            .set_receipt(room_id, &self.user_id, seq, kind)
            .await?;
        if change.advanced {
            let frame = ServerFrame::Receipt {
                room_id: room_id.into(),
                user_id: self.user_id.clone().into(),
                seq,
                kind,
            };
            self.state
                .bus()
                .publish_to_room(room_id, Utf8Bytes::from(frame.encode()), &[]);
        }
        if (change.advanced && kind == ReceiptKind::Read) || change.unmarked {
            // The unread count (or mark) moves on every device of the reader.
            crate::room_feed::entry_changed(&self.state, room_id, &self.user_id);
        }
        Ok(())
    }

    async fn history(
        &mut self,
        room_id: String,
        before_seq: Option<u64>,
        limit: u32,
    ) -> Result<(), Failure> {
        access::member_room(&self.state, &room_id, &self.user_id).await?;
        let limit = validate::limit(limit, MAX_HISTORY_LIMIT)?;
        let range = before_seq.map_or(PageRange::Latest, PageRange::Before);
        let page = self.state.store().messages(&room_id, range, limit).await?;
        let (messages, has_more) = fit_history(page.messages, page.has_more);
        let frame = ServerFrame::History {
            room_id: room_id.into(),
            messages,
            has_more,
        };
        Ok(self.send(&frame).await?)
    }
}
