//! The core's view of the outbox: which persisted entries to send next (new messages,
//! and every change to a message: edits, deletes, reactions, pins), one in flight per
//! room so that a room's entries reach the server in the order the user made them.
//!
//! Why one at a time per room: if two were in flight and the first were refused for a
//! retryable reason (rate limit), the second could be applied before it, and the user's
//! order would be lost for good. Rooms proceed independently.
//!
//! A send is done when its `message_ack` comes. A change has no acknowledgement of its
//! own (a reaction set already emits nothing), so the core sends a `ping` right behind
//! it: the server handles a connection's frames in order, so once that ping's `pong`
//! is back, the change was applied (or answered with an `error` naming its message,
//! which came first).

use chat_protocol::v1::{ClientFrame, ErrorCode};

use super::Millis;

/// Delay before resending an entry the server refused for a retryable reason.
const RETRY_DELAY_MS: u64 = 1_000;

/// The message a change is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A message the server stored, by its id.
    Message(String),
    /// One of the user's messages still in the outbox, by its `client_msg_id`: the
    /// change waits for its ack and then names the stored id.
    Pending(String),
}

/// What an outbox entry does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A new message.
    Send {
        /// The text as the user wrote it.
        content: String,
        /// The message it replies to.
        reply_to: Option<String>,
        /// The user ids it mentions.
        mentions: Vec<String>,
        /// The server ids of the files it carries, in order (once uploaded).
        attachments: Vec<String>,
        /// A file of it still waits to be uploaded: it is not sent until the driver's
        /// uploader reports them all ([`Outbox::uploaded`]), and its room's later
        /// entries wait behind it.
        uploading: bool,
    },
    /// Replace the text of one of the user's messages.
    Edit {
        /// The message.
        target: Target,
        /// The new text.
        content: String,
    },
    /// Delete a message.
    Delete {
        /// The message.
        target: Target,
    },
    /// Set or remove a reaction.
    React {
        /// The message.
        target: Target,
        /// The emoji or `:shortcode:`.
        emoji: String,
        /// Set or remove.
        on: bool,
    },
    /// Pin or unpin a message.
    Pin {
        /// The message.
        target: Target,
        /// Pin or unpin.
        pinned: bool,
    },
}

impl Change {
    /// The message a change is about; `None` for a send.
    pub fn target(&self) -> Option<&Target> {
        match self {
            Self::Send { .. } => None,
            Self::Edit { target, .. }
            | Self::Delete { target }
            | Self::React { target, .. }
            | Self::Pin { target, .. } => Some(target),
        }
    }

    fn target_mut(&mut self) -> Option<&mut Target> {
        match self {
            Self::Send { .. } => None,
            Self::Edit { target, .. }
            | Self::Delete { target }
            | Self::React { target, .. }
            | Self::Pin { target, .. } => Some(target),
        }
    }
}

/// One entry of the outbox, persisted by the driver before it reaches the core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// The room the entry is for.
    pub room_id: String,
    /// The entry's id: a new message's `client_msg_id` (the same on every retry), or
    /// a change's own local id.
    pub client_msg_id: String,
    /// What it does.
    pub change: Change,
}

impl OutboxEntry {
    /// The frame that carries it; `None` while its message has no server id yet.
    pub fn frame(&self) -> Option<ClientFrame> {
        let room_id = self.room_id.as_str().into();
        let message_id = |target: &Target| match target {
            Target::Message(id) => Some(id.as_str().into()),
            Target::Pending(_) => None,
        };
        Some(match &self.change {
            Change::Send {
                uploading: true, ..
            } => return None,
            Change::Send {
                content,
                reply_to,
                mentions,
                attachments,
                uploading: false,
            } => ClientFrame::SendMessage {
                room_id,
                client_msg_id: self.client_msg_id.clone(),
                content: content.clone(),
                reply_to: reply_to.as_deref().map(Into::into),
                mentions: mentions.iter().map(|m| m.as_str().into()).collect(),
                attachments: attachments.iter().map(|a| a.as_str().into()).collect(),
            },
            Change::Edit { target, content } => ClientFrame::EditMessage {
                room_id,
                message_id: message_id(target)?,
                content: content.clone(),
            },
            Change::Delete { target } => ClientFrame::DeleteMessage {
                room_id,
                message_id: message_id(target)?,
            },
            Change::React { target, emoji, on } => ClientFrame::React {
                room_id,
                message_id: message_id(target)?,
                emoji: emoji.clone(),
                on: *on,
            },
            Change::Pin { target, pinned } => ClientFrame::Pin {
                room_id,
                message_id: message_id(target)?,
                pinned: *pinned,
            },
        })
    }

