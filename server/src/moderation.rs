//! Membership and settings changes (joining, adding, leaving, removing, banning, roles,
//! room settings): commit through the store, which applies the room's rules inside the
//! transaction, then publish the room events it committed. Shared by the WebSocket
//! join and the REST API.

use chat_protocol::v1::MembershipChange;

use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::messaging;
use crate::state::AppState;
use crate::store::{CommittedEvent, EventKind, MembershipAction, MembershipWrite, NewEvent};

/// Makes `actor`'s change to the room if its rules allow it, and publishes the
/// `member_changed` / `room_changed` events it committed (none when the change was
/// made already: adding a member twice is not an error).
///
/// # Errors
///
/// The room's refusals (`forbidden`, `not_found`, `invalid_request`), a missing room
/// (`not_found`), storage errors; nothing changed then.
pub async fn change(
    state: &AppState,
    room_id: &str,
    actor: &str,
    action: MembershipAction,
) -> Result<Vec<CommittedEvent>> {
    let write = MembershipWrite {
        room_id: room_id.to_owned(),
        actor: actor.to_owned(),
        action,
        now: now_ms(),
    };
    // A task of its own: a caller that goes away (an HTTP client hanging up) drops this
    // future, and a change it had queued could still be committed by another caller's
    // batch; it must then still be announced, and its new member subscribed.
    let state = state.clone();
    tokio::spawn(async move {
        let room_id = write.room_id.clone();
        let events = state.store().change_membership(write).await?;
        for event in &events {
            crate::telemetry::committed(event.name());
            messaging::publish_committed(state.bus(), NewEvent::Change(event));
            if let EventKind::Member(changed) = &event.kind
                && changed.change == MembershipChange::Joined
            {
                // The new member's connections start hearing of the room.
                crate::room_feed::members_added(
                    &state,
                    &room_id,
                    vec![changed.user_id.to_string()],
                );
            }
        }
        Ok(events)
    })
    .await
    .map_err(|e| Error::internal("membership change task failed", &e))?
}
