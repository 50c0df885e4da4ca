//! Which event-stream event a committed write makes (the outbox row written in the same
//! transaction), for both stores.

use super::WriteOutcome;
use crate::events::schema::{self, OutboxEvent};

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
            schema::message_changed(&event.frame(), recipients, include_content)
        }
    }
}
