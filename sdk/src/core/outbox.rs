//! The core's view of the outbox: which persisted messages to send next, one in flight
//! per room so that a room's messages are stored in the order they were written.
//!
//! Why one at a time per room: if two were in flight and the first were refused for a
//! retryable reason (rate limit), the second could be stored before it, and the sender's
//! order would be lost for good. Rooms proceed independently.

use chat_protocol::v1::ErrorCode;

use super::Millis;

/// Delay before resending a message the server refused for a retryable reason.
const RETRY_DELAY_MS: u64 = 1_000;

/// A message waiting to be stored by the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    /// The room the message is for.
    pub room_id: String,
    /// Generated once when the user sent it; the same on every retry.
    pub client_msg_id: String,
    /// The message text as the user wrote it.
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Slot {
    Queued,
    InFlight,
    RetryAt(Millis),
    Failed,
}

#[derive(Debug)]
struct Item {
    message: OutgoingMessage,
    slot: Slot,
    /// It has been on the wire at least once: the server may have stored it even if no
    /// ack came back, so it can no longer be cancelled.
    sent_before: bool,
}

/// Messages in the order the user sent them.
#[derive(Debug, Default)]
pub struct Outbox {
    items: Vec<Item>,
}

/// What a refusal did to the message.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Retryable: it will be resent later.
    WillRetry,
    /// Final: it is marked failed (and no longer blocks its room).
    Failed,
    /// The id is not in flight (a stale or foreign error).
    Unknown,
}

impl Outbox {
    /// Adds a message (again-added ids are ignored: the driver may replay its store).
    pub fn enqueue(&mut self, message: OutgoingMessage) {
        self.insert(message, Slot::Queued);
    }

    /// Adds a message that the server refused for good in an earlier run.
    pub fn enqueue_failed(&mut self, message: OutgoingMessage) {
        self.insert(message, Slot::Failed);
    }

    fn insert(&mut self, message: OutgoingMessage, slot: Slot) {
        if !self
            .items
            .iter()
            .any(|i| i.message.client_msg_id == message.client_msg_id)
        {
            self.items.push(Item {
                message,
                slot,
                sent_before: false,
            });
        }
    }

    /// Messages not yet stored by the server (failed ones included).
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The messages to send now, marked in flight: per room, the oldest message that has
    /// not failed, if nothing of that room is in flight or waiting to retry.
    pub fn take_ready(&mut self, now: Millis) -> Vec<OutgoingMessage> {
        let mut busy_rooms: Vec<String> = Vec::new();
        let mut ready = Vec::new();
        for item in &mut self.items {
            if busy_rooms.contains(&item.message.room_id) {
                continue;
            }
            match item.slot {
                Slot::Failed => continue,
                Slot::InFlight => {}
                Slot::RetryAt(at) if at > now => {}
                Slot::Queued | Slot::RetryAt(_) => {
                    item.slot = Slot::InFlight;
                    item.sent_before = true;
                    ready.push(item.message.clone());
                }
            }
            busy_rooms.push(item.message.room_id.clone());
        }
        ready
    }

    /// The server stored the message: it leaves the outbox.
    pub fn acked(&mut self, client_msg_id: &str) -> Option<OutgoingMessage> {
        let index = self
            .items
            .iter()
            .position(|i| i.message.client_msg_id == client_msg_id)?;
        Some(self.items.remove(index).message)
    }

    /// The server refused an in-flight message.
    pub fn refused(&mut self, client_msg_id: &str, code: ErrorCode, now: Millis) -> Refusal {
        let Some(item) = self
            .items
            .iter_mut()
            .find(|i| i.message.client_msg_id == client_msg_id && i.slot == Slot::InFlight)
        else {
            return Refusal::Unknown;
        };
        if code.is_retryable() {
            item.slot = Slot::RetryAt(now + RETRY_DELAY_MS);
            Refusal::WillRetry
        } else {
            item.slot = Slot::Failed;
            Refusal::Failed
        }
    }

    /// The connection dropped: whatever was in flight is sent again on the next one
    /// (with the same id, so the server returns the original if it had stored it).
    pub fn connection_lost(&mut self) {
        for item in &mut self.items {
            if item.slot == Slot::InFlight {
                item.slot = Slot::Queued;
            }
        }
    }

    /// Removes a message the server cannot have stored: never sent, or refused for good.
    /// Returns whether it was removed.
    pub fn cancel(&mut self, client_msg_id: &str) -> bool {
        let before = self.items.len();
        self.items.retain(|i| {
            i.message.client_msg_id != client_msg_id || (i.sent_before && i.slot != Slot::Failed)
        });
        self.items.len() != before
    }

