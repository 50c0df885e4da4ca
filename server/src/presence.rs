//! Presence: a user is online while at least one of their connections is authenticated.
//! Changes go to the users who share a room with them.

use axum::extract::ws::Utf8Bytes;
use chat_protocol::v1::{PresenceStatus, ServerFrame};

use crate::clock::now_ms;
use crate::state::AppState;

/// Tells co-members that `user_id` came online; returns the presence frames of the
/// co-members already online, for the new connection to send first.
pub async fn came_online(
    state: &AppState,
    user_id: &str,
    first_connection: bool,
) -> Vec<ServerFrame> {
    let co_members = match state.store().co_members(user_id).await {
        Ok(users) => users,
        Err(e) => {
            tracing::warn!(error = %e, "presence: could not list co-members");
            return Vec::new();
        }
    };
    if first_connection {
        let frame = ServerFrame::Presence {
            user_id: user_id.to_owned(),
            status: PresenceStatus::Online,
            last_seen: None,
        };
        state
            .bus()
            .publish_to_users(&co_members, Utf8Bytes::from(frame.encode()));
    }
    state
        .hub()
        .online_among(&co_members)
        .into_iter()
        .map(|user_id| ServerFrame::Presence {
            user_id,
            status: PresenceStatus::Online,
            last_seen: None,
        })
        .collect()
}

/// Tells co-members that `user_id`'s last connection closed.
pub async fn went_offline(state: &AppState, user_id: &str) {
    let co_members = match state.store().co_members(user_id).await {
        Ok(users) => users,
        Err(e) => {
            tracing::warn!(error = %e, "presence: could not list co-members");
            return;
        }
    };
    let frame = ServerFrame::Presence {
        user_id: user_id.to_owned(),
        status: PresenceStatus::Offline,
        last_seen: Some(now_ms()),
    };
    state
        .bus()
        .publish_to_users(&co_members, Utf8Bytes::from(frame.encode()));
}
