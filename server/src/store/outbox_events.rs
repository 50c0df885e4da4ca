//! Which event-stream event a committed write makes (the outbox row written in the same
//! transaction), for both stores.

use super::{EventKind, WriteOutcome};
use crate::events::schema::{self, MessageChange, OutboxEvent};

/// The room a committed write's event belongs to; `None` when it makes no event (a
/// resend of a stored message).
pub fn room_of(outcome: &WriteOutcome) -> Option<&str> {
    match outcome {
        WriteOutcome::Sent {
            duplicate: true, ..
        } => None,
        WriteOutcome::Sent { message, .. } => Some(&message.room_id),
        WriteOutcome::Event(event) => Some(&event.room_id),
    }
}

/// The event of a committed write, for the room's current members.
pub fn event_for(
    outcome: &WriteOutcome,
    recipients: &[String],
    include_content: bool,
) -> Option<OutboxEvent> {
    match outcome {
        WriteOutcome::Sent {
            duplicate: true, ..
        } => None,
        WriteOutcome::Sent { message, .. } => Some(schema::message_created(
            message,
            recipients,
            include_content,
        )),
        WriteOutcome::Event(event) => {
            let (message_id, sender_id, content, at) = match &event.kind {
                // A new message is committed as `Sent`, never as an event.
                EventKind::Message(_) => return None,
                EventKind::Edited {
                    message_id,
                    sender_id,
                    content,
                    edited_at,
                } => (message_id, sender_id, Some(content.as_str()), *edited_at),
                EventKind::Deleted {
                    message_id,
                    sender_id,
                    deleted_at,
                } => (message_id, sender_id, None, *deleted_at),
            };
            let change = MessageChange {
                room_id: &event.room_id,
                seq: event.seq,
                message_id,
                sender_id,
                content,
                at,
            };
            Some(schema::message_changed(change, recipients, include_content))
        }
    }
}
