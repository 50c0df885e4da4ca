//! The writes that commit room events, each with an outcome of its own type, and the
//! view of a freshly committed event that the commit hook and the outbox get.

use std::sync::Arc;

use chat_protocol::v1::{Attachment, Message, MessagePinned, Reaction, ServerFrame};

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
    /// The message of the same room it replies to (checked by the writer).
    pub reply_to: Option<String>,
    /// The members it mentions, without repeats (checked by the writer).
    pub mentions: Vec<String>,
    /// The sender's uploads it carries, as message objects show them; the writer
    /// refuses the send unless each is the sender's and never sent, and marks them
    /// sent with it.
    pub attachments: Vec<Attachment>,
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
            reply_to: self.reply_to.clone().map(Into::into),
            mentions: self.mentions.iter().cloned().map(Into::into).collect(),
            attachments: self.attachments.clone(),
            ..Message::default()
        }
    }

    /// The mentions as stored in `messages.mentions`: a JSON array, `None` for none.
    pub(super) fn mentions_json(&self) -> Option<String> {
        (!self.mentions.is_empty())
            .then(|| serde_json::to_string(&self.mentions).expect("strings serialise"))
    }

    /// The attachments as stored in `messages.attachments`: a JSON array of what
    /// message objects carry, `None` for none.
    pub(super) fn attachments_json(&self) -> Option<String> {
        (!self.attachments.is_empty())
            .then(|| serde_json::to_string(&self.attachments).expect("attachments serialise"))
    }

    /// The ids of the attachments, as a JSON array (what the SQLite writer checks and
    /// marks sent).
    pub(super) fn attachment_ids_json(&self) -> Option<String> {
        (!self.attachments.is_empty()).then(|| {
            let ids: Vec<&str> = self
                .attachments
                .iter()
                .map(|a| a.attachment_id.as_str())
                .collect();
            serde_json::to_string(&ids).expect("strings serialise")
        })
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

/// A change to an existing message: an edit or delete by its sender (or a delete by an
/// owner or admin of the room), a member's reaction, or a pin.
#[derive(Debug, Clone)]
pub struct MessageChange {
    /// The room holding the message.
    pub room_id: String,
    /// Who asks for the change: the sender, or for a delete an owner or admin; who
    /// reacts or pins.
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
            ChangeAction::React { .. } | ChangeAction::Pin(_) => self.notice(seq),
        };
        CommittedEvent {
            room_id: self.room_id.clone().into(),
            seq,
            kind,
        }
    }
}

impl MessageChange {
    /// The room event of a reaction or pin committed at `seq`.
    fn notice(&self, seq: u64) -> EventKind {
        let room_id = self.room_id.clone().into();
        let message_id = self.message_id.clone().into();
        match &self.action {
            ChangeAction::React { emoji, on } => EventKind::Reaction(Reaction {
                room_id,
                seq,
                message_id,
                user_id: self.user_id.clone().into(),
                emoji: emoji.clone(),
                on: *on,
                created_at: self.now,
            }),
            ChangeAction::Pin(pinned) => EventKind::Pinned(MessagePinned {
                room_id,
                seq,
                message_id,
                pinned: *pinned,
                by: self.user_id.clone().into(),
                created_at: self.now,
            }),
            ChangeAction::Edit(_) | ChangeAction::Delete | ChangeAction::Erase => {
                unreachable!("only reactions and pins are notices")
            }
        }
    }

    /// What the writer stores as the `room_notices.body` of a reaction or pin: the
    /// event's JSON without the room and seq (the row's own columns; the seq is not
    /// known before the commit). `None` for an edit or delete.
    pub(super) fn notice_body(&self) -> Option<String> {
        let mut body = match self.notice_kind()? {
            EventKind::Reaction(reaction) => serde_json::to_value(reaction),
            EventKind::Pinned(pinned) => serde_json::to_value(pinned),
            _ => return None,
        }
        .expect("events serialise");
        if let Some(fields) = body.as_object_mut() {
            fields.remove("room_id");
            fields.remove("seq");
        }
        Some(body.to_string())
    }

    fn notice_kind(&self) -> Option<EventKind> {
        (!self.action.rewrites()).then(|| self.notice(0))
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
    /// Set (`on`) or remove the user's reaction with `emoji` (already validated).
    React {
        /// The emoji or `:shortcode:`.
        emoji: String,
        /// Set or remove.
        on: bool,
    },
    /// Pin (`true`) or unpin the message.
    Pin(bool),
}

impl ChangeAction {
    /// What the writer is asked to do (PostgreSQL's `chat_commit_batch` kinds).
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Self::Edit(_) => "edit",
            Self::Delete => "delete",
            Self::Erase => "erase",
            Self::React { .. } => "react",
            Self::Pin(_) => "pin",
        }
    }

    /// The event's kind in the `room_events` table (an erase is a delete there), or
    /// in `room_notices` for a reaction or pin.
    pub(super) fn log_kind(&self) -> &'static str {
        match self {
            Self::Edit(_) => "edit",
            Self::Delete | Self::Erase => "delete",
            Self::React { .. } => "reaction",
            Self::Pin(_) => "pin",
        }
    }

    /// The new content of an edit; `None` otherwise.
    pub(super) fn content(&self) -> Option<&str> {
        match self {
            Self::Edit(content) => Some(content),
            Self::Delete | Self::Erase | Self::React { .. } | Self::Pin(_) => None,
        }
    }

    /// Whether this changes the message itself (edit, delete, erase), rather than
    /// what is attached to it (reaction, pin).
    pub(super) fn rewrites(&self) -> bool {
        matches!(self, Self::Edit(_) | Self::Delete | Self::Erase)
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
    /// An edit, delete, reaction or pin.
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
