//! Pipelined sends: a connection may have several `send_message` frames waiting for
//! their commit at once, so a client that sends a burst does not pay one commit's
//! latency per message, and the store's group commit sees full batches.
//!
//! What must not change is what the client sees: every room's events and acks reach
//! the connection in one increasing seq order. The ack of a new message therefore
//! travels with its live event (`hub::Origin`) and leaves at that event's place; a send
//! whose event has not come by when its commit is answered (a room this connection has
//! not joined, the resend of a stored message, a live event lost to a gap) is
//! acknowledged when its outcome is handled, in the order the sends were read.

use foldhash::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use chat_protocol::v1::Message;
use futures_util::StreamExt;
use futures_util::stream::FuturesOrdered;
use tungstenite::Utf8Bytes;

use super::connection::{Connection, End};
use crate::error::Result;
use crate::messaging::{self, Author, Draft};

/// Sends a connection may have waiting for their commit; while this many are, the
/// connection stops reading its socket (TCP backpressure on the client).
const MAX_SENDS_IN_FLIGHT: usize = 32;

/// How one send ended.
pub(super) struct SendOutcome {
    room_id: String,
    client_msg_id: String,
    /// When the frame was read, for the send-to-fan-out metric.
    received: Instant,
    /// The stored message and whether it was the resend of an earlier one.
    result: Result<(Message, bool)>,
}

/// The outcome is boxed: the connection loop's wait for the next event has room for
/// whichever of its branches answers, and every idle connection would otherwise hold
/// room for an outcome, a whole stored message (docs/benchmarks.md, idle memory).
type PendingSend = Pin<Box<dyn Future<Output = Box<SendOutcome>> + Send>>;

/// The sends of one connection that have not been answered yet.
#[derive(Default)]
pub(super) struct InFlight {
    /// Outcomes come out in the order the sends were read.
    sends: FuturesOrdered<PendingSend>,
    /// `(room, client_msg_id)` of each send above, counted (a client may resend an id
    /// before the first try is answered).
    waiting: HashMap<(String, String), u32>,
    /// `(room, seq)` of sends already acknowledged at their event's place, before
    /// their outcome was handled.
    acked_in_order: HashSet<(String, u64)>,
}

impl InFlight {
    /// Whether another send may be read now.
    pub(super) fn has_room(&self) -> bool {
        self.sends.len() < MAX_SENDS_IN_FLIGHT
    }

    pub(super) fn is_empty(&self) -> bool {
        self.sends.is_empty()
    }

    /// The next outcome, in reading order; `None` once nothing is in flight (which ends
    /// `settle_sends`; the connection loop polls this only while [`InFlight::is_empty`]
    /// is false).
    pub(super) async fn next(&mut self) -> Option<Box<SendOutcome>> {
        self.sends.next().await
    }

    /// Whether `client_msg_id` is a send of this connection into `room_id` that has not
    /// been answered yet.
    pub(super) fn is_waiting(&self, room_id: &str, client_msg_id: &str) -> bool {
        // Lookups by borrowed pair would need a key type of their own; ids are short.
        self.waiting
            .contains_key(&(room_id.to_owned(), client_msg_id.to_owned()))
    }

    /// Records that the send that committed `seq` in `room_id` has been acknowledged.
    pub(super) fn acked_in_order(&mut self, room_id: &str, seq: u64) {
        self.acked_in_order.insert((room_id.to_owned(), seq));
    }

    fn forget(&mut self, room_id: String, client_msg_id: String) {
        let key = (room_id, client_msg_id);
        if let Some(count) = self.waiting.get_mut(&key) {
            *count -= 1;
            if *count == 0 {
                self.waiting.remove(&key);
            }
        }
    }
}

impl Connection {
    /// Starts committing a `send_message`; its outcome is handled by
    /// [`Connection::finish_send`] from the connection loop.
    pub(super) fn start_send(&mut self, room_id: String, client_msg_id: String, draft: Draft) {
        let received = Instant::now();
        *self
            .in_flight
            .waiting
            .entry((room_id.clone(), client_msg_id.clone()))
            .or_insert(0) += 1;
        let state = self.state.clone();
        let user_id = self.user_id.clone();
        let origin = Some(self.connection_id);
        self.in_flight.sends.push_back(Box::pin(async move {
            let author = Author {
                user_id: &user_id,
                origin,
            };
            let result = messaging::send(&state, author, &room_id, &client_msg_id, draft).await;
            Box::new(SendOutcome {
                room_id,
                client_msg_id,
                received,
                result,
            })
        }));
    }

    /// Answers one send: the ack (unless it already left at its event's place), or the
    /// error.
    pub(super) async fn finish_send(&mut self, outcome: Box<SendOutcome>) -> Result<(), End> {
        let SendOutcome {
            room_id,
            client_msg_id,
            received,
            result,
        } = *outcome;
        let answered = match result {
            Ok((message, duplicate)) => {
                self.strikes = 0;
                // The message is committed and its live event has left with the commit:
                // record it and notify offline members.
                if !duplicate {
                    messaging::after_commit(&self.state, &message, received);
                }
                self.acknowledge(&message).await
            }
            Err(e) => {
                let failure = self.count_strike(e);
                self.reply(Err(failure), Some(&client_msg_id)).await
            }
        };
        self.in_flight.forget(room_id, client_msg_id);
        answered
    }

    /// Sends the ack of `message` unless it has left already; in a joined room, every
    /// event before it first.
    async fn acknowledge(&mut self, message: &Message) -> Result<(), End> {
        let reached = self.reach(&message.room_id, message.seq).await;
        self.reply(reached, Some(&message.client_msg_id)).await?;
        if self
            .in_flight
            .acked_in_order
            .remove(&(message.room_id.to_string(), message.seq))
        {
            return Ok(());
        }
        let ack = Utf8Bytes::from(messaging::ack_frame(message).encode());
        self.send_ack(ack).await
    }

    /// Sends an encoded `message_ack`.
    pub(super) async fn send_ack(&mut self, ack: Utf8Bytes) -> Result<(), End> {
        crate::telemetry::acknowledged("websocket");
        self.send_text(ack).await
    }

    /// Answers every send in flight. Any other frame waits for this, so that its reply
    /// (and what it reads, such as history) comes after the acks of earlier sends.
    pub(super) async fn settle_sends(&mut self) -> Result<(), End> {
        while let Some(outcome) = self.in_flight.next().await {
            self.finish_send(outcome).await?;
        }
        Ok(())
    }
}
