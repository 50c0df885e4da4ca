//! Which event-stream event a committed room event makes (the outbox row written in the
//! same transaction), for every backend.

use super::EventKind;
use super::write::NewEvent;
use crate::events::schema::{self, MessageChange, OutboxEvent};

/// The event-stream event of a newly committed room event, for the room's current
/// members.
pub(super) fn event_for(
    event: NewEvent<'_>,
    recipients: &[String],
    include_content: bool,
) -> OutboxEvent {
    let change = match event {
        NewEvent::Message { message, .. } => {
            return schema::message_created(message, recipients, include_content);
        }
        NewEvent::Change(change) => change,
    };
    let (message_id, sender_id, content, at) = match &change.kind {
        // A message event of the log is only ever new here as `NewEvent::Message`.
        EventKind::Message(message) => {
            return schema::message_created(message, recipients, include_content);
        }
        EventKind::Edited {
            message_id,
            sender_id,
            content,
            edited_at,
        } => (message_id, sender_id, Some(content.as_str()), *edited_at),
        EventKind::Deleted {
            message_id,
            deleted_by,
            deleted_at,
            ..
        } => (message_id, deleted_by, None, *deleted_at),
        EventKind::Member(changed) => return schema::member_changed(changed, recipients),
        EventKind::Room(changed) => return schema::room_changed(changed, recipients),
        EventKind::Reaction(reaction) => return schema::reaction(reaction, recipients),
        EventKind::Pinned(pinned) => return schema::message_pinned(pinned, recipients),
    };
    let change = MessageChange {
        room_id: &change.room_id,
        seq: change.seq,
        message_id,
        sender_id,
        content,
        at,
    };
    schema::message_changed(change, recipients, include_content)
}
