//! Presence: a user is online while at least one of their connections is authenticated.
//! Changes go to the users who share a room with them.
//!
//! The co-member list is read from the store *before* a connection registers or
//! unregisters, so that the change itself is announced in the same step as the hub
//! update, with no await in between: otherwise a user who reconnects at once could
//! have their new "online" overtaken by the old connection's late "offline".

use axum::extract::ws::Utf8Bytes;
use chat_protocol::v1::{PresenceStatus, ServerFrame};

use crate::clock::now_ms;
use crate::state::AppState;

/// The users who share a room with `user_id` (empty, with a warning, if the store fails:
/// presence is best-effort and must not stop a connection).
pub async fn co_members(state: &AppState, user_id: &str) -> Vec<String> {
    state.store().co_members(user_id).await.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "presence: could not list co-members");
        Vec::new()
    })
}

/// Which of `user_ids` are online: on any process of a cluster (the roster), else on
/// this one (the hub). Without Redis, a cluster process answers for itself only.
pub async fn online_among(state: &AppState, user_ids: &[String]) -> Vec<String> {
    if let Some(roster) = state.roster()
        && let Some(online) = roster.online_among(user_ids).await
    {
        return online;
    }
    state.hub().online_among(user_ids)
}

/// Announces that `user_id` came online (if this is their first connection) and returns
/// the presence frames of the co-members already online, for the new connection.
pub async fn came_online(
    state: &AppState,
    user_id: &str,
    co_members: &[String],
    first_connection: bool,
) -> Vec<ServerFrame> {
    if first_connection {
        let frame = ServerFrame::Presence {
            user_id: user_id.to_owned(),
            status: PresenceStatus::Online,
            last_seen: None,
        };
        state
            .bus()
            .publish_to_users(co_members, Utf8Bytes::from(frame.encode()));
        record(state, user_id, true, co_members).await;
    }
    online_among(state, co_members)
        .await
        .into_iter()
        .map(|user_id| ServerFrame::Presence {
            user_id,
            status: PresenceStatus::Online,
            last_seen: None,
        })
        .collect()
}

/// Puts a presence change on the event stream (when one is configured). Presence is
/// not stored, so this is written on its own, not in a transaction with anything.
pub async fn record(state: &AppState, user_id: &str, online: bool, co_members: &[String]) {
    let event = crate::events::schema::presence_changed(user_id, online, now_ms(), co_members);
    if let Err(e) = state.store().append_event(&event).await {
        tracing::warn!(error = %e, "presence event not recorded");
    }
}

/// Announces that `user_id`'s last connection closed.
pub async fn went_offline(state: &AppState, user_id: &str, co_members: &[String]) {
    let frame = ServerFrame::Presence {
        user_id: user_id.to_owned(),
        status: PresenceStatus::Offline,
        last_seen: Some(now_ms()),
    };
    state
        .bus()
        .publish_to_users(co_members, Utf8Bytes::from(frame.encode()));
    record(state, user_id, false, co_members).await;
}