    /// Puts a failed message at the back of the line; returns whether it was failed.
    pub fn retry(&mut self, client_msg_id: &str) -> bool {
        let Some(index) = self
            .items
            .iter()
            .position(|i| i.message.client_msg_id == client_msg_id && i.slot == Slot::Failed)
        else {
            return false;
        };
        let mut item = self.items.remove(index);
        item.slot = Slot::Queued;
        self.items.push(item);
        true
    }

    /// When the next retry is due, if any.
    pub fn next_retry(&self) -> Option<Millis> {
        self.items
            .iter()
            .filter_map(|i| {
                if let Slot::RetryAt(at) = i.slot {
                    Some(at)
                } else {
                    None
                }
            })
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(room: &str, id: &str) -> OutgoingMessage {
        OutgoingMessage {
            room_id: room.into(),
            client_msg_id: id.into(),
            content: id.into(),
        }
    }

    fn ids(messages: &[OutgoingMessage]) -> Vec<&str> {
        messages.iter().map(|m| m.client_msg_id.as_str()).collect()
    }

    #[test]
    fn one_in_flight_per_room_in_send_order() {
        let mut outbox = Outbox::default();
        for (room, id) in [
            ("a", "a1"),
            ("b", "b1"),
            ("a", "a2"),
            ("a", "a3"),
            ("b", "b2"),
        ] {
            outbox.enqueue(msg(room, id));
        }
        outbox.enqueue(msg("a", "a1")); // replayed from storage: ignored
        assert_eq!(outbox.len(), 5);
        assert_eq!(ids(&outbox.take_ready(0)), ["a1", "b1"]);
        assert!(outbox.take_ready(0).is_empty(), "nothing more until acks");
        outbox.acked("a1");
        assert_eq!(ids(&outbox.take_ready(0)), ["a2"]);
        outbox.acked("b1");
        outbox.acked("a2");
        assert_eq!(ids(&outbox.take_ready(0)), ["a3", "b2"]);
    }

    #[test]
    fn retryable_refusals_wait_and_keep_their_place() {
        let mut outbox = Outbox::default();
        outbox.enqueue(msg("a", "a1"));
        outbox.enqueue(msg("a", "a2"));
        outbox.take_ready(0);
        assert_eq!(
            outbox.refused("a1", ErrorCode::RateLimited, 100),
            Refusal::WillRetry
        );
        assert_eq!(outbox.next_retry(), Some(1_100));
        assert!(outbox.take_ready(500).is_empty(), "a2 must not overtake a1");
        assert_eq!(ids(&outbox.take_ready(1_100)), ["a1"]);
    }

    #[test]
    fn final_refusals_fail_without_blocking_the_room_and_can_be_retried() {
        let mut outbox = Outbox::default();
        outbox.enqueue(msg("a", "a1"));
        outbox.enqueue(msg("a", "a2"));
        outbox.take_ready(0);
        assert_eq!(
            outbox.refused("a1", ErrorCode::TooLarge, 0),
            Refusal::Failed
        );
        assert_eq!(
            outbox.refused("a1", ErrorCode::TooLarge, 0),
            Refusal::Unknown
        );
        assert_eq!(ids(&outbox.take_ready(0)), ["a2"]);
        assert!(
            outbox.retry("a1"),
            "a retried message goes to the back of the line"
        );
        assert!(!outbox.retry("a1"), "already queued again");
        assert!(outbox.take_ready(0).is_empty(), "a2 is still in flight");
        outbox.acked("a2");
        assert_eq!(ids(&outbox.take_ready(0)), ["a1"]);
        outbox.refused("a1", ErrorCode::Forbidden, 0);
        assert!(outbox.cancel("a1"), "refused for good: can be cancelled");
    }

    #[test]
    fn a_lost_connection_resends_in_flight_messages_with_the_same_ids() {
        let mut outbox = Outbox::default();
        outbox.enqueue(msg("a", "a1"));
        outbox.enqueue(msg("a", "a2"));
        assert_eq!(ids(&outbox.take_ready(0)), ["a1"]);
        outbox.connection_lost();
        assert!(!outbox.cancel("a1"), "sent once: the server may have it");
        assert_eq!(ids(&outbox.take_ready(0)), ["a1"]);
        assert!(!outbox.cancel("a1"), "in flight: cannot be cancelled");
        assert!(outbox.cancel("a2"), "never sent: can be cancelled");
        assert_eq!(outbox.len(), 1);
    }
}
