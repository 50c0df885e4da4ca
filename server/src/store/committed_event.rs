//! A committed event of a room's log, typed: which room, which seq, and what happened,
//! so that nobody has to pull the room and seq back out of a wire frame.

use chat_protocol::v1::{
    MemberChanged, Message, MessageId, MessagePinned, Reaction, RoomChanged, RoomId, ServerFrame,
    UserId,
};

/// What happened in a room at one seq.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// A new message.
    Message(Message),
    /// A message's content was replaced by its sender.
    Edited {
        /// The edited message.
        message_id: MessageId,
        /// Its sender, who edited it.
        sender_id: UserId,
        /// The new content (empty once the message was deleted later).
        content: String,
        /// Milliseconds since the epoch.
        edited_at: i64,
    },
    /// A message was deleted by its sender or a moderator of the room.
    Deleted {
        /// The deleted message.
        message_id: MessageId,
        /// Its sender.
        sender_id: UserId,
        /// Milliseconds since the epoch.
        deleted_at: i64,
        /// Who deleted it: the sender, or an owner or admin.
        deleted_by: UserId,
    },
    /// A membership changed.
    Member(MemberChanged),
    /// The room's settings changed.
    Room(RoomChanged),
    /// A reaction was set or removed.
    Reaction(Reaction),
    /// A message was pinned or unpinned.
    Pinned(MessagePinned),
}

/// One event of a room's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommittedEvent {
    /// The room whose log holds the event.
    pub room_id: RoomId,
    /// Its place in that log.
    pub seq: u64,
    /// What happened.
    pub kind: EventKind,
}

impl CommittedEvent {
    /// The event's name in metrics and in the `room_events` table.
    pub fn name(&self) -> &'static str {
        match self.kind {
            EventKind::Message(_) => "message",
            EventKind::Edited { .. } => "edit",
            EventKind::Deleted { .. } => "delete",
            EventKind::Member(_) => "member",
            EventKind::Room(_) => "room",
            EventKind::Reaction(_) => "reaction",
            EventKind::Pinned(_) => "pin",
        }
    }

    /// The frame that tells a client: `message`, `message_edited`, `message_deleted`,
    /// `member_changed`, `room_changed`, `reaction` or `message_pinned`.
    pub fn frame(&self) -> ServerFrame {
        self.clone().into_frame()
    }

    /// [`CommittedEvent::frame`], without copying.
    pub fn into_frame(self) -> ServerFrame {
        let Self { room_id, seq, kind } = self;
        match kind {
            EventKind::Message(message) => ServerFrame::Message(message),
            EventKind::Edited {
                message_id,
                sender_id,
                content,
                edited_at,
            } => ServerFrame::MessageEdited {
                room_id,
                seq,
                message_id,
                sender_id,
                content,
                edited_at,
            },
            EventKind::Deleted {
                message_id,
                sender_id,
                deleted_at,
                deleted_by,
            } => ServerFrame::MessageDeleted {
                room_id,
                seq,
                message_id,
                sender_id,
                deleted_at,
                deleted_by: Some(deleted_by),
            },
            EventKind::Member(changed) => ServerFrame::MemberChanged(changed),
            EventKind::Room(changed) => ServerFrame::RoomChanged(changed),
            EventKind::Reaction(reaction) => ServerFrame::Reaction(reaction),
            EventKind::Pinned(pinned) => ServerFrame::MessagePinned(pinned),
        }
    }
}
