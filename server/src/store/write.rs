//! The writes that commit room events, each with an outcome of its own type, and the
//! view of a freshly committed event that the commit hook and the outbox get.

use std::sync::Arc;

use chat_protocol::v1::{Message, ServerFrame};

use super::{CommittedEvent, EventKind};

/// A message to store, unless its author stored it already under the same
/// `client_msg_id` (then that one is the answer).
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// The room the message is posted to.
    pub room_id: String,
    /// Its author, who must be a member.
    pub sender_id: String,
    /// The author's idempotency key: a resend carries the same one.
    pub client_msg_id: String,
    /// The message text, already validated.
    pub content: String,
    /// Commit time, ms since the epoch.
    pub now: i64,
    /// The connection that sent it (a hub connection id), handed to the commit hook so
    /// that the live event skips it (it gets an ack); `None` for REST.
    pub origin: Option<u64>,
}

impl NewMessage {
    /// The message as stored at `seq` under the server's `message_id`.
    pub(super) fn stored(&self, seq: u64, message_id: String) -> Message {
        Message {
            room_id: self.room_id.clone().into(),
            seq,
            message_id: message_id.into(),
            client_msg_id: self.client_msg_id.clone(),
            sender_id: self.sender_id.clone().into(),
            content: self.content.clone(),
            created_at: self.now,
            edited_at: None,
            deleted: false,
        }
    }
}

/// What storing a [`NewMessage`] gave.
#[derive(Debug, Clone)]
pub struct Sent {
    /// The stored message.
    pub message: Message,
    /// Stored by an earlier send with the same `(sender, client_msg_id)`: nothing new
    /// was committed.
    pub duplicate: bool,
}

/// A change to an existing message by its sender (or, for a delete, by an owner or
/// admin of the room).
#[derive(Debug, Clone)]
pub struct MessageChange {
    /// The room holding the message.
    pub room_id: String,
    /// Who asks for the change: the sender, or for a delete an owner or admin.
    pub user_id: String,
    /// The message to change.
    pub message_id: String,
    /// Edit or delete.
    pub action: ChangeAction,
    /// Time of the change, ms since the epoch.
    pub now: i64,
}

impl MessageChange {
    /// The room event this change is once committed at `seq`, of a message that
    /// `sender_id` sent.
    pub(super) fn committed(&self, seq: u64, sender_id: String) -> CommittedEvent {
        let message_id = self.message_id.clone();
        let kind = match &self.action {
            ChangeAction::Edit(content) => EventKind::Edited {
                message_id: message_id.into(),
                sender_id: sender_id.into(),
                content: content.clone(),
                edited_at: self.now,
            },
            ChangeAction::Delete | ChangeAction::Erase => EventKind::Deleted {
                message_id: message_id.into(),
                sender_id: sender_id.into(),
                deleted_at: self.now,
                deleted_by: self.user_id.clone().into(),
            },
        };
        CommittedEvent {
            room_id: self.room_id.clone().into(),
            seq,
            kind,
        }
    }
}

/// What a [`MessageChange`] does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeAction {
    /// Replace the content with this text.
    Edit(String),
    /// Erase the content everywhere it is stored and mark the message deleted.
    Delete,
    /// As `Delete`, by the sender whose account is being deleted, whether or not they
    /// are still a member of the room.
    Erase,
}

impl ChangeAction {
    /// What the writer is asked to do (PostgreSQL's `chat_commit_batch` kinds).
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Self::Edit(_) => "edit",
            Self::Delete => "delete",
            Self::Erase => "erase",
        }
    }

    /// The event's kind in the `room_events` table: an erase is a delete there.
    pub(super) fn log_kind(&self) -> &'static str {
        match self {
            Self::Edit(_) => "edit",
            Self::Delete | Self::Erase => "delete",
        }
    }

    /// The new content of an edit; `None` for a delete.
    pub(super) fn content(&self) -> Option<&str> {
        match self {
            Self::Edit(content) => Some(content),
            Self::Delete | Self::Erase => None,
        }
    }
}

/// A room event a batch has just committed, lent to the commit hook and the outbox.
#[derive(Debug, Clone, Copy)]
pub enum NewEvent<'a> {
    /// A new message, and the connection that sent it.
    Message {
        /// The stored message.
        message: &'a Message,
        /// The sending connection, which hears of it through its ack instead.
        origin: Option<u64>,
    },
    /// An edit or delete.
    Change(&'a CommittedEvent),
}

impl NewEvent<'_> {
    /// The room whose log holds the event.
    pub fn room_id(&self) -> &str {
        match self {
            Self::Message { message, .. } => &message.room_id,
            Self::Change(event) => &event.room_id,
        }
    }

    /// Its seq in that log.
    pub fn seq(&self) -> u64 {
        match self {
            Self::Message { message, .. } => message.seq,
            Self::Change(event) => event.seq,
        }
    }

    /// The frame that tells a client.
    pub fn frame(&self) -> ServerFrame {
        match self {
            Self::Message { message, .. } => ServerFrame::Message((*message).clone()),
            Self::Change(event) => event.frame(),
        }
    }
}

/// Called by the writer for each event a batch committed, in commit (seq) order, right
/// after the commit and before any write of the batch is answered. It publishes the live
/// events: published by the session tasks instead, they left in whatever order the
/// scheduler woke those tasks, and every recipient of an event that overtook an earlier
/// one had to read the store to fill the gap. It runs on the writer task, so it must not
/// block.
pub type OnCommit = Arc<dyn Fn(NewEvent<'_>) + Send + Sync>;