    /// What the server's `error` about this entry names as `ref`.
    fn reference(&self) -> &str {
        match self.change.target() {
            Some(Target::Message(id)) => id,
            Some(Target::Pending(_)) | None => &self.client_msg_id,
        }
    }

    fn is_send(&self) -> bool {
        matches!(self.change, Change::Send { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Slot {
    Queued,
    /// On the wire; a change waits for the `pong` of this ping (counted per
    /// connection).
    InFlight {
        barrier: Option<u64>,
    },
    RetryAt(Millis),
    Failed,
}

#[derive(Debug)]
struct Item {
    entry: OutboxEntry,
    slot: Slot,
    /// It has been on the wire at least once (or was read back from storage, where
    /// nobody knows): the server may have it, so it can no longer be cancelled or
    /// amended.
    sent_before: bool,
}

/// How many acknowledged messages the outbox remembers, for changes that were made
/// to them while their ack was on its way (the driver names such a message by its
/// `client_msg_id`).
const RECENT_ACKS: usize = 256;

/// Entries in the order the user made them.
#[derive(Debug, Default)]
pub struct Outbox {
    items: Vec<Item>,
    /// `(client_msg_id, message_id)` of the latest acknowledged messages.
    recent_acks: std::collections::VecDeque<(String, String)>,
}

/// What a refusal did to the entry.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Retryable: it will be resent later.
    WillRetry,
    /// Final for a message: it is marked failed (and no longer blocks its room).
    Failed,
    /// Final for a change: it left the outbox (its id is given).
    Dropped(String),
    /// A delete of a message that is gone already: done.
    Done(String),
    /// The reference names nothing in flight (a stale or foreign error).
    Unknown,
}

/// What became of a change to a message still in the outbox when it was queued.
#[derive(Debug, PartialEq, Eq)]
pub enum Queued {
    /// Queued behind it.
    Queued,
    /// The message was never sent: its text was replaced instead (an edit).
    Amended,
    /// The message was never sent: it was removed instead (a delete); both ids are
    /// gone from the outbox.
    Withdrawn,
}

impl Outbox {
    /// Adds an entry made now (again-added ids are ignored). An edit or delete of a
    /// message that was never sent changes the message instead.
    pub fn enqueue(&mut self, mut entry: OutboxEntry) -> Queued {
        self.resolve(&mut entry);
        if let Change::Edit {
            target: Target::Pending(id),
            content,
        } = &entry.change
            && let Some(item) = self.unsent_send(id)
            && let Change::Send { content: text, .. } = &mut item.entry.change
        {
            text.clone_from(content);
            return Queued::Amended;
        }
        if let Change::Delete {
            target: Target::Pending(id),
        } = &entry.change
            && self.unsent_send(id).is_some()
        {
            let id = id.clone();
            self.items.retain(|i| {
                i.entry.client_msg_id != id
                    && i.entry.change.target() != Some(&Target::Pending(id.clone()))
            });
            return Queued::Withdrawn;
        }
        self.insert(entry, Slot::Queued, false);
        Queued::Queued
    }

    /// Adds an entry read back from storage (a new run): it may have been sent before.
    pub fn restore(&mut self, entry: OutboxEntry) {
        self.insert(entry, Slot::Queued, true);
    }

    /// Names the message of a change by its server id if its ack came already.
    fn resolve(&self, entry: &mut OutboxEntry) {
        if let Some(target) = entry.change.target_mut()
            && let Target::Pending(id) = target
            && let Some((_, message_id)) = self.recent_acks.iter().find(|(c, _)| c == id)
        {
            *target = Target::Message(message_id.clone());
        }
    }

    /// Adds a message that the server refused for good in an earlier run.
    pub fn enqueue_failed(&mut self, entry: OutboxEntry) {
        self.insert(entry, Slot::Failed, false);
    }

    fn insert(&mut self, entry: OutboxEntry, slot: Slot, sent_before: bool) {
        if !self
            .items
            .iter()
            .any(|i| i.entry.client_msg_id == entry.client_msg_id)
        {
            self.items.push(Item {
                entry,
                slot,
                sent_before,
            });
        }
    }

    /// The queued send `client_msg_id` if it never went on the wire.
    fn unsent_send(&mut self, client_msg_id: &str) -> Option<&mut Item> {
        self.items.iter_mut().find(|i| {
            i.entry.client_msg_id == client_msg_id
                && i.entry.is_send()
                && !i.sent_before
                && i.slot == Slot::Queued
        })
    }

    /// Entries not yet done (failed messages included).
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The entries to send now, marked in flight: per room, the oldest that has not
    /// failed, if nothing of that room is in flight or waiting to retry. A change
    /// whose message is still in the outbox waits behind it; one whose message left it
    /// without a server id (cancelled, failed) is dropped and returned in the second
    /// list.
    pub fn take_ready(&mut self, now: Millis) -> (Vec<OutboxEntry>, Vec<String>) {
        let orphans = self.drop_orphans();
        let mut busy_rooms: Vec<String> = Vec::new();
        let mut ready = Vec::new();
        for item in &mut self.items {
            if busy_rooms.contains(&item.entry.room_id) {
                continue;
            }
            match item.slot {
                Slot::Failed => continue,
                Slot::InFlight { .. } => {}
                Slot::RetryAt(at) if at > now => {}
                Slot::Queued | Slot::RetryAt(_) if item.entry.frame().is_none() => {}
                Slot::Queued | Slot::RetryAt(_) => {
                    item.slot = Slot::InFlight { barrier: None };
                    item.sent_before = true;
                    ready.push(item.entry.clone());
                }
            }
            busy_rooms.push(item.entry.room_id.clone());
        }
        (ready, orphans)
    }

    /// Changes to a pending message that is no longer queued to be sent.
    fn drop_orphans(&mut self) -> Vec<String> {
        let waiting: Vec<String> = self
            .items
            .iter()
            .filter(|i| i.entry.is_send() && i.slot != Slot::Failed)
            .map(|i| i.entry.client_msg_id.clone())
            .collect();
        let mut dropped = Vec::new();
        self.items.retain(|i| match i.entry.change.target() {
            Some(Target::Pending(id)) if !waiting.contains(id) => {
                dropped.push(i.entry.client_msg_id.clone());
                false
            }
            _ => true,
        });
        dropped
    }

    /// A change just sent waits for the `pong` of ping number `barrier`.
    pub fn await_pong(&mut self, client_msg_id: &str, barrier: u64) {
        if let Some(item) = self
            .items
            .iter_mut()
            .find(|i| i.entry.client_msg_id == client_msg_id)
        {
            item.slot = Slot::InFlight {
                barrier: Some(barrier),
            };
        }
    }

    /// `pongs` pongs have come on this connection: the changes sent before the ping
    /// they answer are done, and leave the outbox.
    pub fn pongs_seen(&mut self, pongs: u64) -> Vec<OutboxEntry> {
        let mut done = Vec::new();
        self.items.retain(|i| match i.slot {
            Slot::InFlight {
                barrier: Some(barrier),
            } if barrier <= pongs => {
                done.push(i.entry.clone());
                false
            }
            _ => true,
        });
        done
    }

    /// The server stored a message: it leaves the outbox, and changes made to it
    /// before now name its id.
    pub fn acked(&mut self, client_msg_id: &str, message_id: &str) -> Option<OutboxEntry> {
        let index = self
            .items
            .iter()
            .position(|i| i.entry.client_msg_id == client_msg_id && i.entry.is_send())?;
        let pending = Target::Pending(client_msg_id.to_owned());
        for item in &mut self.items {
            if let Some(target) = item.entry.change.target_mut()
                && *target == pending
            {
                *target = Target::Message(message_id.to_owned());
            }
        }
        if self.recent_acks.len() == RECENT_ACKS {
            self.recent_acks.pop_front();
        }
        self.recent_acks
            .push_back((client_msg_id.to_owned(), message_id.to_owned()));
        Some(self.items.remove(index).entry)
    }

    /// Whether an in-flight entry is what an `error` with this `ref` is about.
    pub fn is_in_flight(&self, reference: &str) -> bool {
        self.in_flight(reference).is_some()
    }

    /// The room of the in-flight entry an `error` with this `ref` is about.
    pub fn room_of(&self, reference: &str) -> Option<String> {
        self.in_flight(reference)
            .map(|index| self.items[index].entry.room_id.clone())
    }

    fn in_flight(&self, reference: &str) -> Option<usize> {
        self.items.iter().position(|i| {
            matches!(i.slot, Slot::InFlight { .. }) && i.entry.reference() == reference
        })
    }

    /// The server refused an in-flight entry (`reference`: the error's `ref`).
    pub fn refused(&mut self, reference: &str, code: ErrorCode, now: Millis) -> Refusal {
        let Some(index) = self.in_flight(reference) else {
            return Refusal::Unknown;
        };
        let item = &mut self.items[index];
        if code.is_retryable() {
            item.slot = Slot::RetryAt(now + RETRY_DELAY_MS);
            return Refusal::WillRetry;
        }
        if item.entry.is_send() {
            item.slot = Slot::Failed;
            return Refusal::Failed;
        }
        let entry = self.items.remove(index).entry;
        if code == ErrorCode::NotFound && matches!(entry.change, Change::Delete { .. }) {
            Refusal::Done(entry.client_msg_id)
        } else {
            Refusal::Dropped(entry.client_msg_id)
        }
    }

    /// The connection dropped: whatever was in flight is sent again on the next one
    /// (a message with the same id, so the server returns the original if it had
    /// stored it; a change again, which applies it once: an edit to the same text, a
    /// reaction or pin already set, a delete of a deleted message all end the same).
    pub fn connection_lost(&mut self) {
        for item in &mut self.items {
            if matches!(item.slot, Slot::InFlight { .. }) {
                item.slot = Slot::Queued;
            }
        }
    }

    /// Removes an entry the server cannot have: never sent, or a message refused for
    /// good. Returns whether it was removed.
    pub fn cancel(&mut self, client_msg_id: &str) -> bool {
        let before = self.items.len();
        self.items.retain(|i| {
            i.entry.client_msg_id != client_msg_id || (i.sent_before && i.slot != Slot::Failed)
        });
        self.items.len() != before
    }

    /// Every file of the queued message `client_msg_id` is uploaded: it may be sent now,
    /// carrying `attachment_ids`. Returns whether such a message was waiting.
    pub fn uploaded(&mut self, client_msg_id: &str, attachment_ids: Vec<String>) -> bool {
        let Some(item) = self
            .items
            .iter_mut()
            .find(|i| i.entry.client_msg_id == client_msg_id)
        else {
            return false;
        };
        match &mut item.entry.change {
            Change::Send {
                attachments,
                uploading,
                ..
            } if *uploading => {
                *attachments = attachment_ids;
                *uploading = false;
                true
            }
            _ => false,
        }
    }

    /// The server refused a file of the message `client_msg_id` for good: the message
    /// fails (and no longer blocks its room). Returns whether it was waiting.
    pub fn upload_refused(&mut self, client_msg_id: &str) -> bool {
        match self.items.iter_mut().find(|i| {
            i.entry.client_msg_id == client_msg_id
                && matches!(
                    i.entry.change,
                    Change::Send {
                        uploading: true,
                        ..
                    }
                )
                && i.slot != Slot::Failed
        }) {
            Some(item) => {
                item.slot = Slot::Failed;
                true
            }
            None => false,
        }
    }

    /// Puts a failed message at the back of the line; returns whether it was failed.
    pub fn retry(&mut self, client_msg_id: &str) -> bool {
        let Some(index) = self
            .items
            .iter()
            .position(|i| i.entry.client_msg_id == client_msg_id && i.slot == Slot::Failed)
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

    fn msg(room: &str, id: &str) -> OutboxEntry {
        OutboxEntry {
            room_id: room.into(),
            client_msg_id: id.into(),
            change: Change::Send {
                content: id.into(),
                reply_to: None,
                mentions: Vec::new(),
                attachments: Vec::new(),
                uploading: false,
            },
        }
    }

    fn change(room: &str, id: &str, change: Change) -> OutboxEntry {
        OutboxEntry {
            room_id: room.into(),
            client_msg_id: id.into(),
            change,
        }
    }

    fn ids(entries: &[OutboxEntry]) -> Vec<&str> {
        entries.iter().map(|m| m.client_msg_id.as_str()).collect()
    }

    fn ready(outbox: &mut Outbox, now: Millis) -> Vec<OutboxEntry> {
        outbox.take_ready(now).0
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
        assert_eq!(ids(&ready(&mut outbox, 0)), ["a1", "b1"]);
        assert!(ready(&mut outbox, 0).is_empty(), "nothing more until acks");
        outbox.acked("a1", "m-a1");
        assert_eq!(ids(&ready(&mut outbox, 0)), ["a2"]);
        outbox.acked("b1", "m-b1");
        outbox.acked("a2", "m-a2");
        assert_eq!(ids(&ready(&mut outbox, 0)), ["a3", "b2"]);
    }

    #[test]
    fn retryable_refusals_wait_and_keep_their_place() {
        let mut outbox = Outbox::default();
        outbox.enqueue(msg("a", "a1"));
        outbox.enqueue(msg("a", "a2"));
        ready(&mut outbox, 0);
        assert_eq!(
            outbox.refused("a1", ErrorCode::RateLimited, 100),
            Refusal::WillRetry
        );
        assert_eq!(outbox.next_retry(), Some(1_100));
        assert!(
            ready(&mut outbox, 500).is_empty(),
            "a2 must not overtake a1"
        );
        assert_eq!(ids(&ready(&mut outbox, 1_100)), ["a1"]);
    }

    #[test]
    fn final_refusals_fail_without_blocking_the_room_and_can_be_retried() {
        let mut outbox = Outbox::default();
        outbox.enqueue(msg("a", "a1"));
        outbox.enqueue(msg("a", "a2"));
        ready(&mut outbox, 0);
        assert_eq!(
            outbox.refused("a1", ErrorCode::TooLarge, 0),
            Refusal::Failed
        );
        assert_eq!(
            outbox.refused("a1", ErrorCode::TooLarge, 0),
            Refusal::Unknown
        );
        assert_eq!(ids(&ready(&mut outbox, 0)), ["a2"]);
        assert!(
            outbox.retry("a1"),
            "a retried message goes to the back of the line"
        );
        assert!(!outbox.retry("a1"), "already queued again");
        assert!(ready(&mut outbox, 0).is_empty(), "a2 is still in flight");
        outbox.acked("a2", "m-a2");
        assert_eq!(ids(&ready(&mut outbox, 0)), ["a1"]);
        outbox.refused("a1", ErrorCode::Forbidden, 0);
        assert!(outbox.cancel("a1"), "refused for good: can be cancelled");
    }

    #[test]
    fn changes_wait_for_their_message_and_finish_with_the_pong_behind_them() {
        let mut outbox = Outbox::default();
        outbox.enqueue(msg("a", "a1"));
        let react = |id: &str, target: Target| {
            change(
                "a",
                id,
                Change::React {
                    target,
                    emoji: "👍".into(),
                    on: true,
                },
            )
        };
        assert_eq!(ids(&ready(&mut outbox, 0)), ["a1"]);
        // Made while a1's ack is on its way: it waits, then names the stored id.
        outbox.enqueue(react("r1", Target::Pending("a1".into())));
        assert!(ready(&mut outbox, 0).is_empty());
        outbox.acked("a1", "m1");
        let sent = ready(&mut outbox, 0);
        assert_eq!(ids(&sent), ["r1"]);
        assert!(matches!(
            sent[0].frame(),
            Some(ClientFrame::React { message_id, .. }) if message_id.as_str() == "m1"
        ));
        outbox.await_pong("r1", 3);
        assert!(outbox.pongs_seen(2).is_empty(), "an earlier ping's pong");
        assert_eq!(ids(&outbox.pongs_seen(3)), ["r1"]);
        assert!(outbox.is_empty());
        // Made after the ack reached the core but named by client id: resolved too.
        outbox.enqueue(react("r2", Target::Pending("a1".into())));
        assert!(matches!(
            ready(&mut outbox, 0)[0].frame(),
            Some(ClientFrame::React { message_id, .. }) if message_id.as_str() == "m1"
        ));
    }

    #[test]
    fn an_edit_or_delete_of_an_unsent_message_changes_the_message_instead() {
        let mut outbox = Outbox::default();
        outbox.enqueue(msg("a", "a0"));
        outbox.enqueue(msg("a", "a1"));
        let edit = change(
            "a",
            "e1",
            Change::Edit {
                target: Target::Pending("a1".into()),
                content: "fixed".into(),
            },
        );
        assert_eq!(outbox.enqueue(edit), Queued::Amended);
        assert_eq!(outbox.len(), 2);
        let delete = change(
            "a",
            "d0",
            Change::Delete {
                target: Target::Pending("a0".into()),
            },
        );
        assert_eq!(ids(&ready(&mut outbox, 0)), ["a0"]);
        // a0 is on the wire: its delete must wait for the ack.
        assert_eq!(outbox.enqueue(delete), Queued::Queued);
        let delete = change(
            "a",
            "d1",
            Change::Delete {
                target: Target::Pending("a1".into()),
            },
        );
        assert_eq!(outbox.enqueue(delete), Queued::Withdrawn);
        assert_eq!(outbox.len(), 2);
        outbox.acked("a0", "m0");
        assert!(matches!(
            ready(&mut outbox, 0)[0].frame(),
            Some(ClientFrame::DeleteMessage { message_id, .. }) if message_id.as_str() == "m0"
        ));
    }

    #[test]
    fn refused_changes_leave_and_changes_to_a_failed_message_are_dropped() {
        let mut outbox = Outbox::default();
        let target = || Target::Message("m1".into());
        outbox.enqueue(change("a", "d1", Change::Delete { target: target() }));
        outbox.enqueue(change(
            "a",
            "p1",
            Change::Pin {
                target: target(),
                pinned: true,
            },
        ));
        ready(&mut outbox, 0);
        assert_eq!(
            outbox.refused("m1", ErrorCode::NotFound, 0),
            Refusal::Done("d1".into()),
            "deleting a deleted message is done"
        );
        ready(&mut outbox, 0);
        assert_eq!(
            outbox.refused("m1", ErrorCode::Forbidden, 0),
            Refusal::Dropped("p1".into())
        );
        outbox.enqueue(msg("b", "b1"));
        ready(&mut outbox, 0);
        outbox.enqueue(change(
            "b",
            "e1",
            Change::Edit {
                target: Target::Pending("b1".into()),
                content: "x".into(),
            },
        ));
        ready(&mut outbox, 0);
        assert_eq!(
            outbox.refused("b1", ErrorCode::TooLarge, 0),
            Refusal::Failed
        );
        assert_eq!(outbox.take_ready(0).1, ["e1"]);
        assert_eq!(outbox.len(), 1);
    }

    #[test]
    fn a_lost_connection_resends_in_flight_messages_with_the_same_ids() {
        let mut outbox = Outbox::default();
        outbox.enqueue(msg("a", "a1"));
        outbox.enqueue(msg("a", "a2"));
        assert_eq!(ids(&ready(&mut outbox, 0)), ["a1"]);
        outbox.connection_lost();
        assert!(!outbox.cancel("a1"), "sent once: the server may have it");
        assert_eq!(ids(&ready(&mut outbox, 0)), ["a1"]);
        assert!(!outbox.cancel("a1"), "in flight: cannot be cancelled");
        assert!(outbox.cancel("a2"), "never sent: can be cancelled");
        assert_eq!(outbox.len(), 1);
    }
}
